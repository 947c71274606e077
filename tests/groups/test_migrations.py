"""The upgrade to dated commitments keeps what was there: each member's one commitment becomes the
first of their series, in force from the month they joined, and its change history moves with it;
backwards, each member gets the amount in force now back."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("groups", "0005_request_key_in_thai")]
AFTER = [("groups", "0007_moves_and_rejoining")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_members_commitment_becomes_the_first_of_their_series_with_its_history():
    apps = migrate(BEFORE)
    Community = apps.get_model("songkhla_network", "Community")
    Person = apps.get_model("songkhla_network", "Person")
    SavingsGroup = apps.get_model("groups", "SavingsGroup")
    Member = apps.get_model("groups", "Member")
    HistoricalMember = apps.get_model("groups", "HistoricalMember")
    community = Community.objects.create(name="ชุมชนเก่า")
    group = SavingsGroup.objects.create(name="กลุ่มเก่า", community=community, default_commitment=Decimal("100"))
    joined = datetime.date(2021, 12, 5)
    members = [
        Member.objects.create(
            group=group,
            person=Person.objects.create(first_name=f"สมาชิก{n}", last_name="เก่า", community=community),
            number=n,
            joined_on=joined,
            commitment=Decimal(amount),
        )
        for n, amount in ((1, "150"), (2, "50"))
    ]
    # Member 1 was added with 100 and raised to 150 in the admin on 3 March 2565.
    typed = [(timezone.make_aware(datetime.datetime(2021, 12, 5, 10)), "100", "+")]
    typed.append((timezone.make_aware(datetime.datetime(2022, 3, 3, 9)), "150", "~"))
    for when, amount, kind in typed:
        HistoricalMember.objects.create(
            id=members[0].pk,
            group_id=group.pk,
            person_id=members[0].person_id,
            number=1,
            joined_on=joined,
            commitment=Decimal(amount),
            history_date=when,
            history_type=kind,
        )

    apps = migrate(AFTER)
    Commitment = apps.get_model("groups", "Commitment")
    HistoricalCommitment = apps.get_model("groups", "HistoricalCommitment")
    series = sorted(Commitment.objects.values_list("member_id", "from_month", "amount"))
    assert series == [
        (members[0].pk, datetime.date(2021, 12, 1), Decimal("150.00")),
        (members[1].pk, datetime.date(2021, 12, 1), Decimal("50.00")),
    ]
    history = list(
        HistoricalCommitment.objects.filter(member_id=members[0].pk)
        .order_by("history_date")
        .values_list("amount", "history_type", "history_date")
    )
    assert history == [(Decimal(a), kind, when) for when, a, kind in typed]

    apps = migrate(BEFORE)
    Member = apps.get_model("groups", "Member")
    assert sorted(Member.objects.values_list("number", "commitment")) == [(1, Decimal("150.00")), (2, Decimal("50.00"))]
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

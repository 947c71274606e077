"""Money rows: never edited or deleted, corrected by reversals, withdrawals within the balance,
and the passbook's running balance."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.urls import reverse

from groups import selectors, services
from groups.models import EntryKind, LedgerEntry
from tests.factories import make_group

pytestmark = pytest.mark.django_db

DEC = datetime.date(2021, 12, 1)


@pytest.fixture
def member(group_a):
    return group_a.members.get(number=1)


def deposit(member, user, amount="100", month=DEC, day=datetime.date(2021, 12, 5)):
    return services.deposit_post(member=member, month=month, date=day, amount=Decimal(amount), user=user)


def test_a_reversal_points_to_the_original_and_nets_it_out(member, treasurer_a):
    entry = deposit(member, treasurer_a, "1000")
    reversal = services.entry_reverse(entry=entry, date=datetime.date(2021, 12, 6), reason="พิมพ์เกิน", user=treasurer_a)
    assert reversal.reverses == entry and reversal.amount == Decimal("-1000.00") and reversal.kind == EntryKind.DEPOSIT
    assert sum(e.amount for e in member.entries.all()) == 0


def test_a_row_is_reversed_at_most_once(member, treasurer_a):
    entry = deposit(member, treasurer_a)
    services.entry_reverse(entry=entry, date=datetime.date(2021, 12, 6), reason="ผิด", user=treasurer_a)
    with pytest.raises(services.AlreadyPosted):
        services.entry_reverse(entry=entry, date=datetime.date(2021, 12, 6), reason="ผิดอีก", user=treasurer_a)
    assert member.entries.count() == 2


def test_a_reversal_is_never_reversed(member, treasurer_a):
    entry = deposit(member, treasurer_a)
    reversal = services.entry_reverse(entry=entry, date=datetime.date(2021, 12, 6), reason="ผิด", user=treasurer_a)
    with pytest.raises(ValidationError):
        services.entry_reverse(entry=reversal, date=datetime.date(2021, 12, 7), reason="ผิด", user=treasurer_a)


def test_a_reversal_needs_a_reason(client, member, treasurer_a):
    entry = deposit(member, treasurer_a)
    client.force_login(treasurer_a)
    response = client.post(
        reverse("groups:reverse", args=[member.group_id, entry.pk]), {"date": "6/12/2564", "reason": ""}
    )
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert member.entries.count() == 1


def test_the_database_refuses_a_reversal_without_a_reason(member, treasurer_a):
    entry = deposit(member, treasurer_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            group=member.group,
            member=member,
            kind=EntryKind.DEPOSIT,
            month=DEC,
            date=entry.date,
            amount=Decimal("-100"),
            reverses=entry,
            reason="",
            posted_by=treasurer_a,
        )


@pytest.mark.parametrize(
    "kind, amount", [(EntryKind.DEPOSIT, "-5"), (EntryKind.DEPOSIT, "0"), (EntryKind.WITHDRAWAL, "5")]
)
def test_the_database_refuses_amounts_of_the_wrong_sign(member, treasurer_a, kind, amount):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            group=member.group,
            member=member,
            kind=kind,
            month=DEC,
            date=DEC,
            amount=Decimal(amount),
            posted_by=treasurer_a,
        )


def test_money_rows_cannot_be_edited_or_deleted_through_django(member, treasurer_a):
    entry = deposit(member, treasurer_a)
    entry.amount = Decimal("5")
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("5"))
    with pytest.raises(ValidationError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("100.00")


@pytest.mark.parametrize(
    "sql",
    ["UPDATE groups_ledgerentry SET amount = 5 WHERE id = %s", "DELETE FROM groups_ledgerentry WHERE id = %s"],
)
def test_the_database_refuses_to_change_or_delete_money_rows_even_in_raw_sql(member, treasurer_a, sql):
    entry = deposit(member, treasurer_a)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("100.00")


def test_a_withdrawal_cannot_exceed_the_balance(client, member, treasurer_a):
    deposit(member, treasurer_a, "300")
    client.force_login(treasurer_a)
    url = reverse("groups:withdraw", args=[member.group_id, member.pk])
    response = client.get(url)
    key = response.context["form"]["request_key"].value()
    response = client.post(url, {"date": "10/12/2564", "amount": "300.01", "reason": "", "request_key": key})
    assert response.status_code == 200 and response.context["form"].errors
    assert "300.00" in str(response.context["form"].errors)
    response = client.post(url, {"date": "10/12/2564", "amount": "300", "reason": "ค่าเทอมลูก", "request_key": key})
    assert response.status_code == 302
    assert selectors.members_with_money(member.group)[0].balance == 0


def test_a_resubmitted_withdrawal_form_withdraws_once(client, member, treasurer_a):
    deposit(member, treasurer_a, "300")
    client.force_login(treasurer_a)
    url = reverse("groups:withdraw", args=[member.group_id, member.pk])
    key = client.get(url).context["form"]["request_key"].value()
    data = {"date": "10/12/2564", "amount": "100", "reason": "", "request_key": key}
    client.post(url, data)
    client.post(url, data)
    assert member.entries.filter(kind=EntryKind.WITHDRAWAL).count() == 1


def test_a_resubmitted_deposit_form_deposits_once(client, member, treasurer_a):
    client.force_login(treasurer_a)
    url = reverse("groups:deposit", args=[member.group_id, member.pk])
    key = client.get(url).context["form"]["request_key"].value()
    data = {"month_0": "12", "month_1": "2564", "date": "10/12/2564", "amount": "100", "request_key": key}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert member.entries.count() == 1


def test_a_deposit_for_a_month_before_joining_is_refused_beside_the_month(client, member, treasurer_a):
    client.force_login(treasurer_a)
    url = reverse("groups:deposit", args=[member.group_id, member.pk])
    key = client.get(url).context["form"]["request_key"].value()
    data = {"month_0": "11", "month_1": "2564", "date": "10/12/2564", "amount": "100", "request_key": key}
    response = client.post(url, data)
    assert response.context["form"].errors["month"]
    assert not member.entries.exists()


def test_reversing_a_deposit_whose_money_was_withdrawn_is_refused(member, treasurer_a):
    entry = deposit(member, treasurer_a, "100")
    services.withdrawal_post(
        member=member, date=datetime.date(2021, 12, 10), amount=Decimal("100"), reason="", user=treasurer_a
    )
    with pytest.raises(ValidationError):
        services.entry_reverse(entry=entry, date=datetime.date(2021, 12, 11), reason="ผิด", user=treasurer_a)


def test_the_passbook_shows_every_row_with_a_running_balance(client, member, treasurer_a):
    first = deposit(member, treasurer_a, "100")
    deposit(member, treasurer_a, "200", month=datetime.date(2022, 1, 1), day=datetime.date(2022, 1, 5))
    services.withdrawal_post(
        member=member, date=datetime.date(2022, 1, 10), amount=Decimal("50"), reason="", user=treasurer_a
    )
    services.entry_reverse(entry=first, date=datetime.date(2022, 1, 11), reason="ซ้ำ", user=treasurer_a)
    client.force_login(treasurer_a)
    response = client.get(reverse("groups:passbook", args=[member.group_id, member.pk]))
    assert [r.running_balance for r in response.context["rows"]] == [
        Decimal("100.00"),
        Decimal("300.00"),
        Decimal("250.00"),
        Decimal("150.00"),
    ]
    assert response.context["balance"] == Decimal("150.00")


@pytest.mark.parametrize("rows", [2, 40])
def test_the_passbook_and_group_pages_take_the_same_queries_whatever_the_rows(
    client, django_assert_max_num_queries, treasurer_a, rows
):
    group = make_group("กลุ่มนับ", "ชุมชนนับ", members=rows // 2)
    group.treasurers.add(treasurer_a)
    member = group.members.first()
    for i in range(rows):
        month = datetime.date(2022 + i // 12, i % 12 + 1, 1)
        deposit(member, treasurer_a, "100", month=month, day=month)
    client.force_login(treasurer_a)
    # Session, user, group, member, rows; the member's commitments, the group's steps and figures
    # (the arrears rule's); their loans and welfare received (a treasurer reads only their own
    # groups, so may post).
    with django_assert_max_num_queries(10):
        assert client.get(reverse("groups:passbook", args=[group.pk, member.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("groups:detail", args=[group.pk])).status_code == 200


def test_a_passbook_of_every_kind_of_row_takes_the_queries_of_a_passbook_of_deposits(
    client, django_assert_max_num_queries, group_b, leader, member
):
    # Deposits, a withdrawal, a reversal, then a move to group B: a balance taken to the new group
    # and brought into it. The rows' links and names are read with the rows, not one by one.
    for month in (DEC, datetime.date(2022, 1, 1)):
        deposit(member, leader, "300", month=month, day=month.replace(day=5))
    wrong = deposit(member, leader, "50", month=datetime.date(2022, 1, 1), day=datetime.date(2022, 1, 6))
    services.entry_reverse(entry=wrong, date=datetime.date(2022, 1, 7), reason="ซ้ำ", user=leader)
    services.withdrawal_post(
        member=member, date=datetime.date(2022, 1, 8), amount=Decimal("100"), reason="", user=leader
    )
    day = datetime.date(2022, 1, 10)
    moved = services.member_move(member=member, to_group=group_b, date=day, user=leader, today=day)
    client.force_login(leader)
    for saver, counterpart in [(member, moved), (moved, member)]:
        # Session, user, group, member, rows; the member's commitments, the group's steps and
        # figures; their loans and welfare received (a leader may post without a query saying so).
        with django_assert_max_num_queries(10):
            page = client.get(reverse("groups:passbook", args=[saver.group_id, saver.pk])).content.decode()
        assert counterpart.group.name in page
        assert reverse("groups:passbook", args=[counterpart.group_id, counterpart.pk]) in page
    assert reverse("groups:reverse", args=[group_b.pk, moved.entries.get().pk]) not in page

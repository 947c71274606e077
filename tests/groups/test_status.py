"""A group's life follows its order: forming → founded → dormant → revived → dormant → revived …
(or founded from the start). A step out of order, dated before the last one or in the future, or
dated in a month already over once the group has members, is refused with a Thai message, and
nothing is written."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from groups import services
from groups.models import GroupStatus, GroupStatusChange, SavingsGroup
from songkhla_network.models import Community

pytestmark = pytest.mark.django_db

DAY = datetime.date(2022, 1, 10)
F, FO, D, R = GroupStatus.FORMING, GroupStatus.FOUNDED, GroupStatus.DORMANT, GroupStatus.REVIVED


@pytest.fixture
def new_group(db):
    return SavingsGroup.objects.create(
        name="กลุ่มใหม่", community=Community.objects.create(name="ชุมชนใหม่"), default_commitment=Decimal("100")
    )


def record(group, statuses):
    for k, status in enumerate(statuses):
        day = DAY + datetime.timedelta(days=k)
        services.group_status_change(group=group, status=status, date=day, today=day)


@pytest.mark.parametrize(
    "statuses",
    [[F], [FO], [F, FO], [F, FO, D, R], [FO, D, R, D, R, D]],
)
def test_steps_in_order_are_recorded(new_group, statuses):
    record(new_group, statuses)
    assert list(new_group.status_changes.order_by("date").values_list("status", flat=True)) == statuses


@pytest.mark.parametrize(
    "before, step",
    [
        ([], D),
        ([], R),
        ([F], D),
        ([F], R),
        ([F], F),
        ([FO], R),  # revived without ever being dormant
        ([FO], FO),
        ([FO], F),
        ([FO, D], D),
        ([FO, D], FO),
        ([FO, D, R], R),
        ([FO, D, R], F),
    ],
)
def test_a_step_out_of_order_is_refused_with_a_thai_message(new_group, before, step):
    record(new_group, before)
    day = DAY + datetime.timedelta(days=len(before))
    with pytest.raises(ValidationError) as refused, translation.override("th"):
        services.group_status_change(group=new_group, status=step, date=day, today=day)
    with translation.override("th"):
        message = " ".join(refused.value.message_dict["status"])
    assert "ขั้น" in message
    assert new_group.status_changes.count() == len(before)


def test_a_step_dated_on_or_before_the_last_or_in_the_future_is_refused(new_group):
    record(new_group, [FO])
    for day, today in ((DAY, DAY), (DAY - datetime.timedelta(days=3), DAY), (DAY + datetime.timedelta(days=2), DAY)):
        with pytest.raises(ValidationError) as refused:
            services.group_status_change(group=new_group, status=D, date=day, today=today)
        assert refused.value.message_dict["date"]
    assert new_group.status_changes.count() == 1


def test_once_the_group_has_members_a_step_of_a_month_already_over_is_refused(group_a):
    today = datetime.date(2022, 3, 15)
    with pytest.raises(ValidationError) as refused:
        services.group_status_change(group=group_a, status=D, date=datetime.date(2022, 2, 20), today=today)
    assert refused.value.message_dict["date"]
    services.group_status_change(group=group_a, status=D, date=datetime.date(2022, 3, 1), today=today)
    assert group_a.status_on(today) == D


def test_the_demo_groups_follow_the_order(settings):
    from django.core.management import call_command

    settings.DEMO = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    problems = []
    for group in SavingsGroup.objects.prefetch_related("status_changes"):
        steps = sorted(group.status_changes.all(), key=lambda s: (s.date, s.id))
        previous = None
        for step in steps:
            if step.status not in services.NEXT_STATUSES[previous]:
                problems.append(f"{group}: {previous} → {step.status}")
            previous = step.status
    assert not problems
    assert GroupStatusChange.objects.count() == 16 + 3 + 6

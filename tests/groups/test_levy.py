"""The 5 % levy the savings groups owe the enterprise: owed per group and month, rounded to the
satang half up there and only there, so any longer period is the sum of its months."""

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from groups import selectors
from tests.factories import LEVY_MONTHS, deposit_plans, month_splits, post_deposits
from tests.helpers import rolled_back

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "deposits, levy",
    [
        ("100.00", "5.00"),
        ("100.50", "5.03"),  # 5.025: half a satang rounds up
        ("100.10", "5.01"),  # 5.005
        ("100.30", "5.02"),  # 5.015
        ("0.10", "0.01"),  # 0.005
        ("0.09", "0.00"),  # 0.0045
        ("0", "0.00"),
        ("-100.50", "-5.03"),  # a month reversed after it was levied: the same amount back
    ],
)
def test_the_levy_of_a_group_and_month_is_five_percent_rounded_half_up(deposits, levy):
    assert selectors.levy_owed(Decimal(deposits)) == Decimal(levy)


def test_a_period_is_levied_month_by_month_not_on_its_total(group_a, treasurer_a):
    member = group_a.members.get(number=1)
    for month in LEVY_MONTHS[:2]:  # 100.50 in each: 5.025 + 5.025, each rounded up
        post_deposits([(0, member.number, month, Decimal("100.50"), False)], groups=[group_a], user=treasurer_a)
    money = selectors.network_money(LEVY_MONTHS[0], LEVY_MONTHS[1])
    assert money.deposits == Decimal("201.00")
    assert money.levy == money.groups[0].levy == Decimal("10.06")  # not 5 % of 201.00 = 10.05


@given(plan=deposit_plans(), split=month_splits())
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_levy_of_a_period_is_the_sum_of_the_levies_of_its_months_however_it_is_split(
    group_a, group_b, leader, plan, split
):
    groups = [group_a, group_b]
    with rolled_back():
        post_deposits(plan, groups=groups, user=leader)
        first, last = LEVY_MONTHS[0], LEVY_MONTHS[-1]
        whole = selectors.network_money(first, last)
        parts = [selectors.network_money(a, b) for a, b in split]
        assert whole.levy == sum((part.levy for part in parts), Decimal("0"))
        by_group = {money.group.pk: money.levy for money in whole.groups}
        for group in groups:
            in_parts = sum((m.levy for part in parts for m in part.groups if m.group.pk == group.pk), Decimal("0"))
            assert by_group.get(group.pk, Decimal("0")) == in_parts
        months = selectors.levies_by_group_and_month(first, last)
        assert whole.levy == selectors.levy_of(months) == sum(selectors.levy_owed(m.deposits) for m in months)


def test_the_network_summary_shows_the_levy_per_group_and_in_total(client, leader, group_a, group_b):
    post_deposits(
        [(0, 1, LEVY_MONTHS[0], Decimal("100.50"), False), (1, 1, LEVY_MONTHS[1], Decimal("0.10"), False)],
        groups=[group_a, group_b],
        user=leader,
    )
    client.force_login(leader)
    months = {"first_0": "12", "first_1": "2564", "last_0": "3", "last_1": "2565"}
    money = client.get(reverse("groups:summary"), months).context["money"]
    assert {m.group: m.levy for m in money.groups} == {group_a: Decimal("5.03"), group_b: Decimal("0.01")}
    assert money.levy == Decimal("5.04")  # 5 % of the total 100.60 would be 5.03

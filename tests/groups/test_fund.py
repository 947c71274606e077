"""The group's fund over random histories of deposits, withdrawals, loans paid out and repaid on
the monthly sheet: cash + lent out = savings + income on every day, the cash never below zero,
and every loan's principal repaid never more than it lent."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from groups import selectors, services
from groups.models import Loan, LoanEntryKind, Officer
from songkhla_network.append_only import AlreadyPosted
from songkhla_network.thai import add_months, month_end
from tests.factories import FOUNDED_ON, make_group

pytestmark = pytest.mark.django_db

FIRST = datetime.date(2022, 1, 1)
SHARES = {"dividend": 50, "interest_refund": 20, "welfare_fund": 10, "committee": 10, "reserve": 5, "community": 5}
KIND = {
    "times_savings": Decimal("3"),
    "ceiling": Decimal("5000"),
    "monthly_rate": Decimal("1.5"),
    "method": "declining",
    "longest_term": 6,
    "guarantors": 0,
}

step = st.tuples(
    st.sampled_from(["save", "withdraw", "borrow", "repay"]),
    st.integers(min_value=0, max_value=3),  # which member
    st.integers(min_value=1, max_value=900),  # baht
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(months=st.lists(st.lists(step, max_size=4), min_size=1, max_size=8))
def test_the_fund_identity_holds_over_random_histories(leader, months):
    with transaction.atomic():
        _history(leader, months)
        transaction.set_rollback(True)


def _history(leader, months):
    group = make_group("กลุ่มสุ่ม", "ชุมชนสุ่ม", members=4)
    members = list(group.members.order_by("number"))
    services.rules_change(
        group=group,
        from_month=FIRST,
        terms={"year_ends_in": 12, "late_fine": Decimal("0"), "note": "", **SHARES},
        loan_kinds={"emergency": KIND},
        welfare_kinds={},
        user=leader,
        today=FIRST,
    )
    officers = [
        Officer.objects.create(group=group, person=m.person, position=Officer.Position.COMMITTEE, since=FOUNDED_ON)
        for m in members[2:]
    ]
    # A first month in which everyone saves, so that there is something to lend.
    services.sheet_post(
        group=group,
        month=FIRST,
        paid_on=FIRST.replace(day=10),
        amounts={m.pk: Decimal("500") for m in members},
        user=leader,
    )
    for index, steps in enumerate(months, start=1):
        month = add_months(FIRST, index)
        day = month.replace(day=10)
        saved = {}
        repay = {}
        for kind, who, baht in steps:
            member, amount = members[who], Decimal(baht)
            if kind == "save":
                saved[member.pk] = saved.get(member.pk, Decimal(0)) + amount
            elif kind == "repay":
                for position in selectors.loan_positions(group, day).get(member.pk, []):
                    repay[position.loan.pk] = min(amount, position.outstanding)
                    event("a repayment on the sheet")
            elif kind == "withdraw":
                try:
                    services.withdrawal_post(member=member, date=day, amount=amount, reason="", user=leader)
                except ValidationError:
                    pass  # beyond the balance or the cash: refused, nothing written
            else:
                _borrow(member, amount, day, officers, leader)
        try:
            services.sheet_post(group=group, month=month, paid_on=day, amounts=saved, repayments=repay, user=leader)
        except (ValidationError, AlreadyPosted):
            pass  # nothing to post, or a repayment refused: the month posts nothing
        for day_checked in (day, month_end(month)):
            fund = selectors.group_fund(group, day_checked)
            assert fund.balances, fund
            assert fund.cash >= 0, fund
            assert fund.lent_out >= 0, fund
    for loan in Loan.objects.filter(group=group):
        repaid = sum((e.amount for e in loan.entries.all() if e.kind == LoanEntryKind.PRINCIPAL), Decimal(0))
        assert repaid <= loan.amount


def _borrow(member, amount, day, officers, leader):
    try:
        loan = services.loan_apply(
            member=member,
            purpose="emergency",
            amount=amount,
            months=3,
            guarantors=[],
            applied_on=day,
            reason="",
            user=leader,
            today=day,
        )
        for officer in officers:
            services.loan_approve(loan=loan, officer=officer, approved_on=day, user=leader, today=day)
        services.loan_disburse(loan=loan, date=day, user=leader, today=day)
        event("a loan paid out")
    except ValidationError:
        pass  # beyond the rules, an officer who may not approve, or the fund's cash: refused

"""The group's fund over random histories of deposits, withdrawals, loans paid out, repaid on the
monthly sheet and written off, costs, welfare payouts and year-ends: cash + loans outstanding =
savings + welfare fund + reserve + profit not shared out on every day, the cash and the welfare
fund never below zero, every loan's principal repaid never more than it lent, each year-end's
members' shares adding up to its allocation, and no row dated in a closed year."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from groups import selectors, services, welfare, year_end
from groups.models import LedgerEntry, Loan, LoanEntryKind, Officer, ShareOut, YearEnd
from songkhla_network.append_only import AlreadyPosted
from songkhla_network.thai import add_months, month_end, month_start
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
    # Repayments twice as often: the interest they bring is the profit a year-end shares out.
    st.sampled_from(["save", "withdraw", "borrow", "repay", "repay", "cost", "welfare", "write_off", "close"]),
    st.integers(min_value=0, max_value=3),  # which member
    st.integers(min_value=1, max_value=900),  # baht
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(months=st.lists(st.lists(step, max_size=5), min_size=7, max_size=12))  # past the year's end
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
        # The year ends with June, so that a history of a few months may close one and go on.
        terms={"year_ends_in": 6, "late_fine": Decimal("0"), "note": "", **SHARES},
        loan_kinds={"emergency": KIND},
        # A small amount, so that a year's small profit gives the welfare fund enough to pay it.
        welfare_kinds={"illness": {"amount": Decimal("0.50"), "months_of_membership": 0}},
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
    # And a first loan, repaid on time at each meeting (unless a step says otherwise): the interest
    # it brings is a profit the year-end shares out, some of it into the welfare fund.
    first_loan = _borrow(members[0], Decimal("1500"), FIRST.replace(day=10), officers, leader)
    for index, steps in enumerate(months, start=1):
        month = add_months(FIRST, index)
        day = month.replace(day=10)
        saved = {}
        # The group closes its year at the first meeting after it ends, most often.
        if index % 3:
            _fund_step("close", group, members[0], Decimal(index), day, officers, leader)
        on_time = selectors.loan_position(Loan.objects.get(pk=first_loan.pk), day)
        repay = {first_loan.pk: sum(on_time.owed_by(month))} if on_time and sum(on_time.owed_by(month)) else {}
        for kind, who, baht in steps:
            member, amount = members[who], Decimal(baht)
            if kind == "save":
                saved[member.pk] = saved.get(member.pk, Decimal(0)) + amount
            elif kind == "repay":  # the loans of the member, or else of anyone
                positions = selectors.loan_positions(group, day)
                for position in positions.get(member.pk) or [p for owed in positions.values() for p in owed][:1]:
                    repay[position.loan.pk] = min(amount, position.outstanding)
                    event("a repayment on the sheet")
            elif kind == "withdraw":
                try:
                    services.withdrawal_post(member=member, date=day, amount=amount, reason="", user=leader)
                except ValidationError:
                    pass  # beyond the balance or the cash: refused, nothing written
            elif kind == "borrow":
                _borrow(member, amount, day, officers, leader)
            else:
                _fund_step(kind, group, member, amount, day, officers, leader)
        try:
            services.sheet_post(group=group, month=month, paid_on=day, amounts=saved, repayments=repay, user=leader)
        except (ValidationError, AlreadyPosted):
            pass  # nothing to post, or a repayment refused: the month posts nothing
        for day_checked in (day, month_end(month)):
            fund = selectors.group_fund(group, day_checked)
            assert fund.balances, fund
            assert fund.cash >= 0, fund
            assert fund.lent_out >= 0, fund
            assert fund.welfare >= 0, fund
    for closed in YearEnd.objects.filter(group=group):
        event("a year closed")
        shares = list(closed.shares.all())
        assert closed.profit == sum(getattr(closed, name) for name in SHARES)
        for part in ("dividend", "interest_refund"):
            shared = sum((getattr(share, part) for share in shares), Decimal(0))
            # To the satang; a part no member has a weight for (nobody saved, or paid interest) went
            # to the reserve, and is 0 here.
            assert shared == getattr(closed, part), (part, closed)
        credited = LedgerEntry.objects.filter(share__year_end=closed).count()
        assert credited == (sum(1 for s in shares if s.total) if closed.shares_paid_as == ShareOut.SAVINGS else 0)
        with pytest.raises(ValidationError) as refused:  # the year is closed: a row dated in it is refused
            services.deposit_post(
                member=members[0],
                month=month_start(closed.closes_on),
                date=closed.closes_on,
                amount=Decimal("1"),
                user=leader,
            )
        assert refused.value.code == "closed_year"
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
        return loan
    except ValidationError:
        return None  # beyond the rules, an officer who may not approve, or the fund's cash: refused


def _fund_step(kind, group, member, amount, day, officers, leader):
    """A cost, a welfare payout, a write-off or the close of the year that has ended, each refused
    (nothing written) when the rules, the cash or the welfare fund say no."""
    try:
        if kind == "cost":
            cost = amount / 100  # small beside the interest, so that some years make a profit
            welfare.cost_pay(group=group, date=day, amount=cost, what_for="ค่าเครื่องเขียน", user=leader, today=day)
            event("a cost")
        elif kind == "welfare":
            approver = next(o for o in officers if o.person_id != member.person_id)
            welfare.welfare_pay(
                member=member, purpose="illness", date=day, approved_by=approver, user=leader, today=day
            )
            event("welfare paid")
        elif kind == "write_off":  # the latest loan still owed
            for position in [p for owed in selectors.loan_positions(group, day).values() for p in owed][-1:]:
                services.loan_write_off(loan=position.loan, date=day, reason="ย้ายออก", user=leader, today=day)
                event("a loan written off")
        else:
            year = year_end.next_year(group)
            if year is not None and year.closes_on < day:
                paid_as = ShareOut.CASH if amount % 2 else ShareOut.SAVINGS
                year_end.year_end_post(
                    group=group,
                    last_month=year.last_month,
                    shares_paid_as=paid_as,
                    posted_on=day,
                    user=leader,
                    today=day,
                )
    except (ValidationError, AlreadyPosted):
        pass

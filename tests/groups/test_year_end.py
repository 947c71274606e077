"""The year-end share-out (issue 17): a group's year, its profit shared out by the group's rules
to the satang, each member's dividend by their savings-months and refund by the interest they
paid, posted once; after it the year is closed to every money row, in the service and in the
database."""

import datetime
import uuid
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups import selectors, services, year_end
from groups.models import (
    FundEntry,
    FundEntryKind,
    LedgerEntry,
    Loan,
    LoanEntry,
    LoanEntryKind,
    Member,
    MemberBalance,
    Officer,
    ShareOut,
    YearEnd,
    YearEndShare,
)
from songkhla_network.append_only import AlreadyPosted
from songkhla_network.models import Person
from songkhla_network.thai import add_months, be_date, be_month
from tests.factories import client_for, make_group
from tests.helpers import assert_no_english, at_once, english_runs, known_data, pdf_text, rolled_back, squeezed

pytestmark = pytest.mark.django_db

JAN, DEC = datetime.date(2022, 1, 1), datetime.date(2022, 12, 1)
CLOSES_ON = datetime.date(2022, 12, 31)
POSTED_ON = datetime.date(2023, 1, 10)
TODAY = datetime.date(2023, 1, 15)
SHARES = {"dividend": 50, "interest_refund": 20, "welfare_fund": 10, "committee": 10, "reserve": 5, "community": 5}
LOAN = {
    "times_savings": Decimal("3"),
    "ceiling": Decimal("5000"),
    "monthly_rate": Decimal("2"),
    "method": "flat",
    "longest_term": 6,
    "guarantors": 0,
}
D = Decimal


def _rules(group, user, from_month=JAN, **terms):
    return services.rules_change(
        group=group,
        from_month=from_month,
        terms={"year_ends_in": 12, "late_fine": D("0"), "note": "", **SHARES, **terms},
        loan_kinds={"emergency": LOAN},
        welfare_kinds={},
        user=user,
        today=from_month,
    )


def _lend(group, member, amount, months, day, user, officers):
    loan = services.loan_apply(
        member=member,
        purpose="emergency",
        amount=D(amount),
        months=months,
        guarantors=[],
        applied_on=day,
        reason="",
        user=user,
        today=day,
    )
    for officer in officers:
        services.loan_approve(loan=loan, officer=officer, approved_on=day, user=user, today=day)
    services.loan_disburse(loan=loan, date=day, user=user, today=day)
    return loan


def _sheet(group, user, month, amounts=None, repayments=None, day=10):
    return services.sheet_post(
        group=group,
        month=month,
        paid_on=month.replace(day=day),
        amounts=amounts or {},
        repayments=repayments or {},
        user=user,
    )


@pytest.fixture
def group(db, leader):
    """The worked example. Three members who joined in December 2564; the rules from January 2565
    (the year ends with December; 50/20/10/10/5/5), loans at 2 percent a month flat.

    Savings (month-end balances, January – December 2565):
      1: 1,000 in December 2564, 100 in January: 1,100 at each of the 12 month-ends = 13,200
      2: 500 + 100, then 200 withdrawn on 10 July: 600 × 6 + 400 × 6 = 6,000
      3: 300 in January, 600 more on 31 December: 300 × 11 + 900 = 4,200
    Loans: member 2 borrows 1,200 over 4 months (24 interest a month: 96), member 3 500 over 2
    (10 a month: 20), both repaid on the sheets; member 1 borrows 50 in August, never repays, and
    it is written off in November. Member 2 pays a fine of 20. Costs: 10.00 in December 2564
    (before the year: brought forward −10.00) and 30.01 in June.

    The year: −10.00 + 116.00 + 20.00 − 30.01 − 50.00 = 45.99 of profit."""
    group = make_group("กลุ่มปันผล", "ชุมชนปันผล", members=3)
    one, two, three = group.members.order_by("number")
    _sheet(group, leader, datetime.date(2021, 12, 1), {one.pk: D("1000"), two.pk: D("500")}, day=5)
    FundEntry.objects.create(
        group=group, kind=FundEntryKind.COST, date=datetime.date(2021, 12, 20), amount=D("10.00"), posted_by=leader
    )
    _rules(group, leader)
    officers = [
        Officer.objects.create(
            group=group,
            person=Person.objects.create(first_name=f"กรรมการ{n}", last_name="ปันผล"),
            position=Officer.Position.COMMITTEE,
            since=datetime.date(2021, 12, 1),
        )
        for n in (1, 2)
    ]
    _sheet(group, leader, JAN, {one.pk: D("100"), two.pk: D("100"), three.pk: D("300")}, day=5)
    feb = datetime.date(2022, 2, 15)
    big = _lend(group, two, "1200", 4, feb, leader, officers)
    small = _lend(group, three, "500", 2, feb, leader, officers)
    for k, month in enumerate(datetime.date(2022, m, 1) for m in (3, 4, 5, 6)):
        _sheet(group, leader, month, repayments={big.pk: D("324"), **({small.pk: D("260")} if k < 2 else {})})
    LoanEntry.objects.create(
        group=group,
        loan=big,
        kind=LoanEntryKind.FINE,
        month=datetime.date(2022, 5, 1),
        date=datetime.date(2022, 5, 10),
        amount=D("20.00"),
        posted_by=leader,
    )
    FundEntry.objects.create(
        group=group, kind=FundEntryKind.COST, date=datetime.date(2022, 6, 1), amount=D("30.01"), posted_by=leader
    )
    services.withdrawal_post(member=two, date=datetime.date(2022, 7, 10), amount=D("200"), reason="", user=leader)
    bad = _lend(group, one, "50", 1, datetime.date(2022, 8, 10), leader, officers)
    LoanEntry.objects.create(
        group=group,
        loan=bad,
        kind=LoanEntryKind.WRITTEN_OFF,
        month=datetime.date(2022, 11, 1),
        date=datetime.date(2022, 11, 30),
        amount=D("50.00"),
        posted_by=leader,
    )
    services.deposit_post(member=three, month=DEC, date=CLOSES_ON, amount=D("600"), user=leader)
    return group


def _members(group):
    return list(group.members.order_by("number"))


def _post(group, user, paid_as=ShareOut.SAVINGS, **changes):
    return year_end.year_end_post(
        **{
            "group": group,
            "last_month": DEC,
            "shares_paid_as": paid_as,
            "posted_on": POSTED_ON,
            "user": user,
            "today": TODAY,
            **changes,
        }
    )


# The rule that shares an amount out.


def test_largest_remainder_gives_the_satangs_left_to_the_largest_remainders_the_earlier_on_a_tie():
    # 45.99 by the example's percents: 22.995, 9.198, 4.599, 4.599, 2.2995, 2.2995.
    assert year_end.largest_remainder(D("45.99"), [D(p) for p in SHARES.values()]) == [
        D("22.99"),
        D("9.20"),
        D("4.60"),
        D("4.60"),
        D("2.30"),
        D("2.30"),
    ]
    assert year_end.largest_remainder(D("0.01"), [D(1), D(1)]) == [D("0.01"), D("0.00")]
    assert year_end.largest_remainder(D("0.02"), [D(1), D(1), D(1)]) == [D("0.01"), D("0.01"), D("0.00")]
    assert year_end.largest_remainder(D("0.00"), [D(1), D(3)]) == [D("0.00"), D("0.00")]
    with pytest.raises(ValueError):
        year_end.largest_remainder(D("10.00"), [D(0), D(0)])
    with pytest.raises(ValueError):
        year_end.largest_remainder(D("10.00"), [])
    with pytest.raises(ValueError):
        year_end.largest_remainder(D("10.001"), [D(1)])
    with pytest.raises(ValueError):
        year_end.largest_remainder(D("10.00"), [D(1), D(-1)])


satang_amounts = st.integers(min_value=0, max_value=10**11).map(lambda satang: D(satang) / 100)
weights_lists = st.lists(
    st.one_of(st.just(D(0)), st.integers(min_value=0, max_value=10**13).map(lambda n: D(n) / 100)),
    min_size=1,
    max_size=40,
).filter(any)


@given(total=satang_amounts, weights=weights_lists)
def test_largest_remainder_adds_up_and_keeps_each_share_within_a_satang_of_its_proportion(total, weights):
    shares = year_end.largest_remainder(total, weights)
    assert len(shares) == len(weights)
    assert sum(shares, D(0)) == total
    whole = sum((Fraction(w) for w in weights), Fraction(0))
    for share, weight in zip(shares, weights, strict=True):
        assert share == share.quantize(D("0.01")) and share >= 0
        exact = Fraction(total) * Fraction(weight) / whole
        assert abs(Fraction(share) - exact) < Fraction(1, 100)
        if weight == 0:
            assert share == 0


@given(total=satang_amounts, size=st.integers(min_value=1, max_value=10))
def test_largest_remainder_of_zero_weights_is_refused(total, size):
    with pytest.raises(ValueError):
        year_end.largest_remainder(total, [D(0)] * size)


# The group's years.


def test_the_next_year_to_close_follows_the_rules_and_the_years_closed(group, leader):
    year = year_end.next_year(group)
    assert (year.first_month, year.last_month, year.closes_on) == (JAN, DEC, CLOSES_ON)
    assert not year_end.years(group, CLOSES_ON).next_can_be_posted  # its last day: not ended yet
    assert year_end.years(group, CLOSES_ON + datetime.timedelta(days=1)).next_can_be_posted
    _post(group, leader)
    years = year_end.years(group, TODAY)
    assert [y.last_month for y in years.closed] == [DEC]
    assert (years.next.first_month, years.next.last_month) == (datetime.date(2023, 1, 1), datetime.date(2023, 12, 1))
    assert not years.next_can_be_posted
    # From June 2566 the group's year ends with June: the year after the one closed is the six
    # months to June (no month counts in two years), and the next after that twelve months again.
    _rules(group, leader, from_month=datetime.date(2023, 6, 1), year_ends_in=6)
    year = year_end.next_year(group)
    assert (year.first_month, year.last_month) == (datetime.date(2023, 1, 1), datetime.date(2023, 6, 1))


def test_a_group_without_rules_has_no_year(leader):
    group = make_group("กลุ่มไม่มีระเบียบ", "ชุมชนไม่มีระเบียบ")
    assert year_end.next_year(group) is None
    with pytest.raises(ValidationError) as refused:
        _post(group, leader)
    assert refused.value.code == "no_rules"


# The worked example, to the satang.


def test_the_worked_example_to_the_satang(group, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        figures = year_end.draft(group, DEC)
    assert (figures.first_month, figures.last_month, figures.closes_on) == (JAN, DEC, CLOSES_ON)
    assert (figures.interest, figures.fines, figures.costs, figures.written_off) == (
        D("116.00"),
        D("20.00"),
        D("30.01"),
        D("50.00"),
    )
    assert figures.brought_forward == D("-10.00")
    assert figures.profit == D("45.99")
    assert [(line.name, line.percent, line.amount) for line in year_end.allocation(figures)] == [
        ("dividend", D(50), D("22.99")),
        ("interest_refund", D(20), D("9.20")),
        ("welfare_fund", D(10), D("4.60")),
        ("committee", D(10), D("4.60")),
        ("reserve", D(5), D("2.30")),
        ("community", D(5), D("2.30")),
    ]
    assert figures.to_reserve == []
    # Dividend 22.99 by 13,200 : 6,000 : 4,200 (1,296.87, 589.49, 412.64 satang: the two left to
    # members 1 and 3); refund 9.20 by 0 : 96 : 20 (761.38, 158.62: the one left to member 3).
    assert [
        (s.member.number, s.savings_months, s.interest_paid, s.dividend, s.interest_refund, s.total)
        for s in figures.shares
    ] == [
        (1, D("13200.00"), D("0.00"), D("12.97"), D("0.00"), D("12.97")),
        (2, D("6000.00"), D("96.00"), D("5.89"), D("7.61"), D("13.50")),
        (3, D("4200.00"), D("20.00"), D("4.13"), D("1.59"), D("5.72")),
    ]
    assert [year_end.average_balance(s, figures.months) for s in figures.shares] == [
        D("1100.00"),
        D("500.00"),
        D("350.00"),
    ]
    fund = selectors.group_fund(group, CLOSES_ON)
    assert (fund.cash, fund.lent_out, fund.savings, fund.undistributed) == (
        D("2445.99"),
        D("0.00"),
        D("2400.00"),
        D("45.99"),
    )
    assert fund.balances


def _more_members(group, leader, count):
    """`count` members more, who joined in March 2565 and saved in it."""
    for number in range(4, 4 + count):
        member = services.member_join(
            group=group,
            joined_on=datetime.date(2022, 3, 1),
            first_month=datetime.date(2022, 3, 1),
            commitment=D("100"),
            number=number,
            new_person={"first_name": f"สมาชิก{number}", "last_name": "ปันผล"},
            today=datetime.date(2022, 3, 1),
        )
        services.deposit_post(
            member=member,
            month=datetime.date(2022, 3, 1),
            date=datetime.date(2022, 3, 5),
            amount=D(number),
            user=leader,
        )


def test_reading_the_draft_takes_the_same_queries_whatever_the_number_of_members(
    group, leader, django_assert_max_num_queries
):
    _more_members(group, leader, 20)
    with django_assert_max_num_queries(10):
        figures = year_end.draft(group, DEC)
    assert len(figures.shares) == 23
    assert sum((s.dividend for s in figures.shares), D(0)) == figures.dividend


def test_members_who_left_by_the_years_end_do_not_share_and_those_who_left_after_do(group, leader):
    one, two, three = _members(group)
    Member.objects.filter(pk=one.pk).update(left_on=datetime.date(2022, 12, 31))  # left on its last day
    Member.objects.filter(pk=three.pk).update(left_on=datetime.date(2023, 1, 5))  # after it
    figures = year_end.draft(group, DEC)
    assert [s.member.number for s in figures.shares] == [2, 3]
    assert sum((s.dividend for s in figures.shares), D(0)) == figures.dividend
    # Member 3 left after the year's end: their share cannot go to savings they were paid out.
    with pytest.raises(ValidationError) as refused:
        _post(group, leader)
    assert "shares_paid_as" in refused.value.message_dict
    assert not YearEnd.objects.exists()


def test_nobody_with_savings_or_interest_sends_those_parts_to_the_reserve(leader):
    group = make_group("กลุ่มว่าง", "ชุมชนว่าง")
    _rules(group, leader)
    # Member 1 saves 100 and takes it out the next day: nobody has a balance at a month's end.
    one = _members(group)[0]
    _sheet(group, leader, JAN, {one.pk: D("100")}, day=5)
    services.withdrawal_post(member=one, date=datetime.date(2022, 1, 6), amount=D("100"), reason="", user=leader)
    FundEntry.objects.create(
        group=group, kind=FundEntryKind.COST, date=datetime.date(2022, 3, 1), amount=D("5.00"), posted_by=leader
    )
    # A fine on a loan that charged no interest is the group's only income.
    loan = Loan.objects.create(
        group=group,
        member=one,
        purpose="emergency",
        amount=D("1"),
        months=1,
        monthly_rate=D("0"),
        method="flat",
        applied_on=datetime.date(2022, 2, 1),
        applied_by=leader,
    )
    LoanEntry.objects.create(
        group=group,
        loan=loan,
        kind=LoanEntryKind.FINE,
        month=datetime.date(2022, 2, 1),
        date=datetime.date(2022, 2, 1),
        amount=D("105.00"),
        posted_by=leader,
    )
    figures = year_end.draft(group, DEC)
    assert figures.profit == D("100.00")
    assert figures.to_reserve == ["dividend", "interest_refund"]
    assert (figures.dividend, figures.interest_refund, figures.reserve) == (D("0.00"), D("0.00"), D("75.00"))
    assert sum((getattr(figures, name) for name in SHARES), D(0)) == figures.profit
    assert all(s.total == 0 for s in figures.shares)


def _history(group, leader, plan):
    """Deposits and interest paid, for each member and month of 2565, from a hypothesis plan."""
    members = _members(group)
    loans = {}
    for number, month_index, amount, interest in plan:
        member = members[number]
        month = add_months(JAN, month_index)
        if amount:
            services.deposit_post(member=member, month=month, date=month.replace(day=3), amount=amount, user=leader)
        if interest:
            if member.pk not in loans:
                loans[member.pk] = Loan.objects.create(
                    group=group,
                    member=member,
                    purpose="emergency",
                    amount=D("1"),
                    months=1,
                    monthly_rate=D("1"),
                    method="flat",
                    applied_on=JAN,
                    applied_by=leader,
                )
            LoanEntry.objects.create(
                group=group,
                loan=loans[member.pk],
                kind=LoanEntryKind.INTEREST,
                month=month,
                date=month.replace(day=4),
                amount=interest,
                posted_by=leader,
            )


money = st.integers(min_value=0, max_value=500_000).map(lambda satang: D(satang) / 100)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 11), money, money),
        max_size=12,
    )
)
def test_the_dividend_and_the_refund_each_add_up_to_their_part_of_the_profit(leader, plan):
    with rolled_back():
        group = make_group("กลุ่มสุ่ม", "ชุมชนสุ่ม", members=4)
        _rules(group, leader)
        _history(group, leader, plan)
        figures = year_end.draft(group, DEC)
        amounts = [getattr(figures, name) for name in SHARES]
        assert sum(amounts, D(0)) == figures.profit == figures.interest
        assert sum((s.dividend for s in figures.shares), D(0)) == figures.dividend
        assert sum((s.interest_refund for s in figures.shares), D(0)) == figures.interest_refund
        for share in figures.shares:
            if not share.savings_months:
                assert share.dividend == 0
            if not share.interest_paid:
                assert share.interest_refund == 0
        if figures.profit and not any(s.savings_months for s in figures.shares):
            assert "dividend" in figures.to_reserve and figures.dividend == 0


# Posting.


def test_shares_added_to_savings_raise_the_members_balances_but_not_the_cash(group, leader):
    before = selectors.group_fund(group, POSTED_ON)
    posted = _post(group, leader)
    assert (posted.profit, posted.dividend, posted.interest_refund, posted.reserve) == (
        D("45.99"),
        D("22.99"),
        D("9.20"),
        D("2.30"),
    )
    assert (posted.first_month, posted.closes_on, posted.brought_forward) == (JAN, CLOSES_ON, D("-10.00"))
    shares = list(posted.shares.order_by("member__number"))
    assert [(s.dividend, s.interest_refund, s.savings_months, s.interest_paid) for s in shares] == [
        (D("12.97"), D("0.00"), D("13200.00"), D("0.00")),
        (D("5.89"), D("7.61"), D("6000.00"), D("96.00")),
        (D("4.13"), D("1.59"), D("4200.00"), D("20.00")),
    ]
    one, two, three = _members(group)
    # Each share a deposit of its own, in the passbook, the month-end balances kept with it.
    assert [(row.item, row.amount) for row in selectors.passbook(two)[-1:]] == [("share", D("13.50"))]
    assert [selectors.passbook(m)[-1].running_balance for m in (one, two, three)] == [
        D("1112.97"),
        D("413.50"),
        D("905.72"),
    ]
    assert list(selectors.balance_differences(MemberBalance)) == []
    after = selectors.group_fund(group, POSTED_ON)
    assert after.savings == before.savings + D("32.19")
    assert after.cash == before.cash - D("6.90")  # the committee's 4.60 and the community's 2.30
    assert (after.welfare, after.reserve, after.undistributed) == (D("4.60"), D("2.30"), D("0.00"))
    assert after.balances
    # A share added to savings is no saving for the month: the levy's base stays as it was.
    assert selectors.month_deposits(group, [datetime.date(2023, 1, 1)])[datetime.date(2023, 1, 1)].total == 0


def test_shares_paid_in_cash_lower_the_cash_and_leave_the_savings(group, leader):
    before = selectors.group_fund(group, POSTED_ON)
    _post(group, leader, ShareOut.CASH)
    after = selectors.group_fund(group, POSTED_ON)
    assert after.savings == before.savings
    assert after.cash == before.cash - D("6.90") - D("32.19") == D("2406.90")
    assert after.balances
    assert not LedgerEntry.objects.filter(share__isnull=False).exists()


def test_a_second_posting_of_the_year_is_refused_and_nothing_is_written_twice(group, leader):
    key = uuid.uuid4()
    first = _post(group, leader, request_key=key)
    counts = (YearEnd.objects.count(), YearEndShare.objects.count(), LedgerEntry.objects.count())
    for changes in ({"request_key": key}, {"request_key": uuid.uuid4()}, {"paid_as": ShareOut.CASH}):
        with pytest.raises(AlreadyPosted) as again:
            _post(group, leader, **changes)
        assert again.value.existing == first
    assert (YearEnd.objects.count(), YearEndShare.objects.count(), LedgerEntry.objects.count()) == counts
    assert counts[:2] == (1, 3)


@pytest.mark.django_db(transaction=True)
def test_two_postings_of_the_year_at_once_post_it_once(group, leader):
    def post(barrier):
        barrier.wait()
        try:
            _post(group, leader, request_key=uuid.uuid4())
        except AlreadyPosted:
            return "already"
        return "posted"

    assert sorted(at_once(3, post)) == ["already", "already", "posted"]
    assert (YearEnd.objects.count(), YearEndShare.objects.count()) == (1, 3)
    assert LedgerEntry.objects.filter(share__isnull=False).count() == 3


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"last_month": datetime.date(2023, 12, 1), "today": datetime.date(2024, 1, 15)}, "not_next"),
        ({"last_month": datetime.date(2022, 11, 1)}, "not_next"),
        ({"today": CLOSES_ON, "posted_on": CLOSES_ON}, "not_ended"),
        ({"posted_on": CLOSES_ON}, "posted_on"),
        ({"posted_on": datetime.date(2023, 1, 16)}, "posted_on"),
    ],
)
def test_a_year_not_next_not_ended_or_a_wrong_posting_date_is_refused(group, leader, changes, code):
    with pytest.raises(ValidationError) as refused:
        _post(group, leader, **changes)
    assert getattr(refused.value, "code", None) == code or code in getattr(refused.value, "error_dict", {})
    assert not YearEnd.objects.exists() and not YearEndShare.objects.exists()


def test_no_share_out_beyond_the_cash_the_fund_holds(group, leader):
    officers = list(Officer.objects.filter(group=group))
    one = _members(group)[0]
    # 2,445.99 in the box at the year's end; 2,420 lent on 5 January leaves 25.99.
    _lend(group, one, "2420", 6, datetime.date(2023, 1, 5), leader, officers)
    with pytest.raises(ValidationError) as refused:
        _post(group, leader, ShareOut.CASH)  # 6.90 + 32.19 out of 25.99
    assert refused.value.code == "cash"
    assert not YearEnd.objects.exists()
    _post(group, leader, ShareOut.SAVINGS)  # 6.90 out of the cash: the members' shares stay in it
    assert selectors.group_fund(group, TODAY).cash == D("19.09")


def test_the_cash_on_the_posting_date_and_today_both_count(group, leader):
    """Cash enough today but not on the posting date, backdated: refused."""
    officers = list(Officer.objects.filter(group=group))
    one = _members(group)[0]
    _lend(group, one, "2440", 6, datetime.date(2023, 1, 5), leader, officers)  # 5.99 left from 5 January
    # Repaid on 12 January: cash again today, but not on the 10th.
    loan = one.loans.order_by("-pk").first()
    _sheet(group, leader, datetime.date(2023, 1, 1), repayments={loan.pk: D("500")}, day=12)
    with pytest.raises(ValidationError) as refused:
        _post(group, leader)
    assert refused.value.code == "cash"
    _post(group, leader, posted_on=datetime.date(2023, 1, 12))


def test_the_closed_year_refuses_every_money_row_dated_in_it(group, leader):
    _post(group, leader)
    one = _members(group)[0]
    with translation.override("th"), pytest.raises(ValidationError) as refused:
        services.deposit_post(member=one, month=DEC, date=datetime.date(2022, 12, 20), amount=D("100"), user=leader)
    message = refused.value.messages[0]
    with translation.override("th"):
        expected = gettext("The group's year up to %(date)s is closed: no money row may be dated in it.") % {
            "date": be_date(CLOSES_ON)
        }
    assert message == expected
    assert "31 ธันวาคม 2565" in message and not english_runs(f"<p>{message}</p>")
    # The database itself, whatever a program forgets to check.
    loan = Loan.objects.filter(group=group).first()
    rows = [
        LedgerEntry(
            group=group,
            member=one,
            kind="deposit",
            month=DEC,
            date=datetime.date(2022, 12, 20),
            amount=D("1"),
            posted_by=leader,
        ),
        LoanEntry(
            group=group,
            loan=loan,
            kind=LoanEntryKind.INTEREST,
            month=DEC,
            date=CLOSES_ON,
            amount=D("1"),
            posted_by=leader,
        ),
        FundEntry(
            group=group, kind=FundEntryKind.COST, date=datetime.date(2021, 1, 1), amount=D("1"), posted_by=leader
        ),
    ]
    for row in rows:
        with pytest.raises(IntegrityError), transaction.atomic():
            type(row).objects.bulk_create([row])
    # The day after the year is open.
    services.deposit_post(
        member=one, month=datetime.date(2023, 1, 1), date=datetime.date(2023, 1, 1), amount=D("100"), user=leader
    )


def test_the_next_year_brings_forward_what_the_year_before_left(group, leader):
    """A loss is carried forward and nothing shared; a profit shared leaves nothing behind."""
    _post(group, leader)
    nxt = year_end.draft(group, datetime.date(2023, 12, 1))
    assert nxt.brought_forward == D("0.00")
    FundEntry.objects.create(
        group=group, kind=FundEntryKind.COST, date=datetime.date(2023, 3, 1), amount=D("7.50"), posted_by=leader
    )
    nxt = year_end.draft(group, datetime.date(2023, 12, 1))
    assert (nxt.result, nxt.profit) == (D("-7.50"), D("0.00"))
    posted = _post(
        group,
        leader,
        last_month=datetime.date(2023, 12, 1),
        posted_on=datetime.date(2024, 1, 2),
        today=datetime.date(2024, 1, 2),
    )
    assert posted.profit == 0 and all(s.total == 0 for s in posted.shares.all())
    assert year_end.draft(group, datetime.date(2024, 12, 1)).brought_forward == D("-7.50")


# The pages.


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return TODAY


def _url(name, group, month=DEC):
    return reverse(f"groups:{name}", args=[group.pk, f"{month.year + 543}-{month.month:02d}"])


def test_the_draft_page_shows_the_years_figures_and_the_form_in_thai(group, leader, staff, today):
    page = client_for(leader).get(_url("year_end", group))
    assert page.status_code == 200
    assert_no_english(page)
    text = page.content.decode()
    assert 'id="year-end-draft"' in text and 'id="year-end-form"' in text
    assert '<div class="value" id="year-end-profit">45.99</div>' in text
    for figure in ("13,200.00", "1,100.00", "12.97", "7.61", "1.59", "13.50", "22.99", "-10.00", "2,445.99"):
        assert figure in text
    assert "✓" in text
    read = client_for(staff).get(_url("year_end", group))
    assert 'id="year-end-form"' not in read.content.decode()
    listing = client_for(staff).get(reverse("groups:year_ends", args=[group.pk]))
    assert_no_english(listing)
    assert _url("year_end", group) in listing.content.decode()


@pytest.mark.parametrize("more", [0, 10])
def test_the_list_and_a_year_read_in_a_fixed_number_of_queries(
    group, leader, today, more, django_assert_max_num_queries
):
    _more_members(group, leader, more)
    client = client_for(leader)
    with django_assert_max_num_queries(17):  # the draft's 10, its year 2, the fund 1, the group, the login
        assert client.get(_url("year_end", group)).status_code == 200
    _post(group, leader)
    with django_assert_max_num_queries(6):
        page = client.get(_url("year_end", group))
    assert page.content.decode().count("data-member=") == 3 + more
    with django_assert_max_num_queries(6):
        client.get(reverse("groups:year_ends", args=[group.pk]))


def test_a_month_that_is_no_year_to_show_goes_back_to_the_list(group, leader, today):
    for month in ("2565-11", "2566-12", "not-a-month"):
        response = client_for(leader).get(reverse("groups:year_end", args=[group.pk, month]))
        assert response.status_code == 302
        assert response["Location"] == reverse("groups:year_ends", args=[group.pk])


@pytest.mark.parametrize(
    "changes",
    [
        {"posted_on": "16/1/2566"},  # tomorrow
        {"posted_on": "31/12/2565"},  # the year's last day
        {"posted_on": "31/2/2566"},
        {"confirm": ""},
        {"shares_paid_as": "gold"},
    ],
)
def test_bad_input_on_the_form_is_told_beside_the_field_in_thai_and_writes_nothing(group, leader, today, changes):
    data = {
        "request_key": str(uuid.uuid4()),
        "shares_paid_as": "savings",
        "posted_on": "10/1/2566",
        "confirm": "on",
        **changes,
    }
    response = client_for(leader).post(_url("year_end_post", group), {k: v for k, v in data.items() if v})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == set(changes)
    assert_no_english(response, known=known_data() | {"gold"})  # the value typed, said back
    assert not YearEnd.objects.exists()


def test_posting_from_the_page_shows_the_statement_read_from_what_was_posted(group, leader, today, monkeypatch):
    client = client_for(leader)
    data = {"request_key": str(uuid.uuid4()), "shares_paid_as": "cash", "posted_on": "10/1/2566", "confirm": "on"}
    response = client.post(_url("year_end_post", group), data)
    assert response.status_code == 302 and response["Location"] == _url("year_end", group)
    assert [m.level_tag for m in client.get(response["Location"]).context["messages"]] == ["success"]
    again = client.post(_url("year_end_post", group), data, follow=True)
    assert YearEnd.objects.count() == 1
    assert [m.level_tag for m in again.context["messages"]] == ["info"]

    def never(*args, **kwargs):
        raise AssertionError("a posted year is read, never worked out again")

    monkeypatch.setattr(year_end, "draft", never)
    page = client.get(_url("year_end", group))
    assert_no_english(page)
    text = page.content.decode()
    assert 'id="year-end-posted"' in text and 'id="year-end-form"' not in text
    posted = YearEnd.objects.get()
    assert f'<div class="value" id="year-end-profit">{posted.profit}</div>' in text
    for share in posted.shares.all():
        assert f"{share.total}" in text
    with translation.override("th"):
        assert str(ShareOut.CASH.label) in text


def test_the_pdf_is_the_draft_then_the_statement_in_thai_with_the_profit_in_words(group, leader, staff, today):
    draft = client_for(staff).get(_url("year_end_pdf", group))
    assert draft["Content-Type"] == "application/pdf"
    text = squeezed(pdf_text(draft.content))
    with translation.override("th"):
        draft_title = gettext("Draft share-out of the year ending with %(month)s") % {"month": be_month(DEC)}
        statement_title = gettext("Annual statement: the share-out of the year ending with %(month)s") % {
            "month": be_month(DEC)
        }
    assert squeezed(draft_title) in text and squeezed(statement_title) not in text
    assert "45.99" in text and squeezed("สี่สิบห้าบาทเก้าสิบเก้าสตางค์") in text
    _post(group, leader)
    statement = squeezed(pdf_text(client_for(staff).get(_url("year_end_pdf", group)).content))
    assert squeezed(statement_title) in statement and squeezed(draft_title) not in statement
    assert "45.99" in statement and "12.97" in statement and "13,200.00" in statement

"""A loan's repayment schedule (groups.interest): the principal in equal shares rounded down to the
satang with the rest in the last month, each month's interest on the amount lent (flat) or on what
is still owed (declining), rounded half up month by month. The figures below are worked out by hand;
the properties after them try to break the rule on loans drawn at random."""

import datetime
import os
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from groups.interest import Instalment, due_by, rescheduled, schedule, total_interest
from groups.models import LoanMethod
from songkhla_network.thai import add_months

JAN = datetime.date(2026, 1, 1)


def month(year: int, number: int) -> datetime.date:
    return datetime.date(year, number, 1)


def rows(instalments: list[Instalment]) -> list[tuple[str, str, str, str]]:
    """principal, interest, total, balance of each instalment, as the strings a person reads."""
    return [(str(i.principal), str(i.interest), str(i.total), str(i.balance)) for i in instalments]


# Worked examples.


def test_flat_one_percent_on_10000_over_10_months_is_100_baht_every_month():
    instalments = schedule(Decimal("10000"), Decimal("1"), 10, LoanMethod.FLAT, JAN)
    assert rows(instalments) == [
        ("1000.00", "100.00", "1100.00", "9000.00"),
        ("1000.00", "100.00", "1100.00", "8000.00"),
        ("1000.00", "100.00", "1100.00", "7000.00"),
        ("1000.00", "100.00", "1100.00", "6000.00"),
        ("1000.00", "100.00", "1100.00", "5000.00"),
        ("1000.00", "100.00", "1100.00", "4000.00"),
        ("1000.00", "100.00", "1100.00", "3000.00"),
        ("1000.00", "100.00", "1100.00", "2000.00"),
        ("1000.00", "100.00", "1100.00", "1000.00"),
        ("1000.00", "100.00", "1100.00", "0.00"),
    ]
    assert [i.month for i in instalments] == [month(2026, n) for n in range(1, 11)]
    assert total_interest(instalments) == Decimal("1000.00")


def test_declining_one_percent_on_10000_over_10_months_charges_on_what_is_still_owed():
    instalments = schedule(Decimal("10000"), Decimal("1"), 10, LoanMethod.DECLINING, JAN)
    # Owed at the start of each month: 10,000, 9,000, … 1,000; 1 % of it.
    assert rows(instalments) == [
        ("1000.00", "100.00", "1100.00", "9000.00"),
        ("1000.00", "90.00", "1090.00", "8000.00"),
        ("1000.00", "80.00", "1080.00", "7000.00"),
        ("1000.00", "70.00", "1070.00", "6000.00"),
        ("1000.00", "60.00", "1060.00", "5000.00"),
        ("1000.00", "50.00", "1050.00", "4000.00"),
        ("1000.00", "40.00", "1040.00", "3000.00"),
        ("1000.00", "30.00", "1030.00", "2000.00"),
        ("1000.00", "20.00", "1020.00", "1000.00"),
        ("1000.00", "10.00", "1010.00", "0.00"),
    ]
    assert total_interest(instalments) == Decimal("550.00")


def test_the_principal_is_shared_rounded_down_and_the_last_month_takes_the_rest():
    # 1,000 / 3 = 333.333… → 333.33 twice, the last 1,000 − 666.66 = 333.34.
    # Interest 1.5 % of what is owed: 1,000 → 15.00; 666.67 → 10.00005 → 10.00; 333.34 → 5.0001 → 5.00.
    instalments = schedule(Decimal("1000"), Decimal("1.5"), 3, LoanMethod.DECLINING, JAN)
    assert rows(instalments) == [
        ("333.33", "15.00", "348.33", "666.67"),
        ("333.33", "10.00", "343.33", "333.34"),
        ("333.34", "5.00", "338.34", "0.00"),
    ]
    assert total_interest(instalments) == Decimal("30.00")


def test_the_share_is_rounded_down_even_where_half_up_would_round_up():
    # 200 / 3 = 66.666…: half up would say 66.67; the rule takes 66.66 and leaves 66.68 for the last.
    instalments = schedule(Decimal("200"), Decimal("0"), 3, LoanMethod.FLAT, JAN)
    assert [str(i.principal) for i in instalments] == ["66.66", "66.66", "66.68"]


def test_each_months_interest_is_rounded_half_up_on_its_own():
    # 1,001 over 4 months at 2.5 % declining; the share is 250.25 exactly.
    #   owed 1,001.00 × 2.5 % = 25.025    → 25.03  (exactly half a satang: up, where half-even says 25.02)
    #   owed   750.75 × 2.5 % = 18.76875  → 18.77
    #   owed   500.50 × 2.5 % = 12.5125   → 12.51  (less than half: down)
    #   owed   250.25 × 2.5 % =  6.25625  →  6.26
    # 62.57 in all, where rounding the exact total 62.5625 once would give 62.56.
    instalments = schedule(Decimal("1001"), Decimal("2.5"), 4, LoanMethod.DECLINING, JAN)
    assert rows(instalments) == [
        ("250.25", "25.03", "275.28", "750.75"),
        ("250.25", "18.77", "269.02", "500.50"),
        ("250.25", "12.51", "262.76", "250.25"),
        ("250.25", "6.26", "256.51", "0.00"),
    ]
    assert total_interest(instalments) == Decimal("62.57")


def test_flat_interest_of_exactly_half_a_satang_rounds_up_every_month():
    # 100.50 × 5 % = 5.025 → 5.03 each month, 10.06 in all (not 5 % × 2 of 100.50 = 10.05).
    instalments = schedule(Decimal("100.50"), Decimal("5"), 2, LoanMethod.FLAT, JAN)
    assert rows(instalments) == [
        ("50.25", "5.03", "55.28", "50.25"),
        ("50.25", "5.03", "55.28", "0.00"),
    ]
    assert total_interest(instalments) == Decimal("10.06")


def test_a_loan_of_less_than_a_satang_a_month_is_repaid_in_the_last_month():
    # 0.05 / 10 = 0.005 → 0.00 for nine months, 0.05 in the tenth; 10 % of 0.05 = 0.005 → 0.01 a month.
    for method in LoanMethod.values:
        instalments = schedule(Decimal("0.05"), Decimal("10"), 10, method, JAN)
        assert rows(instalments) == [("0.00", "0.01", "0.01", "0.05")] * 9 + [("0.05", "0.01", "0.06", "0.00")]


def test_the_months_run_on_across_the_new_year():
    instalments = schedule(Decimal("300"), Decimal("1"), 3, "flat", month(2025, 11))
    assert [i.month for i in instalments] == [month(2025, 11), month(2025, 12), month(2026, 1)]


def test_due_by_a_month_counts_the_instalments_up_to_and_including_it():
    instalments = schedule(Decimal("10000"), Decimal("1"), 10, LoanMethod.DECLINING, JAN)
    assert due_by(instalments, month(2025, 12)) == (Decimal("0.00"), Decimal("0.00"))
    assert due_by(instalments, JAN) == (Decimal("1000.00"), Decimal("100.00"))
    # Any day of March counts March: 100 + 90 + 80.
    assert due_by(instalments, datetime.date(2026, 3, 31)) == (Decimal("3000.00"), Decimal("270.00"))
    assert due_by(instalments, month(2027, 1)) == (Decimal("10000.00"), Decimal("550.00"))


# Inputs the rule refuses: a caller's mistake, said plainly.

GOOD = dict(principal=Decimal("1000"), monthly_rate=Decimal("1"), months=10, method="flat", first_month=JAN)


@pytest.mark.parametrize(
    "change",
    [
        {"principal": Decimal("0")},
        {"principal": Decimal("-100")},
        {"principal": Decimal("100.005")},
        {"principal": Decimal("10000000000")},
        {"principal": Decimal("NaN")},
        {"principal": Decimal("Infinity")},
        {"principal": 1000.0},
        {"months": 0},
        {"months": 121},
        {"months": 1.5},
        {"months": True},
        {"monthly_rate": Decimal("-0.01")},
        {"monthly_rate": Decimal("10.01")},
        {"monthly_rate": Decimal("1.125")},
        {"monthly_rate": Decimal("NaN")},
        {"monthly_rate": 1.0},
        {"method": "compound"},
        {"method": ""},
        {"first_month": datetime.date(2026, 1, 15)},
        {"first_month": "2026-01-01"},
    ],
    ids=repr,
)
def test_bad_terms_raise_value_error(change):
    with pytest.raises(ValueError, match=r"\w"):
        schedule(**{**GOOD, **change})


def test_the_limits_themselves_are_accepted():
    for change in [
        {"principal": Decimal("0.01")},
        {"principal": Decimal("9999999999.99")},
        {"months": 1},
        {"months": 120},
        {"monthly_rate": Decimal("0")},
        {"monthly_rate": Decimal("10")},
        {"method": "declining"},
    ]:
        assert schedule(**{**GOOD, **change})


# Properties, on loans drawn at random. `make test` tries the same examples every run;
# HYPOTHESIS_PROFILE=deep tries many more, different each time.

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
random_loans = settings(max_examples=2000 if DEEP else 150, derandomize=not DEEP, deadline=None, database=None)

principals = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("10"), places=2)
terms = st.integers(min_value=1, max_value=120)
methods = st.sampled_from(LoanMethod.values)
first_months = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 1)).map(
    lambda day: day.replace(day=1)
)


EDGE_LOANS = [
    (Decimal("0.01"), Decimal("10"), 120, "declining", JAN),  # one satang, repaid in the last month
    (Decimal("1.19"), Decimal("0.01"), 120, "flat", month(2025, 12)),  # a share of 0.00, the last 1.19
    (Decimal("1000000.00"), Decimal("10.00"), 120, "flat", JAN),
    (Decimal("999999.99"), Decimal("9.99"), 7, "declining", JAN),
]


def loan_examples(test):
    """Loans at random, and the edges random loans seldom reach."""
    test = random_loans(given(principals, rates, terms, methods, first_months)(test))
    for loan in EDGE_LOANS:
        test = example(*loan)(test)
    return test


@loan_examples
def test_the_instalments_repay_exactly_the_amount_lent(principal, rate, months, method, first):
    instalments = schedule(principal, rate, months, method, first)
    assert len(instalments) == months
    assert sum(i.principal for i in instalments) == principal
    share = instalments[0].principal
    assert all(i.principal == share for i in instalments[:-1])
    assert share <= principal / months < share + Decimal("0.01")
    assert 0 <= instalments[-1].principal - share < Decimal("0.01") * months


@loan_examples
def test_the_balance_falls_to_exactly_zero_and_never_below(principal, rate, months, method, first):
    instalments = schedule(principal, rate, months, method, first)
    owed = principal
    for instalment in instalments:
        owed -= instalment.principal
        assert instalment.balance == owed >= 0
        assert instalment.total == instalment.principal + instalment.interest
    assert instalments[-1].balance == 0


@loan_examples
def test_every_amount_is_in_whole_satang(principal, rate, months, method, first):
    for instalment in schedule(principal, rate, months, method, first):
        for amount in (instalment.principal, instalment.interest, instalment.total, instalment.balance):
            assert amount.as_tuple().exponent == -2, amount


@loan_examples
def test_each_months_interest_is_the_rate_on_its_base_rounded_half_up(principal, rate, months, method, first):
    owed = principal
    for instalment in schedule(principal, rate, months, method, first):
        exact = (principal if method == "flat" else owed) * rate / 100
        assert abs(instalment.interest - exact) <= Decimal("0.005")
        assert instalment.interest - exact != Decimal("-0.005")  # half a satang goes up, never down
        owed -= instalment.principal


@given(principals, rates, terms, first_months)
@random_loans
def test_declining_interest_is_never_above_flat_and_never_rises(principal, rate, months, first):
    flat = schedule(principal, rate, months, "flat", first)
    declining = schedule(principal, rate, months, "declining", first)
    assert [i.principal for i in flat] == [i.principal for i in declining]
    assert all(d.interest <= f.interest for d, f in zip(declining, flat, strict=True))
    assert all(later.interest <= earlier.interest for earlier, later in pairwise(declining))
    assert len({i.interest for i in flat}) == 1
    assert total_interest(declining) <= total_interest(flat)


@given(principals, terms, methods, first_months)
@random_loans
def test_a_loan_at_no_interest_charges_none(principal, months, method, first):
    instalments = schedule(principal, Decimal("0"), months, method, first)
    assert all(i.interest == 0 and i.total == i.principal for i in instalments)
    assert total_interest(instalments) == 0


@loan_examples
def test_the_months_follow_one_another_from_the_first(principal, rate, months, method, first):
    instalments = schedule(principal, rate, months, method, first)
    assert instalments[0].month == first
    for earlier, later in pairwise(instalments):
        assert later.month.day == 1
        assert (later.month.year * 12 + later.month.month) - (earlier.month.year * 12 + earlier.month.month) == 1


@loan_examples
def test_by_the_last_month_the_whole_loan_and_its_interest_are_due(principal, rate, months, method, first):
    instalments = schedule(principal, rate, months, method, first)
    assert due_by(instalments, instalments[-1].month) == (principal, total_interest(instalments))
    assert due_by(instalments, datetime.date(first.year - 1, 12, 31)) == (0, 0)
    if months > 1:
        principal_due, interest_due = due_by(instalments, instalments[-2].month)
        assert principal - principal_due == instalments[-1].principal
        assert total_interest(instalments) - interest_due == instalments[-1].interest


# A loan rescheduled (groups.interest.rescheduled): the months before settled by what was repaid,
# the principal still owed shared over the new months, the interest left unpaid added to the first.
# Worked out by hand.

APR_2026 = month(2026, 4)


def test_flat_1000_with_two_months_repaid_rescheduled_over_4_months():
    # 1,000 flat 1 % over January – May: 200 + 10.00 a month. January and February repaid (400 and
    # 20.00), March not; from April over 4 months. March is settled at nothing; the 600 still owed
    # is 150 a month, flat 1 % of 600 = 6.00, and April takes March's 10.00 unpaid too: 16.00.
    before = schedule(Decimal("1000"), Decimal("1"), 5, LoanMethod.FLAT, JAN)
    after = rescheduled(before, APR_2026, Decimal("400.00"), Decimal("20.00"), 4, Decimal("1"), LoanMethod.FLAT)
    assert [i.month for i in after] == [month(2026, n) for n in range(1, 8)]
    assert rows(after) == [
        ("200.00", "10.00", "210.00", "800.00"),
        ("200.00", "10.00", "210.00", "600.00"),
        ("0.00", "0.00", "0.00", "600.00"),
        ("150.00", "16.00", "166.00", "450.00"),
        ("150.00", "6.00", "156.00", "300.00"),
        ("150.00", "6.00", "156.00", "150.00"),
        ("150.00", "6.00", "156.00", "0.00"),
    ]
    # Nothing forgiven: the 30.00 that fell due by March and the new months' 24.00.
    assert total_interest(after) == Decimal("20.00") + Decimal("10.00") + Decimal("24.00")


def test_the_rescheduled_principal_is_shared_rounded_down_with_the_rest_in_the_last_month():
    # The same, over 7 months: 600 / 7 = 85.714… → 85.71 six times, the last 600 − 514.26 = 85.74.
    before = schedule(Decimal("1000"), Decimal("1"), 5, LoanMethod.FLAT, JAN)
    after = rescheduled(before, APR_2026, Decimal("400.00"), Decimal("20.00"), 7, Decimal("1"), LoanMethod.FLAT)
    assert rows(after)[3:] == [
        ("85.71", "16.00", "101.71", "514.29"),
        ("85.71", "6.00", "91.71", "428.58"),
        ("85.71", "6.00", "91.71", "342.87"),
        ("85.71", "6.00", "91.71", "257.16"),
        ("85.71", "6.00", "91.71", "171.45"),
        ("85.71", "6.00", "91.71", "85.74"),
        ("85.74", "6.00", "91.74", "0.00"),
    ]
    assert sum(i.principal for i in after) == Decimal("1000.00")


def test_a_month_part_repaid_is_settled_at_what_was_repaid_and_declining_interest_runs_on_what_is_owed():
    # 1,000 declining 1.5 % over 3 months: 333.33 + 15.00, 333.33 + 10.00, 333.34 + 5.00. Repaid
    # before March: 400 of principal (January's 333.33 and 66.67 of February's) and 20.00 of
    # interest (January's 15.00, 5.00 of February's). From March over 2 months: 600 still owed,
    # 300 a month; 1.5 % of 600 = 9.00 and of 300 = 4.50; March takes February's 5.00 unpaid.
    before = schedule(Decimal("1000"), Decimal("1.5"), 3, LoanMethod.DECLINING, JAN)
    after = rescheduled(
        before, month(2026, 3), Decimal("400.00"), Decimal("20.00"), 2, Decimal("1.5"), LoanMethod.DECLINING
    )
    assert rows(after) == [
        ("333.33", "15.00", "348.33", "666.67"),
        ("66.67", "5.00", "71.67", "600.00"),
        ("300.00", "14.00", "314.00", "300.00"),
        ("300.00", "4.50", "304.50", "0.00"),
    ]


def test_principal_repaid_early_stays_in_the_months_before_and_lowers_what_is_rescheduled():
    # 1,000 flat 1 % over 5 months; by March 700 was repaid (January's and February's 200, and 300
    # early) with their interest. From March over 2 months: the 300 early is February's; the 300
    # still owed is 150 a month, flat 1 % of 300 = 3.00. Nothing was left unpaid.
    before = schedule(Decimal("1000"), Decimal("1"), 5, LoanMethod.FLAT, JAN)
    after = rescheduled(before, month(2026, 3), Decimal("700.00"), Decimal("20.00"), 2, Decimal("1"), "flat")
    assert rows(after) == [
        ("200.00", "10.00", "210.00", "800.00"),
        ("500.00", "10.00", "510.00", "300.00"),
        ("150.00", "3.00", "153.00", "150.00"),
        ("150.00", "3.00", "153.00", "0.00"),
    ]


def test_principal_repaid_before_the_first_instalment_is_a_month_of_its_own():
    # Rescheduled from the first month, January, after 100 was repaid in December: December holds
    # the 100, and the 900 still owed is 300 a month, flat 1 % of 900 = 9.00.
    before = schedule(Decimal("1000"), Decimal("1"), 5, LoanMethod.FLAT, JAN)
    after = rescheduled(before, JAN, Decimal("100.00"), Decimal("0.00"), 3, Decimal("1"), "flat")
    assert [i.month for i in after] == [month(2025, 12), JAN, month(2026, 2), month(2026, 3)]
    assert rows(after) == [
        ("100.00", "0.00", "100.00", "900.00"),
        ("300.00", "9.00", "309.00", "600.00"),
        ("300.00", "9.00", "309.00", "300.00"),
        ("300.00", "9.00", "309.00", "0.00"),
    ]


def test_a_loan_repaid_in_full_keeps_its_settled_months_alone():
    before = schedule(Decimal("1000"), Decimal("1"), 5, LoanMethod.FLAT, JAN)
    after = rescheduled(before, month(2026, 3), Decimal("1000.00"), Decimal("20.00"), 4, Decimal("1"), "flat")
    assert rows(after) == [("200.00", "10.00", "210.00", "800.00"), ("800.00", "10.00", "810.00", "0.00")]


@pytest.mark.parametrize(
    "change",
    [
        {"principal_paid": Decimal("1000.01")},
        {"principal_paid": Decimal("-1")},
        {"interest_paid": Decimal("-0.01")},
        {"interest_paid": Decimal("0.001")},
        {"principal_paid": 100.0},
        {"from_month": datetime.date(2026, 4, 2)},
        {"months": 0},
        {"months": 121},
        {"monthly_rate": Decimal("10.01")},
        {"method": "compound"},
    ],
    ids=repr,
)
def test_a_bad_rescheduling_raises_value_error(change):
    terms = dict(
        instalments=schedule(Decimal("1000"), Decimal("1"), 5, LoanMethod.FLAT, JAN),
        from_month=APR_2026,
        principal_paid=Decimal("400"),
        interest_paid=Decimal("20"),
        months=4,
        monthly_rate=Decimal("1"),
        method="flat",
    )
    with pytest.raises(ValueError, match=r"\w"):
        rescheduled(**{**terms, **change})


# Reschedulings at random: a loan, then up to three reschedulings in order of their months, each
# with what was repaid by then (never less than by the one before).


@st.composite
def rescheduled_loans(draw):
    principal, rate, months, method, first = (
        draw(principals),
        draw(rates),
        draw(terms),
        draw(methods),
        draw(first_months),
    )
    changes, paid_principal, paid_interest, offset = [], Decimal("0.00"), Decimal("0.00"), 0
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        offset = draw(st.integers(min_value=offset, max_value=offset + months + 12))
        paid_principal += Decimal(draw(st.integers(0, int((principal - paid_principal) * 100)))) / 100
        paid_interest += Decimal(draw(st.integers(0, 10**8))) / 100
        changes.append((add_months(first, offset), paid_principal, paid_interest, draw(terms)))
        offset += 1
    return principal, rate, months, method, first, changes


@given(rescheduled_loans())
@random_loans
def test_a_rescheduled_loan_still_repays_exactly_the_amount_lent(loan):
    principal, rate, months, method, first, changes = loan
    instalments = schedule(principal, rate, months, method, first)
    for from_month, paid_principal, paid_interest, new_months in changes:
        before = instalments
        instalments = rescheduled(before, from_month, paid_principal, paid_interest, new_months, rate, method)
        # What was repaid before + the new instalments = the amount lent.
        settled = [i for i in instalments if i.month < from_month]
        new = [i for i in instalments if i.month >= from_month]
        assert sum(i.principal for i in settled) == paid_principal
        assert sum(i.principal for i in settled) + sum(i.principal for i in new) == principal
        # Nothing forgiven, nothing asked twice: the interest that fell due before, and the new months'.
        interest_due = due_by(before, add_months(from_month, -1))[1]
        assert sum(i.interest for i in settled) == min(interest_due, paid_interest)
        owed = principal - paid_principal
        if owed:
            assert len(new) == new_months and new[0].month == from_month
            own = total_interest(schedule(owed, rate, new_months, method, from_month))
            assert total_interest(instalments) == interest_due + own
        else:
            assert new == []
    owed = principal
    for earlier, later in pairwise(instalments):
        assert earlier.month < later.month and later.month.day == 1
    for instalment in instalments:
        owed -= instalment.principal
        assert instalment.balance == owed >= 0
        assert instalment.total == instalment.principal + instalment.interest
        assert min(instalment.principal, instalment.interest) >= 0
        for amount in (instalment.principal, instalment.interest, instalment.total, instalment.balance):
            assert amount.as_tuple().exponent == -2, amount
    assert owed == 0

"""Arrears = opening balance + rent fallen due since − receipts not voided, per household, per
community and for the network; the statement and the month-by-month progress agree with it."""

import datetime
from decimal import Decimal

import pytest

from rent_collection import selectors, services
from rent_collection.models import Tenancy

from .conftest import TODAY, make_letter, make_tenancy, pay

pytestmark = pytest.mark.django_db

APR, MAY, JUN = datetime.date(2022, 4, 1), datetime.date(2022, 5, 1), datetime.date(2022, 6, 1)


def D(text):
    return Decimal(text)


@pytest.mark.parametrize(
    "opening_on, start, day, months",
    [
        # The opening balance holds the rent of its own month; the next falls due on the 1st after.
        (datetime.date(2022, 3, 31), datetime.date(2012, 1, 1), datetime.date(2022, 3, 31), 0),
        (datetime.date(2022, 3, 31), datetime.date(2012, 1, 1), datetime.date(2022, 4, 1), 1),
        (datetime.date(2022, 3, 31), datetime.date(2012, 1, 1), datetime.date(2022, 4, 30), 1),
        (datetime.date(2022, 3, 31), datetime.date(2012, 1, 1), datetime.date(2022, 6, 15), 3),
        (datetime.date(2022, 3, 15), datetime.date(2012, 1, 1), datetime.date(2022, 3, 31), 0),
        (datetime.date(2022, 4, 1), datetime.date(2012, 1, 1), datetime.date(2022, 4, 30), 0),
        (datetime.date(2022, 4, 1), datetime.date(2012, 1, 1), datetime.date(2022, 5, 1), 1),
        # A day before the opening balance has no rent due.
        (datetime.date(2022, 3, 31), datetime.date(2012, 1, 1), datetime.date(2021, 1, 1), 0),
        # A contract starting later: rent from the first 1st on or after its start.
        (datetime.date(2022, 4, 30), datetime.date(2022, 5, 1), datetime.date(2022, 5, 1), 1),
        (datetime.date(2022, 5, 14), datetime.date(2022, 5, 15), datetime.date(2022, 5, 31), 0),
        (datetime.date(2022, 5, 14), datetime.date(2022, 5, 15), datetime.date(2022, 6, 1), 1),
    ],
)
def test_rent_falls_due_on_the_first_of_each_month_after_the_opening_balance(opening_on, start, day, months):
    tenancy = Tenancy(monthly_rent=D("200"), opening_balance=D("0"), opening_on=opening_on, start_date=start)
    assert tenancy.months_due(day) == months
    assert tenancy.rent_due(day) == D("200") * months


def test_arrears_are_the_opening_balance_plus_rent_due_minus_receipts(collector, tenancy, letter):
    assert selectors.tenancy_arrears(tenancy, datetime.date(2022, 3, 31)) == D("1000.00")
    assert selectors.tenancy_arrears(tenancy, datetime.date(2022, 4, 1)) == D("1200.00")
    pay(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    pay(collector, tenancy, "200", date=datetime.date(2022, 5, 10))
    assert selectors.tenancy_arrears(tenancy, datetime.date(2022, 4, 9)) == D("1200.00")
    assert selectors.tenancy_arrears(tenancy, datetime.date(2022, 4, 30)) == D("900.00")
    assert selectors.tenancy_arrears(tenancy, datetime.date(2022, 5, 31)) == D("900.00")
    assert selectors.tenancy_arrears(tenancy, datetime.date(2022, 6, 1)) == D("1100.00")


def test_a_voided_receipt_pays_nothing(collector, tenancy, letter):
    receipt = pay(collector, tenancy, "300")
    services.receipt_void(receipt=receipt, reason="ผิดคน", user=collector)
    assert selectors.tenancy_arrears(tenancy, datetime.date(2022, 4, 30)) == D("1200.00")


def test_advance_rent_makes_a_negative_balance_not_negative_arrears(collector, railway_a, letter):
    tenancy = make_tenancy(railway_a, opening="0")
    pay(collector, tenancy, "600", accept_advance=True)
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 4, 30)) == D("-400.00")
    assert selectors.tenancy_arrears(tenancy, datetime.date(2022, 4, 30)) == D("0.00")
    assert selectors.tenancy_arrears(tenancy, datetime.date(2022, 7, 1)) == D("200.00")


def test_community_and_network_arrears_add_up_households_without_letting_advances_hide_debts(
    collector, railway_a, railway_b
):
    make_letter([(collector, [railway_a, railway_b])])
    owing = make_tenancy(railway_a, opening="1000")
    ahead = make_tenancy(railway_a, opening="0")
    other = make_tenancy(railway_b, opening="500", rent="100")
    pay(collector, owing, "300")
    pay(collector, ahead, "600", accept_advance=True)
    summary = selectors.arrears_summary(datetime.date(2022, 4, 30))
    rows = {row.community: row for row in summary.communities}
    a, b = rows[railway_a], rows[railway_b]
    assert (a.community, a.tenancies, a.in_arrears) == (railway_a, 2, 1)
    assert (a.opening, a.rent_due, a.paid) == (D("1000"), D("400"), D("900"))
    assert (a.arrears, a.credit, a.balance) == (D("900"), D("400"), D("500"))
    assert (b.community, b.arrears) == (railway_b, D("600"))
    assert summary.total.arrears == D("1500") and summary.total.credit == D("400")
    assert selectors.network_arrears(datetime.date(2022, 4, 30)) == summary.total
    in_arrears = selectors.tenancies_with_arrears(datetime.date(2022, 4, 30), in_arrears_only=True)
    assert {t.pk for t in in_arrears} == {owing.pk, other.pk}


def test_arrears_of_every_tenancy_take_one_query_however_many(
    collector, railway_a, railway_b, django_assert_max_num_queries
):
    make_letter([(collector, [railway_a, railway_b])])
    pay(collector, make_tenancy(railway_a), "100")
    with django_assert_max_num_queries(1):
        assert len(selectors.tenancies_with_arrears(TODAY)) == 1
    with django_assert_max_num_queries(1):
        assert selectors.arrears_summary(TODAY).total.tenancies == 1
    for k in range(12):
        tenancy = make_tenancy(railway_a if k % 2 else railway_b)
        pay(collector, tenancy, "100")
        pay(collector, tenancy, "100", date=datetime.date(2022, 5, 2))
    with django_assert_max_num_queries(1):
        assert len(selectors.tenancies_with_arrears(TODAY)) == 13
    with django_assert_max_num_queries(1):
        summary = selectors.arrears_summary(TODAY)
    assert summary.total.tenancies == 13 and summary.total.paid == D("2500")


def test_the_statement_runs_the_balance_line_by_line(collector, tenancy, letter):
    first = pay(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    wrong = pay(collector, tenancy, "50", date=datetime.date(2022, 4, 15))
    services.receipt_void(receipt=wrong, reason="เขียนผิด", user=collector)
    on_the_first = pay(collector, tenancy, "200", date=MAY)
    statement = selectors.tenancy_statement(tenancy, datetime.date(2022, 5, 31))
    lines = [(line.date, line.kind, line.charge, line.payment, line.balance, line.voided) for line in statement.lines]
    assert lines == [
        (datetime.date(2022, 3, 31), "opening", D("1000"), D("0"), D("1000"), False),
        (APR, "rent", D("200"), D("0"), D("1200"), False),
        (datetime.date(2022, 4, 10), "receipt", D("0"), D("300"), D("900"), False),
        (datetime.date(2022, 4, 15), "receipt", D("0"), D("0"), D("900"), True),
        # On a 1st the rent falls due before that day's receipts.
        (MAY, "rent", D("200"), D("0"), D("1100"), False),
        (MAY, "receipt", D("0"), D("200"), D("900"), False),
    ]
    assert [line.receipt for line in statement.lines if line.receipt] == [first, wrong, on_the_first]
    assert statement.balance == statement.arrears == selectors.tenancy_arrears(tenancy, datetime.date(2022, 5, 31))
    assert statement.lines[2].label


def test_the_statement_takes_one_query_however_many_receipts(collector, tenancy, letter, django_assert_max_num_queries):
    pay(collector, tenancy, "100")
    with django_assert_max_num_queries(1):
        selectors.tenancy_statement(tenancy, TODAY)
    for day in range(11, 25):
        pay(collector, tenancy, "10", date=datetime.date(2022, 4, day))
    with django_assert_max_num_queries(1):
        statement = selectors.tenancy_statement(tenancy, TODAY)
    assert len(statement.lines) == 1 + 3 + 15


def test_progress_by_month_gives_rent_due_collected_and_arrears_at_each_month_end(
    collector, tenancy, letter, railway_b
):
    pay(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    pay(collector, tenancy, "200", date=datetime.date(2022, 5, 10))
    late = make_tenancy(railway_b, opening="100", rent="100", opening_on=datetime.date(2022, 4, 30))
    progress = selectors.progress_by_month(datetime.date(2022, 3, 1), datetime.date(2022, 5, 20))
    assert progress.months == [datetime.date(2022, 3, 1), APR, MAY]
    rows = {
        p.community: [(m.rent_due, m.collected, m.arrears, m.tenancies) for m in p.months] for p in progress.communities
    }
    assert rows[tenancy.community] == [
        (D("0"), D("0"), D("1000"), 1),
        (D("200"), D("300"), D("900"), 1),
        (D("200"), D("200"), D("900"), 1),
    ]
    # A tenancy counts from the month of its opening balance.
    assert rows[late.community] == [
        (D("0"), D("0"), D("0"), 0),
        (D("0"), D("0"), D("100"), 1),
        (D("100"), D("0"), D("200"), 1),
    ]
    assert [(m.rent_due, m.collected, m.arrears) for m in progress.total] == [
        (D("0"), D("0"), D("1000")),
        (D("200"), D("300"), D("1000")),
        (D("300"), D("200"), D("1100")),
    ]
    assert progress.total[1].collected_share == D("1.5") and progress.total[0].collected_share is None


def test_progress_counts_receipts_of_earlier_months_in_the_arrears(collector, tenancy, letter):
    pay(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    progress = selectors.progress_by_month(MAY, JUN)
    assert [m.arrears for m in progress.total] == [D("1100"), D("1300")]


def test_progress_takes_two_queries_however_many_tenancies_and_months(
    collector, railway_a, railway_b, letter, django_assert_max_num_queries
):
    pay(collector, make_tenancy(railway_a), "100")
    with django_assert_max_num_queries(2):
        selectors.progress_by_month(datetime.date(2022, 1, 1), datetime.date(2022, 12, 1))
    make_letter([(collector, [railway_b])])
    for k in range(10):
        tenancy = make_tenancy(railway_a if k % 2 else railway_b)
        pay(collector, tenancy, "100")
        pay(collector, tenancy, "100", date=datetime.date(2022, 6, 2))
    with django_assert_max_num_queries(2):
        progress = selectors.progress_by_month(datetime.date(2022, 1, 1), datetime.date(2022, 12, 1))
    assert len(progress.communities) == 2 and sum(m.collected for m in progress.total) == D("2100")

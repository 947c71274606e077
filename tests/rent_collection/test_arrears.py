"""Arrears = opening balance + rent fallen due since − receipts not voided, per household, per
community and for the network; the statement and the month-by-month progress agree with it."""

import datetime
from decimal import Decimal

import pytest

from network.sections import rent_section
from rent_collection import selectors, services
from rent_collection.models import Tenancy
from tests.factories import RENT_TODAY, make_letter, make_receipt, make_tenancy

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
def test_rent_falls_due_on_the_first_of_each_month_after_the_opening_balance(railway_a, opening_on, start, day, months):
    tenancy = make_tenancy(railway_a, rent="200", opening="0", opening_on=opening_on, start=start)
    assert tenancy.months_due(day) == months
    assert tenancy.rent_due(day) == D("200") * months


def test_arrears_are_the_opening_balance_plus_rent_due_minus_receipts(collector, tenancy, letter):
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 3, 31)).arrears == D("1000.00")
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 4, 1)).arrears == D("1200.00")
    make_receipt(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    make_receipt(collector, tenancy, "200", date=datetime.date(2022, 5, 10))
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 4, 9)).arrears == D("1200.00")
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 4, 30)).arrears == D("900.00")
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 5, 31)).arrears == D("900.00")
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 6, 1)).arrears == D("1100.00")


def test_a_voided_receipt_pays_nothing_from_the_day_of_its_void(collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    services.receipt_void(receipt=receipt, reason="ผิดคน", user=collector, today=datetime.date(2022, 5, 3))
    # Up to the day before the void, the receipt counted as money taken: those days stay as they were.
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 4, 30)).arrears == D("900.00")
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 5, 2)).arrears == D("1100.00")
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 5, 3)).arrears == D("1400.00")
    # What a new receipt finds owed counts no voided receipt, whatever the day.
    assert selectors.receipt_preview(tenancy, day=datetime.date(2022, 4, 30), amount=D("1")).owed == D("1200.00")


def test_advance_rent_makes_a_negative_balance_not_negative_arrears(collector, railway_a, letter):
    tenancy = make_tenancy(railway_a, opening="0")
    make_receipt(collector, tenancy, "600", accept_advance=True)
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 4, 30)).balance == D("-400.00")
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 4, 30)).arrears == D("0.00")
    assert selectors.tenancy_balance(tenancy, datetime.date(2022, 7, 1)).arrears == D("200.00")


def test_community_and_network_arrears_add_up_households_without_letting_advances_hide_debts(
    collector, railway_a, railway_b
):
    make_letter([(collector, [railway_a, railway_b])])
    owing = make_tenancy(railway_a, opening="1000")
    ahead = make_tenancy(railway_a, opening="0")
    other = make_tenancy(railway_b, opening="500", rent="100")
    make_receipt(collector, owing, "300")
    make_receipt(collector, ahead, "600", accept_advance=True)
    summary = selectors.arrears_summary(datetime.date(2022, 4, 30))
    rows = {row.community: row for row in summary.communities}
    a, b = rows[railway_a], rows[railway_b]
    assert (a.community, a.tenancies, a.in_arrears) == (railway_a, 2, 1)
    assert (a.opening, a.rent_due, a.paid) == (D("1000"), D("400"), D("900"))
    assert (a.arrears, a.credit, a.balance) == (D("900"), D("400"), D("500"))
    assert (b.community, b.arrears) == (railway_b, D("600"))
    assert summary.total.arrears == D("1500") and summary.total.credit == D("400")
    assert selectors.network_arrears(datetime.date(2022, 4, 30)) == summary.total
    in_arrears = selectors.tenancy_balances(datetime.date(2022, 4, 30), in_arrears_only=True)
    assert {b.tenancy.pk for b in in_arrears} == {owing.pk, other.pk}


def test_arrears_of_every_tenancy_take_one_query_however_many(
    collector, railway_a, railway_b, django_assert_max_num_queries
):
    make_letter([(collector, [railway_a, railway_b])])
    make_receipt(collector, make_tenancy(railway_a), "100")
    with django_assert_max_num_queries(2):
        assert len(selectors.tenancy_balances(RENT_TODAY)) == 1
    with django_assert_max_num_queries(2):
        assert selectors.arrears_summary(RENT_TODAY).total.tenancies == 1
    for k in range(12):
        tenancy = make_tenancy(railway_a if k % 2 else railway_b)
        make_receipt(collector, tenancy, "100")
        make_receipt(collector, tenancy, "100", date=datetime.date(2022, 5, 2))
        if k % 3 == 0:
            services.rent_change(tenancy=tenancy, from_month=JUN, amount=D("250"), user=collector, today=MAY)
    with django_assert_max_num_queries(2):
        assert len(selectors.tenancy_balances(RENT_TODAY)) == 13
    with django_assert_max_num_queries(2):
        summary = selectors.arrears_summary(RENT_TODAY)
    assert summary.total.tenancies == 13 and summary.total.paid == D("2500")


def test_the_balances_of_many_tenancies_come_by_community_and_plot(railway_a, railway_b):
    made = [make_tenancy(community) for community in (railway_b, railway_a, railway_b, railway_a, railway_b)]
    expected = sorted(made, key=lambda t: (t.community.name, t.plot, t.pk))
    assert [b.tenancy for b in selectors.tenancy_balances(RENT_TODAY)] == expected


def test_the_statement_runs_the_balance_line_by_line(collector, tenancy, letter):
    first = make_receipt(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    wrong = make_receipt(collector, tenancy, "50", date=datetime.date(2022, 4, 15))
    services.receipt_void(receipt=wrong, reason="เขียนผิด", user=collector, today=datetime.date(2022, 4, 20))
    on_the_first = make_receipt(collector, tenancy, "200", date=MAY)
    statement = selectors.tenancy_statement(tenancy, datetime.date(2022, 5, 31))
    lines = [(line.date, line.kind, line.charge, line.payment, line.balance, line.voided) for line in statement.lines]
    assert lines == [
        (datetime.date(2022, 3, 31), "opening", D("0"), D("0"), D("1000"), False),
        (APR, "rent", D("200"), D("0"), D("1200"), False),
        (datetime.date(2022, 4, 10), "receipt", D("0"), D("300"), D("900"), False),
        (datetime.date(2022, 4, 15), "receipt", D("0"), D("50"), D("850"), True),
        # The void makes the receipt's amount owed again, from its own day.
        (datetime.date(2022, 4, 20), "void", D("50"), D("0"), D("900"), False),
        # On a 1st the rent falls due before that day's receipts.
        (MAY, "rent", D("200"), D("0"), D("1100"), False),
        (MAY, "receipt", D("0"), D("200"), D("900"), False),
    ]
    assert [line.receipt for line in statement.lines if line.receipt] == [first, wrong, wrong, on_the_first]
    assert (
        statement.balance == statement.arrears == selectors.tenancy_balance(tenancy, datetime.date(2022, 5, 31)).arrears
    )
    assert (statement.opening, statement.rent_due, statement.paid, statement.voided, statement.closing) == (
        D("1000"),
        D("400"),
        D("550"),
        D("50"),
        D("900"),
    )
    assert statement.lines[2].label


def test_the_statement_of_a_period_starts_from_the_balance_brought_forward(collector, tenancy, letter):
    make_receipt(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    later = make_receipt(collector, tenancy, "100", date=datetime.date(2022, 4, 28))
    services.receipt_void(receipt=later, reason="ผิด", user=collector, today=datetime.date(2022, 5, 6))
    statement = selectors.tenancy_statement(tenancy, datetime.date(2022, 5, 31), first=MAY)
    assert [(line.kind, line.charge, line.payment, line.balance) for line in statement.lines] == [
        ("brought_forward", D("0"), D("0"), D("800")),
        ("rent", D("200"), D("0"), D("1000")),
        ("void", D("100"), D("0"), D("1100")),
    ]
    assert statement.opening + statement.rent_due - statement.paid + statement.voided == statement.closing
    assert statement.closing == selectors.tenancy_balance(tenancy, datetime.date(2022, 5, 31)).balance
    # The month before, as it stood at its end: the receipt voided later still counts there.
    april = selectors.tenancy_statement(tenancy, datetime.date(2022, 4, 30), first=APR)
    assert april.closing == D("800") and [line.voided for line in april.lines if line.receipt] == [False, False]


def test_the_statement_takes_one_query_however_many_receipts(collector, tenancy, letter, django_assert_max_num_queries):
    make_receipt(collector, tenancy, "100")
    with django_assert_max_num_queries(2):
        selectors.tenancy_statement(tenancy, RENT_TODAY)
    for day in range(11, 25):
        make_receipt(collector, tenancy, "10", date=datetime.date(2022, 4, day))
    services.rent_change(tenancy=tenancy, from_month=JUN, amount=D("300"), user=collector, today=MAY)
    tenancy = Tenancy.objects.get(pk=tenancy.pk)
    with django_assert_max_num_queries(2):
        statement = selectors.tenancy_statement(tenancy, RENT_TODAY)
    assert len(statement.lines) == 1 + 3 + 15


def test_progress_by_month_gives_rent_due_collected_and_arrears_at_each_month_end(
    collector, tenancy, letter, railway_b
):
    make_receipt(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    make_receipt(collector, tenancy, "200", date=datetime.date(2022, 5, 10))
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
    # Each month and the whole period reconcile: brought forward + brought in + rent due − collected.
    assert [(m.opening, m.brought_in, m.balance) for m in progress.total] == [
        (D("0"), D("1000"), D("1000")),
        (D("1000"), D("100"), D("1000")),
        (D("1000"), D("0"), D("1100")),
    ]
    period = progress.period
    assert (period.opening, period.brought_in, period.rent_due, period.collected, period.balance) == (
        D("0"),
        D("1100"),
        D("500"),
        D("500"),
        D("1100"),
    )


def test_progress_counts_receipts_of_earlier_months_in_the_arrears(collector, tenancy, letter):
    make_receipt(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    progress = selectors.progress_by_month(MAY, JUN)
    assert [m.arrears for m in progress.total] == [D("1100"), D("1300")]


def test_progress_counts_a_void_in_the_month_of_the_void(collector, tenancy, letter):
    wrong = make_receipt(collector, tenancy, "300", date=datetime.date(2022, 4, 10))
    services.receipt_void(receipt=wrong, reason="ผิด", user=collector, today=datetime.date(2022, 5, 2))
    progress = selectors.progress_by_month(APR, MAY)
    assert [(m.received, m.voided, m.collected, m.balance) for m in progress.total] == [
        (D("300"), D("0"), D("300"), D("900")),
        (D("0"), D("300"), D("-300"), D("1400")),
    ]
    # April as it stood at its end: the same before and after the void.
    assert selectors.progress_by_month(APR, APR).total[0].balance == D("900")


def test_progress_takes_three_queries_however_many_tenancies_and_months(
    collector, railway_a, railway_b, letter, django_assert_max_num_queries
):
    make_receipt(collector, make_tenancy(railway_a), "100")
    with django_assert_max_num_queries(3):
        selectors.progress_by_month(datetime.date(2022, 1, 1), datetime.date(2022, 12, 1))
    make_letter([(collector, [railway_b])])
    for k in range(10):
        tenancy = make_tenancy(railway_a if k % 2 else railway_b)
        make_receipt(collector, tenancy, "100")
        make_receipt(collector, tenancy, "100", date=datetime.date(2022, 6, 2))
        services.receipt_void(
            receipt=make_receipt(collector, tenancy, "1"), reason="ผิด", user=collector, today=datetime.date(2022, 5, 5)
        )
    with django_assert_max_num_queries(3):
        progress = selectors.progress_by_month(datetime.date(2022, 1, 1), datetime.date(2022, 12, 1))
    assert len(progress.communities) == 2 and sum(m.collected for m in progress.total) == D("2100")


def test_the_rent_section_counts_a_household_opened_later_in_its_last_month_in_the_months_alone(railway_a, railway_b):
    """The dashboard's and the CODI report's rent: the arrears on the last day count the
    households known by then; the months count every household of those communities opened by the
    end of the last month; a community whose first household opens after the last day is left out."""
    known = make_tenancy(railway_a, rent="200", opening="1000", opening_on=datetime.date(2022, 3, 31))
    make_tenancy(railway_a, rent="300", opening="500", opening_on=datetime.date(2022, 4, 20))
    make_tenancy(railway_b, rent="400", opening="700", opening_on=datetime.date(2022, 4, 25))
    last = datetime.date(2022, 4, 10)

    section = rent_section(datetime.date(2022, 3, 1), last)

    assert section.arrears.total == selectors.arrears_summary(last).total
    assert (section.arrears.total.tenancies, section.arrears.total.arrears) == (1, D("1200.00"))
    assert [row.community for row in section.arrears.communities] == [known.community]
    railway_a_only = selectors.progress_by_month(datetime.date(2022, 3, 1), last, communities=[railway_a])
    assert section.months == railway_a_only.total
    assert [(m.month, m.tenancies, m.arrears) for m in section.months] == [
        (datetime.date(2022, 3, 1), 1, D("1000.00")),
        (APR, 2, D("1700.00")),
    ]

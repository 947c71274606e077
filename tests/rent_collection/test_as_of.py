"""Figures as of a date. A void counts from its own date, not the receipt's: every report of a period
that closed before it — the receipts list, the reconciliation, the progress by month, cash in
hand, a household's statement, the CODI report's rent — reads the same, on the page and in its
Excel file, before and after the void (and after the rows of later days: a receipt, a rent
raised, a remittance, a tenancy ended). Each page says what it counts by."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from network.codi_report import codi_report, codi_report_workbook
from rent_collection import selectors, services
from songkhla_network.thai import month_end
from tests.factories import be_day, make_letter, make_receipt, make_tenancy, make_void
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

APRIL = (datetime.date(2022, 4, 1), datetime.date(2022, 4, 30))
MAY_10 = datetime.date(2022, 5, 10)


@pytest.fixture
def april(collector, leader, railway_a, railway_b):
    """Two households, receipts of April by two collectors, one voided in April, one remitted."""
    make_letter([(collector, [railway_a]), (leader, [railway_b])])
    first, second = make_tenancy(railway_a), make_tenancy(railway_b, rent="150", opening="300")
    kept = make_receipt(collector, first, "300", date=datetime.date(2022, 4, 5))
    services.remittance_post(
        collector=collector,
        receipts=[kept],
        transfer_date=datetime.date(2022, 4, 20),
        bank_reference="KTB-1",
        amount=Decimal("300"),
        user=collector,
        today=datetime.date(2022, 4, 20),
    )
    wrong = make_receipt(collector, first, "50", date=datetime.date(2022, 4, 8))
    make_void(wrong, on=datetime.date(2022, 4, 9))
    held = make_receipt(collector, first, "200", date=datetime.date(2022, 4, 25))
    theirs = make_receipt(leader, second, "150", date=datetime.date(2022, 4, 28))
    return first, second, held, theirs


def pages(client, tenancy):
    """What every rent report of April shows: its page (HTML, tokens aside) and its Excel cells."""
    period = {"first": be_day(APRIL[0]), "last": be_day(APRIL[1])}
    months = {"first_0": "4", "first_1": "2565", "last_0": "4", "last_1": "2565"}
    shown = {}
    for name, args, query in [
        ("rent:receipts", [], period),
        ("rent:reconciliation", [], period),
        ("rent:progress", [], months),
        ("rent:tenancy", [tenancy.pk], period),
    ]:
        response = client.get(reverse(name, args=args), query)
        assert response.status_code == 200, name
        assert_no_english(response)
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
        # A household's page shows its terms today above its statement: the statement is the report.
        shown[name] = html[html.index("period-form") :] if name == "rent:tenancy" else html
    for name, args, query in [
        ("rent:receipts_xlsx", [], period),
        ("rent:reconciliation_xlsx", [], period),
        ("rent:progress_xlsx", [], months),
        ("rent:statement_xlsx", [tenancy.pk], period),
    ]:
        workbook = load_workbook(BytesIO(client.get(reverse(name, args=args), query).content))
        shown[name] = [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets]
    return shown


def figures():
    """April's figures as the selectors give them, the CODI report's rent section included."""
    report = codi_report(APRIL[0], APRIL[0], issued=datetime.date(2022, 5, 1))
    workbook = codi_report_workbook(report)
    cash = [(row.collector.pk, row.collected, row.remitted, row.in_hand) for row in selectors.cash_in_hand(APRIL[1])]
    progress = selectors.progress_by_month(*APRIL)
    return {
        "cash": cash,
        "reconciliation": [
            (r.in_hand_before, r.received, r.voided, r.remitted, r.in_hand_after)
            for r in selectors.reconciliation(*APRIL).by_community
        ],
        "progress": [(m.opening, m.brought_in, m.rent_due, m.collected, m.balance, m.arrears) for m in progress.total],
        "arrears": selectors.arrears_summary(APRIL[1]).total,
        "report": (
            report.rent.arrears.total,
            report.reconciliation.total.collected,
            [m.collected for m in report.rent.months],
        ),
        "report_sheets": [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets],
    }


def test_a_report_of_a_closed_period_is_the_same_after_a_later_void(personas, collector, leader, april):
    first, second, held, theirs = april
    client = personas["leader"]
    before_pages, before = pages(client, first), figures()

    make_void(held, on=MAY_10)  # taken in April, voided in May
    make_void(theirs, on=datetime.date(2022, 5, 2), reason="ผิดคน")
    make_receipt(collector, first, "100", date=datetime.date(2022, 5, 12))
    services.rent_change(
        tenancy=first, from_month=datetime.date(2022, 6, 1), amount=Decimal("300"), user=leader, today=MAY_10
    )
    services.tenancy_end(tenancy=second, ended_on=MAY_10, reason="ย้ายออก", user=leader, today=MAY_10)

    after_pages, after = pages(client, first), figures()
    assert after == before
    for name, shown in before_pages.items():
        assert after_pages[name] == shown, name
    # May sees both voids, by their own date.
    may = selectors.reconciliation(datetime.date(2022, 5, 1), month_end(MAY_10)).total
    assert (may.in_hand_before, may.received, may.voided, may.remitted) == (
        Decimal("350"),
        Decimal("100"),
        Decimal("350"),
        Decimal("0"),
    )


def test_a_receipt_voided_after_the_period_shows_as_it_stood_at_its_end(personas, april):
    first, _second, held, _theirs = april
    make_void(held, on=MAY_10)
    period = {"first": be_day(APRIL[0]), "last": be_day(APRIL[1])}
    april_list = personas["leader"].get(reverse("rent:receipts"), period).context["report"]
    assert [row.void for row in april_list.receipts if row.receipt == held] == [None]
    assert (april_list.received, april_list.voided, april_list.collected) == (
        Decimal("700"),
        Decimal("50"),
        Decimal("650"),
    )
    may = {"first": "1/5/2565", "last": "31/5/2565"}
    may_list = personas["leader"].get(reverse("rent:receipts"), may).context["report"]
    assert [void.receipt for void in may_list.voids] == [held] and may_list.collected == Decimal("-200")
    statement = personas["leader"].get(reverse("rent:tenancy", args=[first.pk]), may).context["statement"]
    assert [(line.kind, line.charge) for line in statement.lines if line.kind == "void"] == [("void", Decimal("200"))]


@pytest.mark.parametrize(
    "name, words",
    [
        ("rent:receipts", ["วันที่ใบเสร็จ", "วันที่ยกเลิก"]),
        ("rent:reconciliation", ["วันที่ใบเสร็จ", "วันที่ยกเลิก", "วันที่โอน"]),
        ("rent:progress", ["เดือนของค่าเช่า", "วันที่ใบเสร็จ", "วันที่ยกเลิก"]),
        ("rent:tenancies", ["เดือนของค่าเช่า", "วันที่ใบเสร็จ", "วันที่ยกเลิก"]),
        ("rent:overview", ["เดือนของค่าเช่า", "วันที่ใบเสร็จ", "วันที่ยกเลิก", "วันที่โอน"]),
    ],
)
def test_every_page_says_what_it_counts_by(personas, april, name, words):
    page = personas["leader"].get(reverse(name)).content.decode()
    assert all(word in page for word in words)


def test_the_tenancy_page_and_its_excel_say_what_they_count_by(personas, april):
    first = april[0]
    page = personas["leader"].get(reverse("rent:tenancy", args=[first.pk])).content.decode()
    assert all(word in page for word in ["เดือนของค่าเช่า", "วันที่ใบเสร็จ", "วันที่ยกเลิก"])
    for name, args in [
        ("rent:statement_xlsx", [first.pk]),
        ("rent:receipts_xlsx", []),
        ("rent:reconciliation_xlsx", []),
        ("rent:progress_xlsx", []),
    ]:
        workbook = load_workbook(BytesIO(personas["leader"].get(reverse(name, args=args)).content))
        headers = " ".join(
            str(cell) for sheet in workbook.worksheets for cell in next(sheet.iter_rows(values_only=True))
        )
        cells = headers + " ".join(
            str(row[0]) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
        )
        assert "นับตาม" in cells, name

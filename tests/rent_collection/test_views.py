"""The rent pages: a collector collects on a letter valid today and in their community only,
voids with a reason, remits what they hold; leaders and staff read every figure; treasurers have
no part in rent. Every page in Thai, in a fixed number of queries."""

import datetime
import uuid
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rent_collection import selectors, services
from rent_collection.models import Receipt, ReceiptSeries, Remittance
from songkhla_network.thai import format_baht
from tests.factories import make_letter, make_tenancy, make_user
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_YEAR = TODAY - datetime.timedelta(days=365)


@pytest.fixture
def elsewhere(railway_b):
    return make_tenancy(railway_b, opening_on=LAST_YEAR - datetime.timedelta(days=1))


def collect(client, tenancy, amount="500", **extra):
    data = {
        "date": f"{TODAY.day}/{TODAY.month}/{TODAY.year + 543}",
        "amount": amount,
        "request_key": extra.pop("key", None) or uuid.uuid4(),
    }
    data.update(extra)
    return client.post(reverse("rent:collect", args=[tenancy.pk]), data)


def test_a_collector_collects_and_is_sent_to_the_receipt(personas, current_letter, owing):
    client = personas["collector"]
    page = client.get(reverse("rent:collect", args=[owing.pk]))
    assert page.status_code == 200 and page.context["authorised"]
    assert_no_english(page)
    owed = selectors.tenancy_balance(owing, TODAY).arrears
    assert owed > 0 and format_baht(owed) in page.content.decode()
    response = collect(client, owing, "๕๐๐")
    receipt = Receipt.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("rent:receipt", args=[receipt.pk])
    assert (receipt.number, receipt.amount, receipt.letter) == (1, Decimal("500.00"), current_letter)


def test_the_same_form_sent_twice_writes_one_receipt(personas, current_letter, owing):
    key = "0b5c2a4e-6f00-4b8e-9d5c-1234567890ab"
    first = collect(personas["collector"], owing, key=key)
    second = collect(personas["collector"], owing, key=key)
    assert first["Location"] == second["Location"] and Receipt.objects.count() == 1


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "สองร้อย"}, "amount"),
        ({"amount": "999999"}, "amount"),
        ({"date": "1/1/2600"}, "date"),
        ({"date": "31/2/2565"}, "date"),
    ],
)
def test_wrong_amounts_and_dates_are_refused_beside_the_field(personas, current_letter, owing, changes, field):
    response = collect(personas["collector"], owing, **changes)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert_no_english(response)
    assert not Receipt.objects.exists() and not ReceiptSeries.objects.filter(next_number__gt=1).exists()


def test_more_than_the_arrears_only_as_advance_rent(personas, current_letter, owing):
    client = personas["collector"]
    owed = owing.opening_balance + owing.rent_due(TODAY)
    response = collect(client, owing, str(owed + 400))
    assert response.status_code == 200 and "ล่วงหน้า" in response.context["form"].errors["amount"][0]
    collect(client, owing, str(owed + 400), accept_advance="on")
    assert Receipt.objects.get().advance == Decimal("400.00")


def test_a_collector_without_a_valid_letter_or_in_another_community_is_refused(
    personas, collector, railway_a, owing, elsewhere
):
    make_letter(
        [(collector, [railway_a])], valid_from=LAST_YEAR - datetime.timedelta(days=400), valid_to=LAST_YEAR
    )  # expired
    client = personas["collector"]
    response = collect(client, owing)
    assert (
        response.status_code == 200 and "2" in response.context["form"].errors["date"][0]
    )  # names the letter's period
    assert not response.context["authorised"]
    assert_no_english(response)
    make_letter([(collector, [railway_a])], valid_from=LAST_YEAR, valid_to=TODAY)
    assert collect(client, elsewhere).status_code == 404  # not a community of theirs: not theirs to see
    assert not Receipt.objects.exists()


def test_a_receipt_is_voided_with_a_reason_by_its_collector_or_a_leader(personas, collector, current_letter, owing):
    collect(personas["collector"], owing)
    receipt = Receipt.objects.get()
    url = reverse("rent:void", args=[receipt.pk])
    assert personas["staff"].post(url, {"reason": "ผิด"}).status_code == 403
    other = make_user("collector_b", "collector")
    client = type(personas["leader"])()
    client.force_login(other)
    assert client.post(url, {"reason": "ผิด"}).status_code == 404
    personas["collector"].post(url, {"reason": ""})
    assert not hasattr(Receipt.objects.get(), "void")
    personas["collector"].post(url, {"reason": "เขียนจำนวนผิด"})
    assert Receipt.objects.get().void.reason == "เขียนจำนวนผิด"
    collect(personas["collector"], owing)
    assert sorted(Receipt.objects.values_list("number", flat=True)) == [1, 2]  # the voided number stays used


def test_a_collector_remits_what_they_hold_and_the_sum_must_match(personas, current_letter, owing):
    client = personas["collector"]
    collect(client, owing, "300")
    collect(client, owing, "200")
    receipts = list(Receipt.objects.order_by("number"))
    page = client.get(reverse("rent:remittance_new"))
    assert page.status_code == 200 and len(page.context["waiting"]) == 2
    assert_no_english(page)
    data = {
        "receipts": [r.pk for r in receipts],
        "transfer_date": f"{TODAY.day}/{TODAY.month}/{TODAY.year + 543}",
        "bank_reference": "KTB-001",
    }
    response = client.post(reverse("rent:remittance_new"), {**data, "amount": "400"})
    assert response.status_code == 200 and response.context["form"].errors["amount"]
    assert_no_english(response)
    response = client.post(reverse("rent:remittance_new"), {**data, "amount": "500"})
    remittance = Remittance.objects.get()
    assert response["Location"] == reverse("rent:remittance", args=[remittance.pk])
    again = client.post(reverse("rent:remittance_new"), {**data, "bank_reference": "KTB-002", "amount": "500"})
    assert again.status_code == 200 and again.context["form"].errors["receipts"]  # no longer offered
    assert Remittance.objects.count() == 1


PAGES = [
    ("rent:overview", None),
    ("rent:tenancies", None),
    ("rent:tenancies_xlsx", None),
    ("rent:tenancy", "tenancy"),
    ("rent:statement_xlsx", "tenancy"),
    ("rent:collect", "tenancy"),
    ("rent:receipts", None),
    ("rent:receipts_xlsx", None),
    ("rent:remittances", None),
    ("rent:remittance_new", None),
    ("rent:remittance", "remittance"),
    ("rent:reconciliation", None),
    ("rent:reconciliation_xlsx", None),
    ("rent:progress", None),
    ("rent:progress_xlsx", None),
]

EXPECTED = {
    # persona: (reads tenancies/receipts, collects, reads the reports)
    "leader": (200, 200, 200),
    "staff": (200, 403, 200),
    "collector": (200, 200, 403),
    "treasurer_a": (403, 403, 403),
    "treasurer_b": (403, 403, 403),
    "anonymous": (302, 302, 302),
}


@pytest.mark.parametrize("persona", list(EXPECTED))
def test_every_page_answers_each_persona_as_expected(personas, collector, current_letter, owing, persona):
    collect(personas["collector"], owing, "500")
    remittance = services.remittance_post(
        collector=collector,
        receipts=list(Receipt.objects.all()),
        transfer_date=TODAY,
        bank_reference="9876543210",
        amount=Decimal("500"),
        user=collector,
    )
    objects = {"tenancy": owing.pk, "remittance": remittance.pk}
    reads, collects, reports = EXPECTED[persona]
    for name, arg in PAGES:
        expected = (
            collects
            if name in ("rent:collect", "rent:remittance_new")
            else reports
            if name.startswith(("rent:reconciliation", "rent:progress"))
            else reads
        )
        response = personas[persona].get(reverse(name, args=[objects[arg]] if arg else []))
        assert response.status_code == expected, (name, response.status_code)
        if expected == 200 and not name.endswith("xlsx"):
            assert_no_english(response)


def test_a_collector_sees_only_their_communities_and_their_own_receipts(
    personas, collector, leader, railway_a, railway_b, current_letter, owing, elsewhere
):
    make_letter([(leader, [railway_b])], valid_from=LAST_YEAR, valid_to=TODAY)
    services.receipt_post(collector=leader, tenancy=elsewhere, date=TODAY, amount=Decimal("100"), user=leader)
    client = personas["collector"]
    assert [b.tenancy.pk for b in client.get(reverse("rent:tenancies")).context["balances"]] == [owing.pk]
    assert client.get(reverse("rent:tenancy", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("rent:receipts")).context["report"].receipts == []
    remittance = services.remittance_post(
        collector=leader,
        receipts=list(Receipt.objects.all()),
        transfer_date=TODAY,
        bank_reference="L-1",
        amount=Decimal("100"),
        user=leader,
    )
    assert client.get(reverse("rent:remittance", args=[remittance.pk])).status_code == 404
    assert len(personas["leader"].get(reverse("rent:tenancies")).context["balances"]) == 2


def test_the_overview_shows_cash_in_hand_and_letters_about_to_expire(personas, collector, railway_a, owing):
    make_letter(
        [(collector, [railway_a])],
        number="พอช. 0999/2569",
        valid_from=LAST_YEAR,
        valid_to=TODAY + datetime.timedelta(days=10),
    )
    collect(personas["collector"], owing, "700")
    page = personas["leader"].get(reverse("rent:overview"))
    assert [(row.collector, row.in_hand) for row in page.context["cash"]] == [(collector, Decimal("700.00"))]
    assert [letter.number for letter in page.context["expiring"]] == ["พอช. 0999/2569"]
    mine = personas["collector"].get(reverse("rent:overview"))
    assert mine.context["my_cash"].in_hand == Decimal("700.00") and mine.context["my_communities"] == [railway_a]
    assert_no_english(mine)


def test_the_statement_and_lists_export_to_excel(personas, current_letter, owing):
    collect(personas["collector"], owing, "500")
    sheet = load_workbook(
        BytesIO(personas["leader"].get(reverse("rent:statement_xlsx", args=[owing.pk])).content)
    ).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][1] == "ยอดค้างชำระยกมา" and rows[-1][4] == Decimal("500") or rows[-1][4] == 500
    tenancies = load_workbook(BytesIO(personas["staff"].get(reverse("rent:tenancies_xlsx")).content)).worksheets[0]
    assert tenancies.cell(row=2, column=1).value == str(owing.tenant)


def test_reports_reconcile_collected_remitted_and_in_hand(personas, collector, current_letter, owing):
    collect(personas["collector"], owing, "500")
    page = personas["staff"].get(reverse("rent:reconciliation"))
    total = page.context["report"].total
    assert (total.collected, total.remitted, total.in_hand_after) == (Decimal("500.00"), 0, Decimal("500.00"))
    bad = personas["staff"].get(reverse("rent:reconciliation"), {"first": "1/12/2565", "last": "1/1/2565"})
    assert bad.status_code == 200 and bad.context["form"].errors["last"]
    progress = personas["staff"].get(reverse("rent:progress"))
    assert progress.context["report"].total[-1].collected == Decimal("500.00") and progress.context["charts"][0].groups
    bad = personas["staff"].get(
        reverse("rent:progress"), {"first_0": "1", "first_1": "2560", "last_0": "1", "last_1": "2569"}
    )
    assert bad.status_code == 200 and bad.context["form"].errors["last"]


@pytest.mark.parametrize("count", [1, 12])
def test_pages_take_the_same_queries_whatever_the_rows(
    personas, collector, railway_a, current_letter, django_assert_max_num_queries, count
):
    tenancies = [make_tenancy(railway_a, opening_on=LAST_YEAR - datetime.timedelta(days=1)) for _ in range(count)]
    for tenancy in tenancies:
        services.receipt_post(collector=collector, tenancy=tenancy, date=TODAY, amount=Decimal("100"), user=collector)
    services.remittance_post(
        collector=collector,
        receipts=list(Receipt.objects.all()[: count // 2 + 1]),
        transfer_date=TODAY,
        bank_reference="R-1",
        amount=Decimal("100") * (count // 2 + 1),
        user=collector,
    )
    remittance = Remittance.objects.get()
    for persona, name, args, limit in [
        ("leader", "rent:overview", [], 16),
        ("collector", "rent:overview", [], 16),
        ("leader", "rent:tenancies", [], 10),
        ("collector", "rent:tenancies", [], 10),
        ("leader", "rent:tenancy", [tenancies[0].pk], 10),
        ("leader", "rent:receipts", [], 10),
        ("collector", "rent:remittance_new", [], 10),
        ("leader", "rent:remittances", [], 8),
        ("leader", "rent:remittance", [remittance.pk], 8),
        ("staff", "rent:reconciliation", [], 10),
        ("staff", "rent:progress", [], 10),
    ]:
        with django_assert_max_num_queries(limit):
            assert personas[persona].get(reverse(name, args=args)).status_code == 200, name


@pytest.mark.parametrize("receipts", [1, 12])
def test_the_collectors_pages_of_a_household_take_the_same_queries_whatever_its_receipts(
    personas, collector, current_letter, owing, django_assert_max_num_queries, receipts
):
    posted = [
        services.receipt_post(collector=collector, tenancy=owing, date=TODAY, amount=Decimal("10"), user=collector)
        for _ in range(receipts)
    ]
    services.receipt_void(receipt=posted[0], reason="เขียนผิด", user=collector)
    # Session, user, the household, its rents, its receipts (the statement) or what they add up
    # to (the receipt form), and the letter that lets the collector collect there.
    for name in ["rent:tenancy", "rent:collect"]:
        with django_assert_max_num_queries(6):
            assert personas["collector"].get(reverse(name, args=[owing.pk])).status_code == 200, name

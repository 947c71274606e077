"""Rent by transfer on the pages: the collect page and a household's page show a PromptPay QR of
what is owed, to the collecting collector's own account; the remittance slip (page and PDF) one of
the amount remitted, to CODI's account; every QR scans back to the payload (the PDF's as printed,
the page's as drawn); a slip's reference is refused a second time beside the field, in Thai; only
leaders open the page that sets the accounts."""

import base64
import datetime
import re
import subprocess
import uuid
from decimal import Decimal

import pytest
import zxingcpp
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from rent_collection import selectors, services
from rent_collection.models import PaymentMethod, Receipt, TransferAccount
from songkhla_network import promptpay
from songkhla_network.models import Role
from songkhla_network.thai import format_baht
from tests.factories import make_tenancy, make_user
from tests.helpers import pdf_text, squeezed

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST_YEAR = TODAY - datetime.timedelta(days=365)
COLLECTOR_ID, CODI_ID = "0812345678", "0994000123456"
REFERENCE_TAKEN_TH = "มีใบเสร็จที่ใช้เลขอ้างอิงนี้แล้ว"


@pytest.fixture
def accounts(leader, collector):
    services.transfer_account_set(kind="codi", promptpay_id=CODI_ID, name="สถาบันพัฒนาองค์กรชุมชน", user=leader)
    services.transfer_account_set(
        kind="collector", collector=collector, promptpay_id=COLLECTOR_ID, name="นางสาวเก็บ ค่าเช่า", user=leader
    )


def scanned_from_pdf(content, tmp_path):
    """The texts of the QR codes on the first page of a PDF, printed at 150 dpi."""
    (tmp_path / "doc.pdf").write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", tmp_path / "doc.pdf", tmp_path / "doc"], check=True)
    return [result.text for result in zxingcpp.read_barcodes(Image.open(tmp_path / "doc.png"))]


def scanned_from_page(html, tmp_path):
    """The texts of the QR codes drawn inline in a page: each SVG as served, drawn on paper."""
    from weasyprint import HTML

    svgs = re.findall(r"<svg class=\"qr\".*?</svg>", html, flags=re.S)
    images = "".join(
        f'<img style="width: 60mm" src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
        for svg in svgs
    )
    return scanned_from_pdf(HTML(string=images).write_pdf(), tmp_path)


def collect(client, tenancy, amount="500", **extra):
    data = {
        "date": f"{TODAY.day}/{TODAY.month}/{TODAY.year + 543}",
        "amount": amount,
        "request_key": uuid.uuid4(),
        **extra,
    }
    return client.post(reverse("rent:collect", args=[tenancy.pk]), data)


# The household's QR.


def test_the_collect_page_shows_a_qr_of_what_is_owed_to_the_collectors_account(
    personas, current_letter, owing, accounts, tmp_path
):
    owed = selectors.tenancy_balance(owing, TODAY).arrears
    page = personas["collector"].get(reverse("rent:collect", args=[owing.pk])).content.decode()
    assert scanned_from_page(page, tmp_path) == [promptpay.payload(COLLECTOR_ID, owed)]
    qr = page[page.index('id="pay-by-transfer"') :]
    assert format_baht(owed) in qr and "นางสาวเก็บ ค่าเช่า" in qr


def test_under_the_qr_the_household_is_told_in_thai_to_scan_it(personas, current_letter, owing, accounts):
    """Needs the Thai catalog."""
    owed = selectors.tenancy_balance(owing, TODAY).arrears
    page = personas["collector"].get(reverse("rent:collect", args=[owing.pk])).content.decode()
    qr = squeezed(page[page.index('id="pay-by-transfer"') :])
    assert squeezed(f"{format_baht(owed)} บาท") in qr and "สแกนด้วยแอปธนาคาร" in qr


def test_a_collector_without_an_account_shows_no_qr_even_with_codis_set(personas, leader, current_letter, owing):
    """Households pay the collector, never CODI straight: money sent to CODI would be remitted twice."""
    services.transfer_account_set(kind="codi", promptpay_id=CODI_ID, name="พอช.", user=leader)
    page = personas["collector"].get(reverse("rent:collect", args=[owing.pk]))
    assert page.context["qr"] is None and b'<svg class="qr"' not in page.content


def test_a_household_owing_nothing_gets_a_qr_for_any_amount(personas, collector, current_letter, railway_a, accounts):
    paid_up = make_tenancy(railway_a, opening="0", opening_on=TODAY - datetime.timedelta(days=1))
    page = personas["collector"].get(reverse("rent:collect", args=[paid_up.pk]))
    assert page.context["qr"].payload == promptpay.payload(COLLECTOR_ID)


def test_the_households_page_shows_the_qr_to_the_collector_who_collects_there(
    personas, current_letter, owing, accounts, tmp_path
):
    owed = selectors.tenancy_balance(owing, TODAY).arrears
    page = personas["collector"].get(reverse("rent:tenancy", args=[owing.pk])).content.decode()
    assert scanned_from_page(page, tmp_path) == [promptpay.payload(COLLECTOR_ID, owed)]
    for reader in ("staff", "leader"):  # not collecting there: no account of theirs to pay
        assert b'<svg class="qr"' not in personas[reader].get(reverse("rent:tenancy", args=[owing.pk])).content


# Recording the transfer.


def test_a_collector_records_a_transfer_with_its_reference(personas, current_letter, owing):
    response = collect(personas["collector"], owing, method="transfer", bank_reference="016166 abc")
    receipt = Receipt.objects.get()
    assert response.status_code == 302
    assert (receipt.method, receipt.bank_reference) == (PaymentMethod.TRANSFER, "016166ABC")


def test_a_form_without_the_way_of_paying_is_cash(personas, current_letter, owing):
    assert collect(personas["collector"], owing).status_code == 302
    assert Receipt.objects.get().method == PaymentMethod.CASH


def test_a_reference_used_before_is_refused_beside_the_field_and_writes_nothing(personas, current_letter, owing):
    collect(personas["collector"], owing, method="transfer", bank_reference="016166ABC")
    response = collect(personas["collector"], owing, method="transfer", bank_reference="016166abc")
    assert response.status_code == 200 and Receipt.objects.count() == 1
    form = response.context["form"]
    assert list(form.errors) == ["bank_reference"]
    assert re.search(
        r'id="id_bank_reference"[^>]*is-invalid|is-invalid[^>]*id="id_bank_reference"', response.content.decode()
    )


def test_the_refusal_of_a_reference_used_before_is_in_thai(personas, current_letter, owing):
    """Needs the Thai catalog."""
    collect(personas["collector"], owing, method="transfer", bank_reference="016166ABC")
    response = collect(personas["collector"], owing, method="transfer", bank_reference="016166ABC")
    assert REFERENCE_TAKEN_TH in response.context["form"].errors["bank_reference"][0]
    assert REFERENCE_TAKEN_TH in response.content.decode()


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"method": "transfer", "bank_reference": ""}, "bank_reference"), ({"bank_reference": "X1"}, "bank_reference")],
)
def test_a_transfer_without_reference_or_cash_with_one_is_refused(personas, current_letter, owing, extra, field):
    response = collect(personas["collector"], owing, **extra)
    assert response.status_code == 200 and list(response.context["form"].errors) == [field]
    assert not Receipt.objects.exists()


def test_the_receipt_says_it_was_paid_by_transfer_with_its_reference(personas, current_letter, owing):
    """Needs the Thai catalog."""
    collect(personas["collector"], owing, method="transfer", bank_reference="016166ABC")
    receipt = Receipt.objects.get()
    page = personas["collector"].get(reverse("rent:receipt", args=[receipt.pk])).content.decode()
    assert "โอนผ่านพร้อมเพย์/ธนาคาร เลขอ้างอิง 016166ABC" in page
    pdf = personas["collector"].get(reverse("rent:receipt_pdf", args=[receipt.pk])).content
    assert squeezed("โอนผ่านพร้อมเพย์/ธนาคาร เลขอ้างอิง 016166ABC") in squeezed(pdf_text(pdf))


# The remittance slip.


@pytest.fixture
def remittance(collector, current_letter, owing):
    receipt = services.receipt_post(
        collector=collector, tenancy=owing, date=TODAY, amount=Decimal("1234.50"), user=collector
    )
    return services.remittance_post(
        collector=collector,
        receipts=[receipt],
        transfer_date=TODAY,
        bank_reference="KTB-1",
        amount=Decimal("1234.50"),
        user=collector,
    )


def test_the_remittance_slip_pdf_carries_a_qr_that_pays_codi_the_amount(personas, remittance, accounts, tmp_path):
    response = personas["collector"].get(reverse("rent:remittance_pdf", args=[remittance.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert scanned_from_pdf(response.content, tmp_path) == [promptpay.payload(CODI_ID, Decimal("1234.50"))]
    text = squeezed(pdf_text(response.content))
    assert "1,234.50" in text and squeezed("สถาบันพัฒนาองค์กรชุมชน") in text and "KTB-1" in text


def test_the_remittance_page_carries_the_same_qr(personas, remittance, accounts, tmp_path):
    page = personas["collector"].get(reverse("rent:remittance", args=[remittance.pk])).content.decode()
    assert scanned_from_page(page, tmp_path) == [promptpay.payload(CODI_ID, Decimal("1234.50"))]
    assert reverse("rent:remittance_pdf", args=[remittance.pk]) in page


def test_without_codis_account_the_slip_has_no_qr(personas, remittance):
    page = personas["collector"].get(reverse("rent:remittance", args=[remittance.pk]))
    assert page.context["qr"] is None and b'<svg class="qr"' not in page.content
    assert personas["collector"].get(reverse("rent:remittance_pdf", args=[remittance.pk])).status_code == 200


def test_the_slip_pdf_is_for_the_remittances_readers_only(personas, remittance, railway_b):
    url = reverse("rent:remittance_pdf", args=[remittance.pk])
    statuses = {name: personas[name].get(url).status_code for name in personas}
    assert statuses == {
        "leader": 200,
        "treasurer_a": 403,
        "treasurer_b": 403,
        "collector": 200,
        "staff": 200,
        "anonymous": 302,
    }


# The accounts page.


def test_only_leaders_open_the_accounts_page(personas):
    url = reverse("rent:transfer_accounts")
    statuses = {name: personas[name].get(url).status_code for name in personas}
    assert statuses == {
        "leader": 200,
        "treasurer_a": 403,
        "treasurer_b": 403,
        "collector": 403,
        "staff": 403,
        "anonymous": 302,
    }
    assert personas["collector"].post(url, {"kind": "codi", "promptpay_id": CODI_ID, "name": "x"}).status_code == 403
    assert not TransferAccount.objects.exists()


def test_the_accounts_page_is_in_the_rent_navigation_of_leaders_only(personas):
    url = reverse("rent:transfer_accounts").encode()
    assert url in personas["leader"].get(reverse("rent:overview")).content
    assert url not in personas["staff"].get(reverse("rent:overview")).content


def test_a_leader_sets_codis_and_a_collectors_account_on_the_page(personas, collector):
    client, url = personas["leader"], reverse("rent:transfer_accounts")
    assert client.post(url, {"kind": "codi", "promptpay_id": "099-400-0123-456", "name": "พอช."}).status_code == 302
    response = client.post(
        url, {"kind": "collector", "collector": collector.pk, "promptpay_id": "๐๘๑๒๓๔๕๖๗๘", "name": "นางเก็บ"}
    )
    assert response.status_code == 302
    assert selectors.codi_account().promptpay_id == CODI_ID
    assert selectors.collector_account(collector).promptpay_id == COLLECTOR_ID
    page = client.get(url).content.decode()
    assert CODI_ID in page and COLLECTOR_ID in page


def test_a_wrong_promptpay_id_is_refused_beside_the_field_in_thai(personas):
    response = personas["leader"].post(
        reverse("rent:transfer_accounts"), {"kind": "codi", "promptpay_id": "12345", "name": "พอช."}
    )
    assert response.status_code == 200 and list(response.context["form"].errors) == ["promptpay_id"]
    assert not TransferAccount.objects.exists()
    assert "พร้อมเพย์" in response.context["form"].errors["promptpay_id"][0]  # needs the Thai catalog


def test_the_accounts_page_asks_a_fixed_number_of_queries(personas, leader, django_assert_max_num_queries):
    for k in range(5):
        user = make_user(f"collector_{k}", Role.COLLECTOR)
        services.transfer_account_set(
            kind="collector", collector=user, promptpay_id=f"08{k:08d}", name=f"นาง{k}", user=leader
        )
    with django_assert_max_num_queries(12):
        assert personas["leader"].get(reverse("rent:transfer_accounts")).status_code == 200

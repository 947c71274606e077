"""Rent by transfer in Chromium on a phone-sized screen: the collector opens the collect page, the
QR of what the household owes is on it (and scans, from a screenshot of the page), records the
transfer with the slip's reference; a second receipt with the same reference is refused beside
the field, and nothing is written.

Set SHOTS_DIR=/some/dir to also save screenshots at phone and desktop width."""

import datetime
from decimal import Decimal

import pytest
import zxingcpp
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from rent_collection import selectors, services
from rent_collection.models import PaymentMethod, Receipt
from songkhla_network import promptpay
from tests.factories import make_letter
from tests.helpers import IS_INVALID, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
A_YEAR_AGO = TODAY - datetime.timedelta(days=365)


def test_a_collector_records_a_transfer_and_its_slip_is_taken_once(
    page, live_server, leader, collector, railway, household, shoot, tmp_path
):
    make_letter([(collector, [railway])], valid_from=A_YEAR_AGO, valid_to=TODAY + datetime.timedelta(days=90))
    services.transfer_account_set(
        kind="collector", collector=collector, promptpay_id="0812345678", name="นางสาวเก็บ ค่าเช่า", user=leader
    )
    owed = selectors.tenancy_balance(household, TODAY).arrears
    sign_in(page, live_server, "collector")
    page.goto(live_server.url + reverse("rent:collect", args=[household.pk]))

    qr = page.locator("#pay-by-transfer svg.qr")
    expect(qr).to_be_visible()
    qr.screenshot(path=tmp_path / "qr.png")
    scanned = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "qr.png"))]
    assert scanned == [promptpay.payload("0812345678", owed)]
    expect(page.locator("#pay-by-transfer")).to_contain_text("นางสาวเก็บ ค่าเช่า")
    shoot(page, "rent-collect-transfer")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.locator("#id_amount").fill("500")
    page.locator("input[name=method][value=transfer]").check()
    page.locator("#id_bank_reference").fill("016166abc123")
    page.locator("main form button[type=submit]").click()
    receipt = Receipt.objects.get()
    expect(page).to_have_url(live_server.url + reverse("rent:receipt", args=[receipt.pk]))
    expect(page.locator("article.receipt")).to_contain_text("016166ABC123")
    assert (receipt.method, receipt.bank_reference, receipt.amount) == (
        PaymentMethod.TRANSFER,
        "016166ABC123",
        Decimal("500.00"),
    )

    # The same slip shown again, for a second receipt: refused beside the field.
    page.goto(live_server.url + reverse("rent:collect", args=[household.pk]))
    page.locator("#id_amount").fill("500")
    page.locator("input[name=method][value=transfer]").check()
    page.locator("#id_bank_reference").fill("016166ABC123")
    page.locator("main form button[type=submit]").click()
    field = page.locator("#id_bank_reference")
    expect(field).to_have_class(IS_INVALID)
    # Crispy's message beside the field: error_1_id_bank_reference.
    expect(page.locator("[id^=error_][id$=_id_bank_reference]")).to_be_visible()
    shoot(page, "rent-collect-reference-taken")
    assert Receipt.objects.count() == 1


def test_the_thai_message_beside_a_slip_taken_before(page, live_server, collector, railway, household):
    """Needs the Thai catalog."""
    make_letter([(collector, [railway])], valid_from=A_YEAR_AGO, valid_to=TODAY + datetime.timedelta(days=90))
    services.receipt_post(
        collector=collector,
        tenancy=household,
        date=TODAY,
        amount=Decimal("100"),
        user=collector,
        method=PaymentMethod.TRANSFER,
        bank_reference="016166ABC123",
    )
    sign_in(page, live_server, "collector")
    page.goto(live_server.url + reverse("rent:collect", args=[household.pk]))
    page.locator("#id_amount").fill("500")
    page.locator("input[name=method][value=transfer]").check()
    page.locator("#id_bank_reference").fill("016166ABC123")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_bank_reference")).to_have_class(IS_INVALID)
    expect(page.locator("[id^=error_][id$=_id_bank_reference]")).to_contain_text("มีใบเสร็จที่ใช้เลขอ้างอิงนี้แล้ว")

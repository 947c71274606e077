"""Rent collection in Chromium on a phone-sized screen: a collector named in a valid CODI letter
takes a payment and opens its receipt; a collector whose letter has run out is refused.

Set SHOTS_DIR=/some/dir to also save screenshots at phone and desktop width."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from rent_collection.models import Receipt
from tests.factories import make_letter
from tests.helpers import IS_INVALID, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()
A_YEAR_AGO = TODAY - datetime.timedelta(days=365)


def test_a_collector_takes_a_payment_on_a_phone_and_opens_the_receipt(
    page, live_server, collector, railway, household, shoot
):
    letter = make_letter(
        [(collector, [railway])],
        number="พอช. 0312/2569",
        valid_from=A_YEAR_AGO,
        valid_to=TODAY + datetime.timedelta(days=90),
    )
    sign_in(page, live_server, "collector")
    expect(page).to_have_url(live_server.url + reverse("rent:overview"))
    shoot(page, "rent-overview")
    page.locator(f'main a[href^="{reverse("rent:tenancies")}"].btn-success').click()
    page.locator(f'a[href="{reverse("rent:collect", args=[household.pk])}"]').click()
    shoot(page, "rent-collect")
    page.locator("#id_amount").fill("๑,๕๐๐")
    page.locator("main form button[type=submit]").click()

    receipt = Receipt.objects.get()
    expect(page).to_have_url(live_server.url + reverse("rent:receipt", args=[receipt.pk]))
    article = page.locator("article.receipt")
    expect(article).to_contain_text("1,500.00")
    expect(article).to_contain_text("หนึ่งพันห้าร้อยบาทถ้วน")
    expect(article).to_contain_text(letter.number)
    expect(article).to_contain_text("สมศรี")
    shoot(page, "rent-receipt")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert (receipt.number, receipt.amount, receipt.collector) == (1, Decimal("1500.00"), collector)

    # The PDF the household can be sent is there too.
    pdf = page.request.get(live_server.url + reverse("rent:receipt_pdf", args=[receipt.pk]))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"


def test_a_collector_whose_letter_ran_out_is_refused(page, live_server, collector, railway, household, shoot):
    make_letter([(collector, [railway])], valid_from=A_YEAR_AGO - datetime.timedelta(days=365), valid_to=A_YEAR_AGO)
    sign_in(page, live_server, "collector")
    expect(page.locator("main .alert-warning")).to_be_visible()  # told on the first page
    page.goto(live_server.url + reverse("rent:tenancy", args=[household.pk]))
    expect(page.locator(f'a[href="{reverse("rent:collect", args=[household.pk])}"]')).to_have_count(0)

    page.goto(live_server.url + reverse("rent:collect", args=[household.pk]))
    expect(page.locator("main .alert-warning")).to_be_visible()
    page.locator("#id_amount").fill("200")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_date")).to_have_class(IS_INVALID)
    shoot(page, "rent-refused")
    assert not Receipt.objects.exists()

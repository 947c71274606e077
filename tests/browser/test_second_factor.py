"""A leader turns on the second factor on a phone-sized screen, with the key an authenticator app
would read from the QR code, then signs in again with password and code.

Set SHOTS_DIR=/some/dir to also save screenshots at phone and desktop width."""

from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.helpers import IS_INVALID, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(key, *, later=0):
    """What the authenticator app shows for the typed key (`later`: that many 30-second steps on)."""
    generator = TOTP(b32decode(key.replace(" ", "")))
    generator.drift = later
    return f"{generator.token():06d}"


def test_a_leader_turns_on_the_second_factor_and_signs_in_with_a_code(page, live_server, leader, shoot):
    sign_in(page, live_server, "leader")
    page.locator(f'a[href="{reverse("second_factor")}"]').click()
    expect(page.locator("main .alert-secondary")).to_contain_text("ปิดอยู่")
    shoot(page, "second-factor-off")
    page.locator("main button[name=start]").click()

    expect(page).to_have_url(live_server.url + reverse("second_factor_setup"))
    qr = page.locator("img.qr-code")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth > 0, () => false)"), "the QR code did not load"
    shoot(page, "second-factor-setup")
    key = page.locator("main code").inner_text()

    page.locator("#id_code").fill("000000" if app_code(key) != "000000" else "111111")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_code")).to_have_class(IS_INVALID)
    expect(page.locator("main")).to_contain_text("รหัสไม่ถูกต้อง")
    page.wait_for_timeout(1100)  # the wait after one wrong code
    page.locator("#id_code").fill(app_code(key))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(live_server.url + reverse("second_factor"))
    expect(page.locator("main .alert-success").first).to_contain_text("เปิดการยืนยันตัวตนสองขั้นตอนแล้ว")
    shoot(page, "second-factor-on")

    page.locator("header form button[type=submit]").click()  # sign out
    sign_in(page, live_server, "leader")
    expect(page).to_have_url(f"{live_server.url}{reverse('second_factor_verify')}?next=%2F")
    expect(page.locator(f'header a[href="{reverse("groups:list")}"]')).to_have_count(0)
    shoot(page, "second-factor-code")
    page.goto(live_server.url + reverse("admin:index"))
    expect(page).to_have_url(f"{live_server.url}{reverse('second_factor_verify')}?next=%2Fadmin%2F")
    page.locator("#id_code").fill(app_code(key, later=1))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(live_server.url + reverse("admin:index"))

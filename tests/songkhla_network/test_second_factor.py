"""The leaders' second factor: turned on only with a right code from the app, asked after the
password at every sign-in until given (the admin included), a code taken once, wrong codes
slowing the next try, turned off only with a code (or by another leader for a lost phone), and
for leaders only."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from songkhla_network.models import User
from tests.factories import PASSWORD
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db


def code(device, *, offset=0):
    """The code the leader's phone shows now (offset: that many 30-second steps later)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


def spent_code(device):
    """The code that was last taken (whatever the clock says now)."""
    device.refresh_from_db()
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    generator.time = device.t0 + device.last_t * device.step
    return f"{generator.token():06d}"


def turn_on(client):
    client.post(reverse("second_factor_setup"), {"start": "1"})
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("second_factor_setup"), {"code": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def sign_in(username):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_leader_turns_it_on_with_a_right_code_only(client, leader):
    client.force_login(leader)
    page = client.get(reverse("second_factor"))
    assert page.status_code == 200 and page.context["device"] is None
    assert_no_english(page)
    response = client.post(reverse("second_factor_setup"), {"start": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("second_factor_setup")
    device = TOTPDevice.objects.get(user=leader)
    assert not device.confirmed

    setup = client.get(reverse("second_factor_setup"))
    key = setup.context["key"]
    assert len(key.replace(" ", "")) == 32 and key.encode() in setup.content
    setup.content = setup.content.replace(key.encode(), b"")  # the key itself is in Latin letters, as the app asks
    assert_no_english(setup)
    qr = client.get(reverse("second_factor_qr"))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and qr["Cache-Control"] == "no-store"
    assert b"<svg" in qr.content

    for wrong, message in (("12345", "6 หลัก"), ("abcdef", "6 หลัก"), (code(device, offset=10), "ไม่ถูกต้อง")):
        response = client.post(reverse("second_factor_setup"), {"code": wrong})
        assert response.status_code == 200 and message in str(response.context["form"].errors["code"])
        device.refresh_from_db()
        assert not device.confirmed
        device.throttle_reset()

    response = client.post(
        reverse("second_factor_setup"), {"code": code(device).translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    # Once on, the secret is never shown again.
    assert client.get(reverse("second_factor_qr")).status_code == 404
    assert client.get(reverse("second_factor_setup")).status_code == 302
    assert "ตั้งแต่" in client.get(reverse("second_factor")).content.decode()


def test_every_page_asks_for_the_code_after_the_password_until_it_is_given(client, leader, group_a):
    client.force_login(leader)
    device = turn_on(client)

    other = sign_in("leader")
    for url in (
        reverse("home"),
        reverse("groups:list"),
        reverse("admin:index"),
        reverse("people:search"),
        reverse("full_export"),
    ):
        response = other.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("second_factor_verify")), url
    assert other.post(reverse("admin:songkhla_network_community_add"), {"name": "ชุมชนใหม่"}).status_code == 302
    assert not group_a.community.__class__.objects.filter(name="ชุมชนใหม่").exists()
    assert other.get(reverse("health")).status_code == 200

    page = other.get(reverse("second_factor_verify") + "?next=" + reverse("groups:list"))
    assert page.status_code == 200
    assert f'href="{reverse("groups:list")}"' not in page.content.decode()  # no menu to pages it cannot open yet
    assert_no_english(page)
    wrong = other.post(
        reverse("second_factor_verify"), {"code": code(device, offset=10), "next": reverse("groups:list")}
    )
    assert wrong.status_code == 200 and "ไม่ถูกต้อง" in str(wrong.context["form"].errors["code"])
    assert other.get(reverse("home")).status_code == 302

    device.throttle_reset()
    session_before = other.session.session_key
    right = other.post(
        reverse("second_factor_verify"), {"code": code(device, offset=1), "next": reverse("groups:list")}
    )
    assert right.status_code == 302 and right["Location"] == reverse("groups:list")
    assert other.session.session_key != session_before  # a new session key once fully signed in
    assert other.get(reverse("groups:list")).status_code == 200
    assert other.get(reverse("admin:index")).status_code == 200


def test_a_code_is_taken_once_and_wrong_codes_slow_the_next_try(client, leader):
    client.force_login(leader)
    device = turn_on(client)  # takes the code of this 30-second step

    again = sign_in("leader")
    response = again.post(reverse("second_factor_verify"), {"code": spent_code(device)})
    assert response.status_code == 200 and "ไม่ถูกต้อง" in str(response.context["form"].errors["code"])
    device.throttle_reset()

    guesser = sign_in("leader")
    guesser.post(reverse("second_factor_verify"), {"code": code(device, offset=10)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # As if the fourth wrong code was typed just now: 8 seconds' wait, and even the right code is
    # refused meanwhile.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=4, throttling_failure_timestamp=timezone.now()
    )
    refused = guesser.post(reverse("second_factor_verify"), {"code": code(device, offset=1)})
    assert refused.status_code == 200
    assert "ลองใหม่ได้ในอีก" in str(refused.context["form"].errors["code"])
    assert guesser.get(reverse("home")).status_code == 302

    # After the wait, the code the app shows next goes through.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=5)
    )
    fine = guesser.post(reverse("second_factor_verify"), {"code": code(device, offset=1)})
    assert fine.status_code == 302


def test_it_is_turned_off_with_a_code_only(client, leader):
    client.force_login(leader)
    device = turn_on(client)
    response = client.post(reverse("second_factor_off"), {"code": code(device, offset=10)})
    assert response.status_code == 200 and TOTPDevice.objects.filter(user=leader).exists()
    device.throttle_reset()
    response = client.post(reverse("second_factor_off"), {"code": code(device, offset=1)})
    assert response.status_code == 302 and not TOTPDevice.objects.filter(user=leader).exists()
    assert sign_in("leader").get(reverse("home")).status_code == 200


def test_another_leader_turns_it_off_for_a_lost_phone(client, leader):
    client.force_login(leader)
    turn_on(client)
    other = User.objects.create_user("leader2", password=PASSWORD, role=leader.role)
    helper = Client()
    helper.force_login(other)
    response = helper.post(
        reverse("admin:songkhla_network_user_changelist"),
        {"action": "turn_off_second_factor", "_selected_action": [leader.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert_no_english(response)
    assert not TOTPDevice.objects.filter(user=leader).exists()
    assert sign_in("leader").get(reverse("home")).status_code == 200


def test_a_leader_who_takes_another_role_is_still_asked_for_the_code(client, leader):
    client.force_login(leader)
    device = turn_on(client)
    User.objects.filter(pk=leader.pk).update(role="staff")
    waiting = sign_in("leader")
    assert waiting.get(reverse("home"))["Location"].startswith(reverse("second_factor_verify"))
    assert waiting.post(reverse("second_factor_verify"), {"code": code(device, offset=1)}).status_code == 302
    assert waiting.get(reverse("home")).status_code == 200


def test_a_sign_in_whose_second_factor_was_turned_off_meanwhile_goes_on(client, leader):
    client.force_login(leader)
    turn_on(client)
    waiting = sign_in("leader")
    TOTPDevice.objects.filter(user=leader).delete()
    assert waiting.get(reverse("second_factor_verify")).status_code == 302
    assert waiting.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("persona", ["treasurer_a", "collector", "staff"])
def test_it_is_for_leaders_only(personas, persona):
    for name in ("second_factor", "second_factor_setup", "second_factor_qr"):
        assert personas[persona].get(reverse(name)).status_code == 403, name
    assert personas[persona].post(reverse("second_factor_setup"), {"start": "1"}).status_code == 403
    assert not TOTPDevice.objects.exists()


def test_the_code_page_sends_away_a_next_address_of_another_site(client, leader):
    client.force_login(leader)
    device = turn_on(client)
    waiting = sign_in("leader")
    response = waiting.post(
        reverse("second_factor_verify"), {"code": code(device, offset=1), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_next_address_that_is_no_url_is_followed_as_a_path(client, leader):
    """Found by fuzzing: "²" was looked up as the name of a view, and the lookup failed."""
    client.force_login(leader)
    device = turn_on(client)
    waiting = sign_in("leader")
    response = waiting.post(reverse("second_factor_verify"), {"code": code(device, offset=1), "next": "²"})
    assert response.status_code == 302 and response["Location"] == "%C2%B2"


def test_pages_of_a_leader_without_it_read_no_device(leader, group_a):
    """The code is asked from a flag the session gets at sign-in: pages themselves read no device."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in = sign_in("leader")
    with CaptureQueriesContext(connection) as queries:
        assert signed_in.get(reverse("groups:list")).status_code == 200
    assert not [q for q in queries.captured_queries if "otp_totp" in q["sql"]]

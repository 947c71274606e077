"""The sheet's answers to its script (static/js/offline_sheet.js), which sends a sheet saved on the
phone without a signal once the signal is back: the same form and the same service as the plain
form, a month posted once, and for a month already posted, what differs, member by member.
The service worker's script, and the one page it may keep."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from groups import services
from groups.models import CollectionSheet, LedgerEntry
from songkhla_network.thai import be_month_slug
from tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db

JANUARY = datetime.date(2022, 1, 1)
JSON = {"HTTP_ACCEPT": "application/json"}


def sheet_url(group, month=JANUARY):
    return reverse("groups:sheet", args=[group.pk, be_month_slug(month)])


def sheet_data(group, amounts, paid_on="5/1/2565"):
    data = {"paid_on": paid_on}
    for member in group.members.order_by("number"):
        data[f"amount_{member.pk}"] = amounts.get(member.number, "")
    return data


def rows():
    return sorted((e.member.number, e.amount, e.sheet_id) for e in LedgerEntry.objects.select_related("member"))


def test_it_answers_the_script_that_the_sheet_is_posted(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    response = client.post(sheet_url(group_a), sheet_data(group_a, {1: "150", 2: "100"}), **JSON)
    assert response.status_code == 200
    assert response.json() == {"status": "posted", "url": sheet_url(group_a)}
    sheet = CollectionSheet.objects.get()
    assert rows() == [(1, Decimal("150.00"), sheet.pk), (2, Decimal("100.00"), sheet.pk)]
    # The page it then opens says so, as after the plain form.
    assert [m.level_tag for m in client.get(sheet_url(group_a)).context["messages"]] == ["success"]


def test_the_same_sheet_sent_twice_is_answered_already_posted_and_written_once(client, group_a, treasurer_a):
    """The phone's send whose answer was lost on the way back, sent again when the signal returns."""
    client.force_login(treasurer_a)
    data = sheet_data(group_a, {1: "150", 2: "100"})
    client.post(sheet_url(group_a), data, **JSON)
    written = rows()
    again = client.post(sheet_url(group_a), {**data, f"amount_{group_a.members.get(number=1).pk}": "๑๕๐"}, **JSON)
    assert again.status_code == 200
    assert again.json()["status"] == "already_posted" and again.json()["differences"] == []
    assert rows() == written and CollectionSheet.objects.count() == 1


def test_a_month_posted_by_another_phone_is_answered_with_the_differences_member_by_member(
    client, group_a, treasurer_a, leader
):
    first, second, third = group_a.members.order_by("number")
    services.sheet_post(
        group=group_a,
        month=JANUARY,
        paid_on=datetime.date(2022, 1, 5),
        amounts={first.pk: Decimal("120"), second.pk: Decimal("100")},
        user=leader,
    )
    written = rows()
    client.force_login(treasurer_a)
    with translation.override("th"):
        response = client.post(
            sheet_url(group_a), sheet_data(group_a, {1: "150", 2: "100", 3: "1,00x"}, paid_on="6/1/2565"), **JSON
        )
    assert response.status_code == 409
    answer = response.json()
    assert answer["status"] == "conflict"
    assert answer["differences"] == [
        {"name": answer["differences"][0]["name"], "phone": "6 มกราคม 2565", "posted": "5 มกราคม 2565"},
        {"name": f"1. {first.person}", "phone": "150.00", "posted": "120.00"},
        {"name": f"3. {third.person}", "phone": "1,00x", "posted": ""},  # shown as typed
    ]
    assert rows() == written and CollectionSheet.objects.count() == 1


def test_a_sheet_the_form_refuses_is_answered_invalid_and_nothing_is_written(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    response = client.post(sheet_url(group_a), sheet_data(group_a, {1: "abc"}), **JSON)
    assert response.status_code == 400
    assert response.json()["status"] == "invalid"
    assert not CollectionSheet.objects.exists() and not LedgerEntry.objects.exists()


def test_the_plain_form_still_posts_and_redirects(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    response = client.post(sheet_url(group_a), sheet_data(group_a, {1: "100"}))
    assert response.status_code == 302 and CollectionSheet.objects.count() == 1
    again = client.post(sheet_url(group_a), sheet_data(group_a, {1: "100"}))
    assert again.status_code == 302 and LedgerEntry.objects.count() == 1


def test_staff_cannot_post_through_the_script_either(client, group_a, staff):
    client.force_login(staff)
    response = client.post(sheet_url(group_a), sheet_data(group_a, {1: "100"}), **JSON)
    assert response.status_code == 403 and not CollectionSheet.objects.exists()


def test_only_an_open_sheet_form_is_marked_for_the_service_worker_to_keep(client, group_a, treasurer_a, staff):
    client.force_login(treasurer_a)
    page = client.get(sheet_url(group_a))
    assert page["X-Offline-Sheet"] == "1"
    # The worker keeps a first visit's copy, made from the page, under the page's own policy.
    (policy,) = re.findall(r'data-policy="([^"]*)"', page.content.decode())
    assert html.unescape(policy) == page["Content-Security-Policy"]
    client.post(sheet_url(group_a), sheet_data(group_a, {1: "100"}))
    assert not client.get(sheet_url(group_a)).has_header("X-Offline-Sheet")  # posted
    assert not client.get(reverse("groups:detail", args=[group_a.pk])).has_header("X-Offline-Sheet")
    february = sheet_url(group_a, datetime.date(2022, 2, 1))
    client.force_login(staff)
    assert not client.get(february).has_header("X-Offline-Sheet")  # read-only, to staff


def test_a_sheet_kept_from_before_a_new_sign_in_is_sent_with_the_cookies_token(group_a, treasurer_a):
    """A new sign-in gives a new CSRF secret: the token in a page kept from before no longer
    matches it, so the script sends the one the cookie holds now."""
    phone = Client(enforce_csrf_checks=True)
    phone.force_login(treasurer_a)
    kept_token = phone.get(sheet_url(group_a)).context["csrf_token"]
    old_secret = phone.cookies["csrftoken"].value
    phone.logout()  # the session ended; the treasurer signs in again
    phone.get(reverse("login"))
    token = phone.cookies["csrftoken"].value
    phone.post(reverse("login"), {"username": "treasurer_a", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert phone.cookies["csrftoken"].value != old_secret and "_auth_user_id" in phone.session
    data = sheet_data(group_a, {1: "100"})
    refused = phone.post(sheet_url(group_a), {**data, "csrfmiddlewaretoken": str(kept_token)}, **JSON)
    assert refused.status_code == 403 and not CollectionSheet.objects.exists()
    cookie = phone.cookies["csrftoken"].value
    sent = phone.post(sheet_url(group_a), {**data, "csrfmiddlewaretoken": cookie}, **JSON)
    assert sent.json()["status"] == "posted" and CollectionSheet.objects.count() == 1


def test_the_service_worker_is_served_to_everyone_from_the_top_of_the_site(personas):
    for name, persona in personas.items():
        response = persona.get(reverse("service_worker"))
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/javascript")
        assert response["Service-Worker-Allowed"] == "/"
        assert response["Cache-Control"] == "no-cache"
        assert b"X-Offline-Sheet" in response.content
    assert reverse("service_worker") == "/sw.js"

"""The shared pages: sign-in, each role's home, error pages — in Thai."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_is_thai(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_no_english(response)


def test_a_wrong_password_gets_a_thai_message(client, leader):
    response = client.post(reverse("login"), {"username": "leader", "password": "wrong"})
    assert response.status_code == 200 and response.context["form"].errors
    assert_no_english(response)


@pytest.mark.parametrize(
    "persona, lands_on",
    [
        ("leader", None),
        ("staff", None),
        ("treasurer_a", "groups:list"),
        ("collector", "rent:overview"),
        ("anonymous", "login"),
    ],
)
def test_each_role_starts_where_its_work_is(personas, persona, lands_on):
    response = personas[persona].get(reverse("home"))
    if lands_on is None:  # leaders and staff: the dashboard is their home
        assert response.status_code == 200 and "dashboard" in response.context
        return
    assert response.status_code == 302 and response["Location"].startswith(reverse(lands_on))


def test_a_collector_without_a_letter_is_told_so_in_thai(personas):
    response = personas["collector"].get(reverse("home"), follow=True)
    assert response.status_code == 200 and response.context["my_communities"] == []
    assert_no_english(response)


def test_an_unknown_page_is_a_thai_404(personas):
    response = personas["leader"].get("/no-such-page/")
    assert response.status_code == 404
    assert_no_english(response)


def test_a_form_posted_without_its_csrf_token_gets_a_thai_page(leader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert_no_english(response)


def test_the_password_change_page_is_thai(personas):
    response = personas["treasurer_a"].get(reverse("password_change"))
    assert response.status_code == 200
    assert_no_english(response)


def test_the_trivial_view_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("ping")).content == b"ok"


def test_pages_are_never_stored_by_the_browser(personas, group_a):
    response = personas["treasurer_a"].get(reverse("groups:detail", args=[group_a.pk]))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["login", "admin:login"])
def test_app_and_admin_pages_name_an_icon_the_app_serves(client, url):
    """Else every browser asks for /favicon.ico, and the answer is a 404 in its console."""
    import re

    from django.contrib.staticfiles import finders

    page = client.get(reverse(url)).content.decode()
    icon = re.search(r'<link rel="icon" href="/static/([^"]+)"', page)
    assert icon and finders.find(icon.group(1))


def test_a_session_that_cannot_be_saved_gets_the_thai_error_page_not_bad_request(leader, monkeypatch):
    """During a database outage the page may finish but its session not save: Django calls that a
    bad request (400, "could not be understood"); to the person it is the app failing."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.backends.db import SessionStore

    from songkhla_network.middleware import IdleSessionMiddleware

    client = Client()
    client.force_login(leader)
    session = client.session
    session[IdleSessionMiddleware.SEEN] -= 120  # so that the next page saves the session again
    session.save()

    def fail(self, must_create=False):
        raise UpdateError

    monkeypatch.setattr(SessionStore, "save", fail)
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert response.status_code == 500 and "เกิดข้อผิดพลาด" in page and "คำขอไม่ถูกต้อง" not in page

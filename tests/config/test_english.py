"""No English reaches a user: every page the app serves, to every persona, and every page of the
leaders' admin, shows Thai only — but for the few Latin words Thai writes as they are (PDF, Excel,
CODI, file types, the authenticator apps; tests.helpers.ALLOWED_WORDS) and data typed in Latin
letters (usernames, a bank's reference).

What is checked is what a reader sees or hears: the text outside <script> and <style>, the <title>,
the <option>s of a list, and the title, placeholder, aria-label and alt attributes and the labels
of buttons (tests.helpers.english_runs). A failure names the page, who asked, and each run of
English words with where on the page it was.
"""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse

from rent_collection.models import Remittance
from songkhla_network import views
from songkhla_network.models import Person, User
from tests.factories import PASSWORD, client_for
from tests.helpers import ARGUMENTS, build_network, english_runs, known_data, url_for, url_patterns

pytestmark = pytest.mark.django_db

PERSONAS = ("leader", "treasurer_a", "treasurer_b", "collector", "staff", "anonymous")
# Posting these would end the persona's session for the rest of the walk.
NOT_POSTED = {"logout"}


@pytest.fixture
def network(leader, collector, group_a, group_b):
    return build_network(leader=leader, collector=collector, group_a=group_a, group_b=group_b)


def _known(network):
    """The network's data typed in Latin letters: the usernames and the banks' references."""
    return known_data() | set(Remittance.objects.values_list("bank_reference", flat=True))


def _is_html(response):
    return response.get("Content-Type", "").startswith("text/html")


def _every_url(network):
    """(name, URL) of every named URL of the app, with the objects of side A and of side B."""
    urls = {}
    for name, _route in url_patterns():
        if name is None:
            continue
        for side in ("A", "B") if name in ARGUMENTS else ("A",):
            urls.setdefault(url_for(name, network[side]), name)
    return [(name, url) for url, name in urls.items()]


def _problems(response, *, known, label):
    """One line per run of English words on an HTML answer."""
    if not _is_html(response):
        return []
    return [f"{label} → {response.status_code}: {run}" for run in english_runs(response.content.decode(), known)]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_shows_english_to_any_persona(personas, network, persona):
    """Every named URL, with the objects of both groups, asked for by each persona: the page, the
    403 or 404 they get instead, and the page an empty form sent back to them (the form's errors,
    or the page a POST-only link leads to, with its message)."""
    client = personas[persona]
    known = _known(network)
    problems, pages = [], 0
    for name, url in _every_url(network):
        label = f"{persona} GET {url} ({name})"
        try:
            with transaction.atomic():
                response = client.get(url)
        except Exception as error:  # noqa: BLE001 — every page is listed, not just the first
            problems.append(f"{label}: server error {type(error).__name__}: {error}")
            continue
        pages += _is_html(response)
        problems += _problems(response, known=known, label=label)
        if response.status_code not in (200, 405) or name in NOT_POSTED:
            continue
        label = f"{persona} POST (empty) {url} ({name})"
        try:
            with transaction.atomic():
                posted = client.post(url, follow=True)
                transaction.set_rollback(True)  # nothing an empty form writes stays
        except Exception as error:  # noqa: BLE001
            problems.append(f"{label}: server error {type(error).__name__}: {error}")
            continue
        pages += _is_html(posted)
        problems += _problems(posted, known=known, label=label)
    assert pages >= 60, f"{persona}: only {pages} pages were checked"
    assert not problems, f"English reaches {persona}:\n" + "\n".join(problems)


# The leaders' admin, on the demo network, where every model the admin lists has rows.


def _admin_urls(leader):
    """Every page of the admin a leader opens: the index, each app's page, and for every model its
    list (and a search that finds nothing), its add page, the first record's change, delete and
    history pages and one of its past versions; the password pages."""
    urls = [reverse("admin:index"), reverse("admin:password_change"), reverse("admin:password_change_done")]
    urls.append(reverse("admin:auth_user_password_change", args=[leader.pk]))
    request = RequestFactory().get("/admin/")
    request.user = leader
    apps = set()
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        info = model._meta.app_label, model._meta.model_name
        apps.add(model._meta.app_label)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        if model_admin.get_search_fields(request):
            urls.append(reverse("admin:{}_{}_changelist".format(*info)) + "?q=ไม่มีผู้ใดชื่อนี้")
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.order_by("pk").first()
        assert first is not None, f"the demo data has no {model._meta.label}: its admin pages go unchecked"
        urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        urls.append(reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
        if model_admin.has_delete_permission(request, first):
            urls.append(reverse("admin:{}_{}_delete".format(*info), args=[first.pk]))
        past = getattr(first, "history", None)
        if past is not None and past.exists():
            try:
                urls.append(
                    reverse("admin:{}_{}_simple_history".format(*info), args=[first.pk, past.first().history_id])
                )
            except NoReverseMatch:  # a model whose admin keeps no history pages
                pass
    urls += [reverse("admin:app_list", args=[app]) for app in sorted(apps)]
    return urls


def _empty_form(html):
    """What a browser sends of a form left empty: no inline rows, but the counts Django's inline
    rows need, without which the page says the form was tampered with."""
    counts = re.findall(r'name="([^"]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d*)"', html)
    return {name: "0" if name.endswith(("TOTAL_FORMS", "INITIAL_FORMS")) else value for name, value in counts}


@pytest.fixture
def demo(settings):
    """The demo network of `seed_demo`, with its logins: seed_demo makes them when DEMO is on (when
    DEBUG was, before DEMO came), so both are on."""
    settings.DEBUG = True
    settings.DEMO = True
    call_command("seed_demo", stdout=io.StringIO())
    return User.objects.get(username="leader")


def test_no_admin_page_shows_english(demo):
    client = client_for(demo)
    # The one kind of row the demo data has none of: a leader's look at someone's personal data.
    assert client.get(reverse("people:detail", args=[Person.objects.order_by("pk").first().pk])).status_code == 200
    known = known_data()
    problems, urls = [], _admin_urls(demo)
    for url in urls:
        label = f"leader GET {url}"
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{label}: answered {response.status_code}")
        problems += _problems(response, known=known, label=label)
        if urlsplit(url).path.endswith(("/add/", "/password/", "/change/")) and response.status_code == 200:
            # The same page with the errors of an empty form (its inline rows sent as none).
            with transaction.atomic():
                posted = client.post(url, _empty_form(response.content.decode()), follow=True)
                transaction.set_rollback(True)
            problems += _problems(posted, known=known, label=f"leader POST (empty) {url}")
    # Without a sign-in: the admin's own sign-in page; and the page after signing out.
    anonymous = Client()
    problems += _problems(anonymous.get(reverse("admin:login")), known=known, label="anonymous GET admin sign-in")
    signed_out = client.post(reverse("admin:logout"))
    problems += _problems(signed_out, known=known, label="leader POST admin sign-out")
    assert len(urls) >= 150, f"only {len(urls)} admin pages were checked"
    assert not problems, "English in the admin:\n" + "\n".join(problems)


def test_the_admin_offers_no_djangos_groups_or_permissions(demo):
    """Roles decide what a login may do: Django's groups and per-login permissions (some 480
    "Can add log entry"s) are neither an admin page nor a field of the user's pages."""
    from django.contrib.auth.models import Group, Permission

    assert not admin.site.is_registered(Group) and not admin.site.is_registered(Permission)
    client = client_for(demo)
    for url in [
        reverse("admin:songkhla_network_user_add"),
        reverse("admin:songkhla_network_user_change", args=[demo.pk]),
    ]:
        form = client.get(url).context["adminform"].form
        assert not {"groups", "user_permissions", "is_superuser", "is_staff"} & set(form.fields), url
    changelist = client.get(reverse("admin:songkhla_network_user_changelist"))
    assert "Can add" not in changelist.content.decode() and b"is_superuser" not in changelist.content


# The error pages, as the handlers draw them, to a signed-in leader and to someone signed out.


def _request(user):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize("who", ["leader", "anonymous"])
def test_the_error_pages_are_thai(leader, who):
    user = leader if who == "leader" else AnonymousUser()
    answers = {
        "400": views.bad_request(_request(user), Exception("bad")),
        "403": views.permission_denied(_request(user), PermissionDenied()),
        "404": views.page_not_found(_request(user), Http404()),
        "405": views.method_not_allowed(_request(user)),
        "500": views.server_error(_request(user)),
        "403 (form expired)": views.csrf_failure(_request(user), reason="CSRF token missing."),
    }
    problems = []
    for page, response in answers.items():
        assert _is_html(response) and response.content.strip(), page
        problems += _problems(response, known=known_data(), label=f"{who}: the {page} page")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("who", ["leader", "anonymous"])
def test_an_address_only_a_button_sends_to_opens_a_thai_page(leader, who):
    """A sign-out opened by its address: the view's 405 and its Allow header, on the app's page
    (Django's own answer is empty: a blank page), with the page's security headers."""
    client = Client()
    if who == "leader":
        client.force_login(leader)
    response = client.get(reverse("logout"))
    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"  # LogoutView's: as the view gave it
    assert "หน้านี้เปิดจากปุ่มเท่านั้น" in response.content.decode()
    assert response.has_header("Content-Security-Policy") and response["X-Frame-Options"] == "DENY"
    problems = _problems(response, known=known_data(), label=f"{who}: the 405 page")
    assert not problems, "\n".join(problems)
    posted = client.post(reverse("logout"))
    assert posted.status_code == 302  # the button still signs out


def test_the_lockout_page_is_thai(leader):
    client = Client()
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "leader", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "leader", "password": PASSWORD})
    assert response.status_code == 429
    problems = _problems(response, known=known_data(), label="the sign-in lockout page")
    assert not problems, "\n".join(problems)


# The checker itself: it finds what a reader would see, and only that.


def test_the_checker_finds_english_where_a_reader_sees_it():
    page = """<html><head><title>Site administration</title><script>var x = "Hello there";</script>
    <style>.a { font-family: Sarabun; }</style></head><body>
    <p>บันทึก 5 รายการ</p><p>สมุดบัญชี PDF และ Excel ส่ง พอช. (CODI)</p><p>x-xxxx-xxxxx-12-1 แปลง A/1 กระดาษ A4</p>
    <p>กดปุ่ม “Control” หรือ “Command” บนเครื่อง Mac</p>
    <a href="/x/" title="Go back">กลับ</a><img src="a.png" alt="logo"><input type="submit" value="Save">
    <input type="hidden" value="secret"><input type="text" value="typed by someone">
    <select><option>Can add log entry</option></select><span aria-label="Close">×</span>
    <p>ผู้ใช้ leader ผู้ส่ง KTB-A</p><!-- a comment nobody sees --></body></html>"""
    runs = english_runs(page, known={"leader", "KTB-A"})
    assert runs == [
        "'Site administration' (text in <title>)",
        "'Control' (text in <p>)",
        "'Command' (text in <p>)",
        "'Mac' (text in <p>)",
        """'Go back' (title="…" of <a>)""",
        """'logo' (alt="…" of <img>)""",
        """'Save' (value of <input type="submit">)""",
        "'Can add log entry' (text in <option>)",
        """'Close' (aria-label="…" of <span>)""",
    ]

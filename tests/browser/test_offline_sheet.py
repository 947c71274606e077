"""The month's sheet at a meeting without a signal, in Chromium on a phone-sized screen: saved on
the phone, kept by the service worker, sent once when the signal is back, and, when another phone
posted the month first, the difference shown and nothing posted twice.

Wording is compared with what Django's translation machinery gives in the same process, so the
tests hold whether the Thai catalog has the new strings yet or not.
"""

import secrets
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from groups import services
from groups.models import CollectionSheet, LedgerEntry
from songkhla_network.thai import be_month_slug, month_start
from tests.helpers import settle, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGES = ".messages .alert"
SAVE = "#sheet-form button[type=submit]"
STATUS = "#offline-status"


def this_month():
    return month_start(timezone.localdate())


def sheet_path(group):
    return reverse("groups:sheet", args=[group.pk, be_month_slug(this_month())])


def members_of(group):
    return list(group.members.order_by("number"))


def amount_box(page, member):
    return page.locator(f"#id_amount_{member.pk}")


def thai(message):
    with translation.override("th"):
        return gettext(message)


def kept_paths(page):
    """The paths of everything the page's origin keeps in its caches (Cache Storage)."""
    return page.evaluate(
        """async () => {
            const paths = [];
            for (const name of await caches.keys()) {
                for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
            }
            return paths;
        }"""
    )


def saved_sheets(page):
    return page.evaluate("Object.keys(localStorage).filter(key => key.startsWith('offline-sheet:'))")


def assert_readable(page):
    """axe-core finds nothing on the page as it is now, the sheet's notices shown (the audit of
    tests/browser/test_accessibility.py sees them hidden)."""
    settle(page)
    violations = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
    assert not [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def open_sheet_for_a_meeting(page, live_server, group):
    """Sign in as treasurer A and open this month's sheet, online, until the service worker
    controls the page and keeps the sheet and its files."""
    sign_in(page, live_server, "treasurer_a")
    expect(page).to_have_url(live_server.url + reverse("groups:detail", args=[group.pk]))
    page.goto(live_server.url + sheet_path(group))
    expect(page.locator("#sheet-form")).to_be_visible()
    expect(page.locator("[data-offline-sheet][data-kept]")).to_have_count(1)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    kept = kept_paths(page)
    assert sheet_path(group) in kept
    assert "/static/js/offline_sheet.js" in kept and "/static/css/site.css" in kept
    # Nothing but the sheet and static files: the group page just visited is not kept.
    assert all(path == sheet_path(group) or path.startswith("/static/") for path in kept), kept


def test_a_sheet_saved_without_a_signal_is_sent_once_when_the_signal_is_back(
    page, context, live_server, treasurer_a, group_a
):
    first, second, third = members_of(group_a)
    path = sheet_path(group_a)
    posts = []
    context.on("request", lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith(path) else None)
    open_sheet_for_a_meeting(page, live_server, group_a)

    # The signal drops. The first member paid 150, the third did not pay; save.
    context.set_offline(True)
    amount_box(page, first).fill("150")
    page.locator(f'[data-clear="id_amount_{third.pk}"]').click()
    page.locator(SAVE).click()
    status = page.locator(STATUS)
    expect(status).to_be_visible()
    expect(status).to_have_attribute("data-state", "waiting")
    expect(status).to_contain_text(thai("Not sent yet — waiting for a signal."))
    expect(page.locator(SAVE)).to_be_enabled()  # saved again after a change, if need be
    assert_readable(page)
    assert saved_sheets(page) == [f"offline-sheet:{path}"]
    assert not CollectionSheet.objects.exists()

    # Still no signal: the page opens again from the service worker, the saved figures in it.
    response = page.reload()
    assert response.from_service_worker
    assert "script-src 'self'" in response.headers["content-security-policy"]  # as the server sent it
    expect(page.locator("#sheet-form")).to_be_visible()
    expect(amount_box(page, first)).to_have_value("150")
    expect(amount_box(page, second)).to_have_value("100.00")
    expect(amount_box(page, third)).to_have_value("")
    expect(page.locator("#sheet-total")).to_have_text("250.00")
    expect(status).to_have_attribute("data-state", "waiting")
    # A second tab on the same sheet, as happens: it must not send the sheet a second time.
    other = context.new_page()
    other.goto(live_server.url + path)
    expect(other.locator(STATUS)).to_have_attribute("data-state", "waiting")

    # Meanwhile the CSRF cookie changed (a new sign-in does that): the kept page's token is old.
    context.add_cookies([{"name": "csrftoken", "value": secrets.token_hex(16), "url": live_server.url}])

    # The signal is back: sent once, by itself, and the posted sheet shown in both tabs.
    context.set_offline(False)
    for tab in (page, other):
        expect(tab.locator("#sheet-form")).to_have_count(0)
        expect(tab.locator("h1 + .alert-success, #offline-sheet + .alert-success")).to_be_visible()  # "Posted by …"
    successes = [tab.locator(f"{MESSAGES}.alert-success").count() for tab in (page, other)]
    assert sorted(successes) == [0, 1]
    assert posts == [live_server.url + path]

    sheet = CollectionSheet.objects.get()
    assert (sheet.group, sheet.month, sheet.posted_by) == (group_a, this_month(), treasurer_a)
    rows = sorted((e.member_id, e.amount, e.kind, e.month, e.sheet_id) for e in LedgerEntry.objects.all())
    assert rows == [
        (first.pk, Decimal("150.00"), "deposit", this_month(), sheet.pk),
        (second.pk, Decimal("100.00"), "deposit", this_month(), sheet.pk),
    ]
    # Nothing of the sheet is left on the phone: neither the saved form nor the page.
    assert saved_sheets(page) == []
    page.wait_for_function(
        """async (path) => {
            for (const name of await caches.keys()) {
                if (await (await caches.open(name)).match(path)) return false;
            }
            return true;
        }""",
        arg=path,
    )
    assert path not in kept_paths(page)

    # Signing out drops what the worker kept (the app's files), on the phone someone else may use.
    assert kept_paths(page)
    page.goto(live_server.url + reverse("groups:detail", args=[group_a.pk]))
    with page.expect_navigation():
        page.locator(f'header form[action="{reverse("logout")}"] button[type=submit]').click()
    page.wait_for_function("async () => (await caches.keys()).length === 0")


def test_a_month_posted_meanwhile_by_another_phone_shows_the_difference_and_posts_nothing_twice(
    page, context, live_server, treasurer_a, leader, group_a
):
    first, second, third = members_of(group_a)
    path = sheet_path(group_a)
    open_sheet_for_a_meeting(page, live_server, group_a)

    context.set_offline(True)
    amount_box(page, first).fill("150")
    page.locator(SAVE).click()
    expect(page.locator(STATUS)).to_have_attribute("data-state", "waiting")

    # Another phone, with a signal, posts the month with other figures.
    other = services.sheet_post(
        group=group_a,
        month=this_month(),
        paid_on=timezone.localdate(),
        amounts={first.pk: Decimal("120"), second.pk: Decimal("100")},
        user=leader,
    )

    context.set_offline(False)
    panel = page.locator("#offline-differences")
    expect(panel).to_be_visible()
    expect(panel.locator("h2")).to_have_text(thai("Another phone posted this month first"))
    expect(page.locator(f"{MESSAGES}.alert-warning")).to_be_visible()  # "already posted by …"
    expect(page.locator("#sheet-form")).to_have_count(0)  # the posted sheet
    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("th")).to_have_text(f"1. {first.person}")
    expect(rows.nth(0).locator("td")).to_have_text(["150.00", "120.00"])
    expect(rows.nth(1).locator("th")).to_have_text(f"3. {third.person}")
    expect(rows.nth(1).locator("td")).to_have_text(["100.00", "—"])

    assert_readable(page)

    # Only the other phone's rows: nothing posted twice, nothing of this phone's.
    assert list(CollectionSheet.objects.all()) == [other]
    assert sorted((e.member_id, e.amount) for e in LedgerEntry.objects.all()) == [
        (first.pk, Decimal("120.00")),
        (second.pk, Decimal("100.00")),
    ]

    # The figures stay on screen, after a reload too, until the treasurer has seen them.
    page.reload()
    expect(panel).to_be_visible()
    assert saved_sheets(page) == [f"offline-sheet:{path}"]
    page.locator("#offline-dismiss").click()
    expect(panel).to_be_hidden()
    assert saved_sheets(page) == []
    page.reload()
    expect(panel).to_be_hidden()
    assert path not in kept_paths(page)
    assert CollectionSheet.objects.count() == 1 and LedgerEntry.objects.count() == 2

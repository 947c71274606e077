"""The treasurer's monthly collection sheet, driven in Chromium on a phone-sized screen.

The Thai catalog is still being written, so visible wording may be English or Thai: selectors
use ids, hrefs, classes and data attributes, never wording. Where a test checks a message's
text it compares it with what Django's own translation machinery gives in the same process.

Set SHOTS_DIR=/some/dir to also save screenshots of each page at 390 px (phone-*.png) and
1280 px (desktop-*.png) width; without it no file is written and nothing depends on them.
"""

import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from groups.forms import CollectionSheetForm
from groups.models import CollectionSheet, LedgerEntry
from songkhla_network.forms import MoneyField
from songkhla_network.thai import be_month_slug, month_start
from tests.helpers import IS_INVALID, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MESSAGES = ".messages .alert"  # the flash messages base.html renders, not the page's own boxes


# -- helpers ------------------------------------------------------------------------------------


def this_month():
    return month_start(timezone.localdate())


def group_url(group):
    return reverse("groups:detail", args=[group.pk])


def sheet_url(group, month=None):
    return reverse("groups:sheet", args=[group.pk, be_month_slug(month or this_month())])


def passbook_url(member):
    return reverse("groups:passbook", args=[member.group_id, member.pk])


def amount_box(page, member):
    return page.locator(f"#id_amount_{member.pk}")


def open_sheet(page, live_server, group):
    page.goto(live_server.url + sheet_url(group))
    expect(page.locator("#sheet-form")).to_be_visible()


def members_of(group):
    return list(group.members.order_by("number"))


def rows_written():
    return sorted((e.member_id, str(e.amount), e.kind, e.month, e.sheet_id) for e in LedgerEntry.objects.all())


# -- 1. the whole monthly round ----------------------------------------------------------------------


def test_treasurer_posts_the_month_on_a_phone(page, live_server, treasurer_a, group_a, group_b, shoot):
    first, second, third = members_of(group_a)
    month = this_month()

    sign_in(page, live_server, "treasurer_a", shoot=shoot)

    # A treasurer with one group lands straight on it.
    expect(page).to_have_url(live_server.url + group_url(group_a))
    expect(page.locator("h1")).to_have_text(group_a.name)
    shoot(page, "group")

    # The big green button opens this month's sheet.
    page.locator(f'a.btn-success[href="{sheet_url(group_a)}"]').click()
    expect(page).to_have_url(live_server.url + sheet_url(group_a))

    # Every active member is on it, prefilled with their commitment; the total says so too.
    boxes = page.locator("#sheet-form [data-sheet-amount]")
    expect(boxes).to_have_count(3)
    for member in (first, second, third):
        expect(amount_box(page, member)).to_have_value("100.00")
    total, count = page.locator("#sheet-total"), page.locator("#sheet-count")
    expect(total).to_have_text("300.00")
    expect(count).to_have_text("3")

    # The first member paid 150, typed in Thai digits on a Thai keyboard.
    box = amount_box(page, first)
    box.fill("")
    box.press_sequentially("๑๕๐")
    expect(box).to_have_value("๑๕๐")
    expect(total).to_have_text("350.00")
    expect(count).to_have_text("3")

    # The third did not pay.
    page.locator(f'[data-clear="id_amount_{third.pk}"]').click()
    expect(amount_box(page, third)).to_have_value("")
    expect(total).to_have_text("250.00")
    expect(count).to_have_text("2")
    shoot(page, "sheet-before")

    with page.expect_navigation():
        page.locator("#sheet-form button[type=submit]").click()

    # Posted: the success message, and the posted sheet in place of the form.
    expect(page).to_have_url(live_server.url + sheet_url(group_a))
    expect(page.locator(MESSAGES)).to_have_count(1)
    expect(page.locator(f"{MESSAGES}.alert-success")).to_be_visible()
    expect(page.locator("#sheet-form")).to_have_count(0)
    unpaid_rows = page.locator("tr.table-warning")
    expect(unpaid_rows).to_have_count(1)
    expect(unpaid_rows.locator(f'a[href="{passbook_url(third)}"]')).to_be_visible()
    first_row = page.locator("tbody tr").filter(has=page.locator(f'a[href="{passbook_url(first)}"]'))
    expect(first_row.locator("td.money").first).to_have_text("150.00")
    shoot(page, "sheet-after")

    # The first member's passbook shows the deposit and the new balance.
    page.locator(f'tbody a[href="{passbook_url(first)}"]').click()
    expect(page).to_have_url(live_server.url + passbook_url(first))
    passbook_rows = page.locator("table.passbook tbody tr")
    expect(passbook_rows).to_have_count(1)
    cells = passbook_rows.first.locator("td")
    expect(cells.nth(2)).to_have_text("150.00")  # in
    expect(cells.nth(3)).to_have_text("")  # out
    expect(cells.nth(4)).to_have_text("150.00")  # balance after the row
    expect(page.locator("main > p > strong")).to_have_text("150.00")  # the balance line
    shoot(page, "passbook")

    # Exactly the rows the sheet showed, to the satang.
    sheet = CollectionSheet.objects.get()
    assert (sheet.group, sheet.month, sheet.paid_on, sheet.posted_by) == (
        group_a,
        month,
        timezone.localdate(),
        treasurer_a,
    )
    entries = list(LedgerEntry.objects.order_by("member__number"))
    assert [(e.member_id, e.amount) for e in entries] == [(first.pk, Decimal("150.00")), (second.pk, Decimal("100.00"))]
    assert [str(e.amount) for e in entries] == ["150.00", "100.00"]
    for entry in entries:
        assert (entry.group, entry.kind, entry.month, entry.date, entry.sheet, entry.posted_by) == (
            group_a,
            "deposit",
            month,
            timezone.localdate(),
            sheet,
            treasurer_a,
        )
        assert entry.reverses is None and entry.request_key is None


# -- 2. posting twice ------------------------------------------------------------------------------------


def assert_posted_once(group):
    sheet = CollectionSheet.objects.get()
    assert sheet.group == group
    assert rows_written() == sorted((m.pk, "100.00", "deposit", this_month(), sheet.pk) for m in members_of(group))


def test_a_double_tap_and_a_stale_tab_post_once(page, context, live_server, treasurer_a, group_a):
    sign_in(page, live_server, "treasurer_a")
    expect(page).to_have_url(live_server.url + group_url(group_a))
    # The same sheet left open in a second tab, or on a second phone signed in as the same treasurer.
    stale = context.new_page()
    open_sheet(stale, live_server, group_a)
    open_sheet(page, live_server, group_a)

    # A double tap on "save". A listener added after the app's own records, in sessionStorage
    # (which outlives the navigation), each submit event and whether "save" was disabled by then.
    page.evaluate(
        """() => document.getElementById("sheet-form").addEventListener("submit", () => {
            sessionStorage.submits = Number(sessionStorage.submits || 0) + 1;
            sessionStorage.saveDisabled = document.querySelector("#sheet-form [type=submit]").disabled;
        })"""
    )
    with page.expect_navigation():
        page.locator("#sheet-form button[type=submit]").dblclick()
    expect(page.locator(f"{MESSAGES}.alert-success")).to_be_visible()
    assert page.evaluate("[sessionStorage.submits, sessionStorage.saveDisabled]") == ["1", "true"]
    assert_posted_once(group_a)

    # The stale form, sent again: the app says it was already posted and posts nothing.
    with stale.expect_navigation():
        stale.locator("#sheet-form button[type=submit]").click()
    expect(stale).to_have_url(live_server.url + sheet_url(group_a))
    expect(stale.locator(MESSAGES)).to_have_count(1)
    expect(stale.locator(f"{MESSAGES}.alert-warning")).to_be_visible()
    expect(stale.locator("#sheet-form")).to_have_count(0)
    assert_posted_once(group_a)


def test_two_phones_saving_at_the_same_moment_post_once(new_context, live_server, treasurer_a, group_a):
    """Both requests pass the view's "already posted?" check before either has written: the
    database's unique (group, month) must stop the second, and the view must say so politely.

    To make that interleaving certain rather than lucky, the test holds an exclusive lock on the
    sheet table while both phones save, so both requests wait at that check, and lets them go
    together."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's table locks")
    phones = []
    for _ in range(2):
        phone = new_context().new_page()
        sign_in(phone, live_server, "treasurer_a")
        expect(phone).to_have_url(live_server.url + group_url(group_a))
        open_sheet(phone, live_server, group_a)
        phones.append(phone)

    table = connection.ops.quote_name(CollectionSheet._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            for phone in phones:
                phone.evaluate("document.getElementById('sheet-form').requestSubmit()")
            deadline = time.monotonic() + 10
            waiting = 0
            while waiting < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                (waiting,) = cursor.fetchone()
            assert waiting == 2, "both saves should be waiting on the sheet table"

    for phone in phones:
        expect(phone.locator(MESSAGES)).to_have_count(1, timeout=10_000)
    # One phone is told the sheet is posted, the other that it already was.
    kinds = sorted(
        next(c for c in phone.locator(MESSAGES).get_attribute("class").split() if c.startswith("alert-"))
        for phone in phones
    )
    assert kinds == ["alert-success", "alert-warning"]
    for phone in phones:
        expect(phone.locator("#sheet-form")).to_have_count(0)  # both see the posted sheet
    assert_posted_once(group_a)


# -- 3. one group's treasurer never sees another's -------------------------------------------------------


def test_treasurers_see_only_their_own_group(page, live_server, treasurer_a, treasurer_b, group_a, group_b):
    b_member = members_of(group_b)[0]
    sign_in(page, live_server, "treasurer_a")
    expect(page).to_have_url(live_server.url + group_url(group_a))

    for url in (sheet_url(group_b), group_url(group_b), passbook_url(b_member)):
        response = page.goto(live_server.url + url)
        assert response.status == 404, url
        expect(page.locator('main a[href="/"]')).to_be_visible()  # the app's error page
        expect(page.locator("form#sheet-form, [data-sheet-amount]")).to_have_count(0)
        expect(page.locator("main")).not_to_contain_text(group_b.name)

    # Nor can a hand-made POST write to group B (a valid CSRF token, so only access can stop it).
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        live_server.url + sheet_url(group_b),
        form={"csrfmiddlewaretoken": csrf, "paid_on": "1/1/2568", f"amount_{b_member.pk}": "100"},
        headers={"Referer": live_server.url + sheet_url(group_b)},
        max_redirects=0,
    )
    assert response.status == 404
    assert not CollectionSheet.objects.exists() and not LedgerEntry.objects.exists()

    # Treasurer B, signing in after A signs out, lands on group B and sees only it.
    page.goto(live_server.url + group_url(group_a))
    with page.expect_navigation():
        page.locator(f'header form[action="{reverse("logout")}"] button[type=submit]').click()
    sign_in(page, live_server, "treasurer_b")
    expect(page).to_have_url(live_server.url + group_url(group_b))
    expect(page.locator("h1")).to_have_text(group_b.name)
    expect(page.locator("body")).not_to_contain_text(group_a.name)
    page.goto(live_server.url + reverse("groups:list"))
    expect(page).to_have_url(live_server.url + group_url(group_b))
    assert page.goto(live_server.url + group_url(group_a)).status == 404
    assert page.goto(live_server.url + sheet_url(group_a)).status == 404


# -- 4. what a treasurer types wrong -------------------------------------------------------------------


def test_bad_amounts_are_shown_next_to_their_boxes_and_nothing_is_written(
    page, live_server, treasurer_a, group_a, shoot
):
    first, second, third = members_of(group_a)
    sign_in(page, live_server, "treasurer_a")
    expect(page).to_have_url(live_server.url + group_url(group_a))
    open_sheet(page, live_server, group_a)

    amount_box(page, first).fill("abc")
    amount_box(page, second).fill("-5")
    with page.expect_navigation():
        page.locator("#sheet-form button[type=submit]").click()

    # The same sheet comes back with what was typed, each error right under its own box.
    expect(page.locator("#sheet-form")).to_be_visible()
    form = CollectionSheetForm({}, members=[second], month=this_month())  # sent: a field for each box
    with translation.override("th"):
        not_a_number = str(MoneyField.default_error_messages["invalid"])
        not_positive = str(form.fields[f"amount_{second.pk}"].error_messages["not_positive"])
    for member, typed, message in ((first, "abc", not_a_number), (second, "-5", not_positive)):
        box = amount_box(page, member)
        expect(box).to_have_value(typed)
        expect(box).to_have_class(IS_INVALID)
        feedback = page.locator(f"#id_amount_{member.pk} + .invalid-feedback")
        expect(feedback).to_be_visible()
        expect(feedback).to_have_text(message)
    expect(amount_box(page, third)).to_have_value("100.00")
    expect(amount_box(page, third)).not_to_have_class(IS_INVALID)
    expect(page.locator(".invalid-feedback")).to_have_count(2)
    expect(page.locator(MESSAGES)).to_have_count(0)
    shoot(page, "sheet-errors")

    assert not CollectionSheet.objects.exists()
    assert not LedgerEntry.objects.exists()

"""A buying round from opening to the pick-up list, driven in Chromium on phone-sized screens.

The leader opens a round, treasurer A enters her members' orders on her own phone, the leader
closes the round and receives fewer packs of rice than were bought, and the pick-up list shows
each member's share and why it was cut; treasurer A then records one member's payment. The leader
then reads the month's books: the cash book, the stock and the statement each add up, and say the
same figures.

As in test_treasurer_sheet.py, selectors use ids, names, hrefs and classes, never wording: the
Thai catalog is still being written. Product and member names are data, not wording.

Set SHOTS_DIR=/some/dir to also save full-page screenshots at 390 px (buying-*.png), and of the
books at desktop width too (buying-desktop-*.png); without it no file is written and nothing
depends on them.
"""

import datetime
import os
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from enterprise import selectors
from enterprise.models import (
    Allocation,
    BuyingRound,
    CashEntry,
    CashKind,
    MemberPayment,
    Order,
    StockMovement,
)
from songkhla_network.models import Role
from songkhla_network.thai import format_baht
from tests.factories import PASSWORD, make_group, make_products, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MESSAGES = ".messages .alert"  # the flash messages base.html renders
RICE, EGGS = "ข้าวสาร", "ไข่ไก่"


@pytest.fixture
def shoot():
    """shoot(page, name, desktop=False): a full-page screenshot at the phone's 390 px (and at
    desktop width too, with `desktop`), when SHOTS_DIR is set."""
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return lambda page, name, desktop=False: None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name, desktop=False):
        page.screenshot(path=folder / f"buying-{name}.png", full_page=True)
        if desktop:
            phone = page.viewport_size
            page.set_viewport_size({"width": 1280, "height": 900})
            try:
                page.screenshot(path=folder / f"buying-desktop-{name}.png", full_page=True)
            finally:
                page.set_viewport_size(phone)

    return take


def be(day):
    """A date as a person types it: 24/11/2569."""
    return f"{day.day}/{day.month}/{day.year + 543}"


def sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_password")).to_have_count(0)  # signed in, off the login page


def submit(page):
    """Tap the page's own submit button (not the header's "sign out") and wait for the answer."""
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def expect_success(page):
    expect(page.locator(MESSAGES)).to_have_count(1)
    expect(page.locator(f"{MESSAGES}.alert-success")).to_be_visible()


def test_a_buying_round_from_opening_to_pick_up_on_phones(page, new_context, live_server, shoot):
    # -- 1. the network: two products, group A and its treasurer, the leader ---------------------
    today = timezone.localdate()
    rice_product, eggs_product = make_products(today)
    group_a = make_group("กลุ่มเอ", "ชุมชนเอ")
    treasurer_a = make_user("treasurer_a", Role.TREASURER)
    group_a.treasurers.add(treasurer_a)
    leader = make_user("leader", Role.LEADER)
    first, second, third = group_a.members.select_related("person").order_by("number")

    # -- 2. the leader opens the round ------------------------------------------------------------
    closes_on, pickup_on = today + datetime.timedelta(days=3), today + datetime.timedelta(days=5)
    sign_in(page, live_server, "leader")
    page.goto(live_server.url + reverse("enterprise:round_new"))
    page.locator("#id_title").fill("รอบข้าวสารและไข่")
    page.locator("#id_opened_on").fill(be(today))
    page.locator("#id_closes_on").fill(be(closes_on))
    page.locator("#id_pickup_on").fill(be(pickup_on))
    submit(page)

    buying_round = BuyingRound.objects.get()
    assert (buying_round.title, buying_round.opened_on, buying_round.closes_on, buying_round.pickup_on) == (
        "รอบข้าวสารและไข่",
        today,
        closes_on,
        pickup_on,
    )
    round_url = reverse("enterprise:round", args=[buying_round.pk])
    expect(page).to_have_url(live_server.url + round_url)
    expect_success(page)
    rice = buying_round.items.get(product=rice_product)
    eggs = buying_round.items.get(product=eggs_product)

    # -- 3. treasurer A, on her own phone, enters her members' orders ------------------------------
    phone = new_context().new_page()
    sign_in(phone, live_server, "treasurer_a")
    phone.locator(f'header a[href="{reverse("enterprise:rounds")}"]').click()
    expect(phone).to_have_url(live_server.url + reverse("enterprise:rounds"))
    phone.locator(f'main a[href="{round_url}"]').click()
    expect(phone).to_have_url(live_server.url + round_url)
    sheet_url = reverse("enterprise:order_sheet", args=[buying_round.pk, group_a.pk])
    phone.locator(f'main a[href*="/groups/{group_a.pk}/"]').click()
    expect(phone).to_have_url(live_server.url + sheet_url)

    def box(member, item):
        return phone.locator(f'main form input[name="qty_{member.pk}_{item.pk}"]')

    expect(phone.locator('main form input[name^="qty_"]')).to_have_count(6)  # 3 members × 2 products
    # Rice: 3 (typed in Thai digits) + 2 + 2 = 7 bags, one more than a sack of 6.
    # Eggs: 4 + 5 = 9 trays, one short of a crate of 10.
    typed = {(first, rice): "๓", (second, rice): "2", (third, rice): "2", (first, eggs): "4", (third, eggs): "5"}
    for (member, item), text in typed.items():
        box(member, item).fill(text)
    expect(box(first, rice)).to_have_value("๓")
    expect(box(second, eggs)).to_have_value("")
    shoot(phone, "order-sheet")
    submit(phone)
    expect(phone).to_have_url(live_server.url + round_url)
    expect_success(phone)
    assert sorted(
        (o.member.number, o.item.product.name, o.quantity, o.entered_by_id) for o in Order.objects.all()
    ) == sorted(
        [
            (1, RICE, 3, treasurer_a.pk),
            (2, RICE, 2, treasurer_a.pk),
            (3, RICE, 2, treasurer_a.pk),
            (1, EGGS, 4, treasurer_a.pk),
            (3, EGGS, 5, treasurer_a.pk),
        ]
    )

    # -- 4. the leader closes the round, prints the purchase orders, receives the goods ------------
    page.reload()

    def packs_row(item):
        return page.locator("main tbody tr").filter(has=page.locator(f'input[name="packs_{item.pk}"]'))

    # The totals per product, with whole packs to buy proposed: 7 bags → 2 sacks, 9 trays → 1 crate.
    for item, ordered, proposed in ((rice, "7", "2"), (eggs, "9", "1")):
        expect(packs_row(item).locator("td.money").first).to_have_text(ordered)
        expect(page.locator(f'input[name="packs_{item.pk}"]')).to_have_value(proposed)
    page.locator(f'input[name="packs_{rice.pk}"]').fill("๒")
    page.locator(f'input[name="packs_{eggs.pk}"]').fill("1")
    shoot(page, "round")
    submit(page)
    expect(page).to_have_url(live_server.url + round_url)
    expect_success(page)
    expect(page.locator('main input[name^="packs_"]')).to_have_count(0)  # the orders are frozen
    buying_round.refresh_from_db()
    assert buying_round.closed_by == leader and buying_round.closed_at is not None
    assert {i.product.name: i.packs_to_buy for i in buying_round.items.select_related("product")} == {RICE: 2, EGGS: 1}

    orders_url = reverse("enterprise:purchase_orders", args=[buying_round.pk])
    page.locator(f'main a[href="{orders_url}"]').click()
    expect(page).to_have_url(live_server.url + orders_url)
    expect(page.locator("main article.document")).to_have_count(1)  # one supplier
    lines = page.locator("main article.document tbody tr")
    expect(lines).to_have_count(2)
    for name, packs, amount in ((RICE, "2", "1,560.00"), (EGGS, "1", "1,050.00")):
        cells = lines.filter(has_text=name).locator("td.money")
        expect(cells.nth(0)).to_have_text(packs)
        expect(cells.nth(2)).to_have_text(amount)
    expect(page.locator("main article.document tfoot td.money")).to_have_text("2,610.00")

    page.locator(f'main a[href="{round_url}"]').click()
    receive_url = reverse("enterprise:round_receive", args=[buying_round.pk])
    page.locator(f'main a[href="{receive_url}"]').click()
    expect(page).to_have_url(live_server.url + receive_url)
    expect(page.locator("#id_date")).to_have_value(be(today))
    expect(page.locator(f'input[name="packs_{rice.pk}"]')).to_have_value("2")
    expect(page.locator(f'input[name="packs_{eggs.pk}"]')).to_have_value("1")
    page.locator(f'input[name="packs_{rice.pk}"]').fill("1")  # one sack of the two came: 6 bags for 7 ordered
    submit(page)
    pickup_url = reverse("enterprise:pickup", args=[buying_round.pk])
    expect(page).to_have_url(live_server.url + pickup_url)
    expect_success(page)

    # -- 5. the pick-up list: each member's share, and why it was cut -------------------------------
    allocations = list(
        Allocation.objects.filter(order__item__round=buying_round).select_related(
            "order__member", "order__item__product"
        )
    )
    # 6 bags shared in proportion to 3, 2, 2: 18/7, 12/7, 12/7 → 2, 1, 1 and the two units left
    # to the largest remainders (the second and third); the eggs are all there.
    shares = {(a.order.member.number, a.order.item.product.name): a.quantity for a in allocations}
    assert shares == {(1, RICE): 2, (2, RICE): 2, (3, RICE): 2, (1, EGGS): 4, (3, EGGS): 5}
    reasons = {(a.order.member.number, a.order.item.product.name): a.reason for a in allocations}
    cut = reasons.pop((1, RICE))
    assert RICE in cut and re.search(r"(?<!\d)6(?!\d)", cut) and re.search(r"(?<!\d)7(?!\d)", cut), cut
    assert set(reasons.values()) == {""}

    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(3)
    for allocation in allocations:
        # The leader's "change" link names the allocation: its line is the div that holds it.
        link = f'a[href="{reverse("enterprise:allocation", args=[allocation.pk])}"]'
        line = page.locator(f"main tbody div:has(> {link})")
        expect(line).to_have_count(1)
        name, quantity, ordered = allocation.order.item.product.name, allocation.quantity, allocation.order.quantity
        expect(line).to_have_text(re.compile(rf"^\s*{re.escape(name)} × {quantity}(\D|$)"))
        member_row = rows.filter(has=page.locator(link))
        expect(member_row).to_contain_text(f"{allocation.order.member.number}. {allocation.order.member.person}")
        if quantity == ordered:
            expect(line.locator("span.arrears")).to_have_count(0)
        else:
            expect(line.locator("span.arrears")).to_have_text(re.compile(rf"\D{ordered}\D"))
        if allocation.reason:
            expect(line.locator(".text-muted")).to_have_text(allocation.reason)
        else:
            expect(line.locator(".text-muted")).to_have_count(0)
    expect(page.locator("main tbody .text-muted")).to_have_count(1)  # one reason on the whole list

    # To pay and still owed, at member prices: 2×140 + 4×112, 2×140, 2×140 + 5×112.
    dues = {first: "728.00", second: "280.00", third: "840.00"}

    def pay_url(member):
        return reverse("enterprise:payment", args=[buying_round.pk, member.pk])

    for member, due in dues.items():
        row = rows.filter(has=page.locator(f'a[href="{pay_url(member)}"]'))
        expect(row.locator("td.money")).to_have_text([due, due])
    shoot(page, "pickup")

    # Treasurer A opens the pick-up list from the round page and records the first member's payment.
    phone.goto(live_server.url + round_url)
    phone.locator(f'main a[href="{pickup_url}"]').click()
    expect(phone).to_have_url(live_server.url + pickup_url)
    expect(phone.locator("main section")).to_have_count(1)  # her group only
    phone_rows = phone.locator("main tbody tr")
    expect(phone_rows).to_have_count(3)
    expect(phone.locator("main tbody tr.table-warning")).to_have_count(3)
    phone.locator(f'main a[href="{pay_url(first)}"]').click()
    expect(phone).to_have_url(live_server.url + pay_url(first))
    expect(phone.locator("#id_amount")).to_have_value("728.00")  # prefilled with what is owed
    expect(phone.locator("#id_date")).to_have_value(be(today))
    submit(phone)
    expect(phone).to_have_url(live_server.url + pickup_url)
    expect_success(phone)

    first_row = phone_rows.nth(0)
    expect(first_row).to_contain_text(f"{first.number}. {first.person}")
    expect(first_row.locator("td.money")).to_have_text(["728.00", "0.00"])
    expect(first_row).not_to_have_class(re.compile(r"(^|\s)table-warning(\s|$)"))
    expect(phone.locator(f'main a[href="{pay_url(first)}"]')).to_have_count(0)
    for member in (second, third):
        expect(phone.locator(f'main a[href="{pay_url(member)}"]')).to_have_count(1)
    expect(phone.locator("main tbody tr.table-warning")).to_have_count(2)
    expect(phone.locator("main tfoot td.money")).to_have_text(["1,848.00", "1,120.00"])  # group: due, still owed
    shoot(phone, "pickup-paid")

    # The payment and its cash book row, to the satang.
    payment = MemberPayment.objects.get()
    assert (payment.round, payment.member, payment.date, payment.posted_by, payment.reverses) == (
        buying_round,
        first,
        today,
        treasurer_a,
        None,
    )
    assert payment.amount == Decimal("728.00") and str(payment.amount) == "728.00"
    sale = CashEntry.objects.get(kind=CashKind.SALE)
    assert (sale.amount, str(sale.amount), sale.date, sale.member_payment, sale.buying_round, sale.posted_by) == (
        Decimal("728.00"),
        "728.00",
        today,
        payment,
        buying_round,
        treasurer_a,
    )
    # What was received was paid for: one sack of rice and one crate of eggs.
    purchase = CashEntry.objects.get(kind=CashKind.PURCHASE)
    assert (purchase.amount, purchase.buying_round) == (Decimal("-1830.00"), buying_round)
    assert CashEntry.objects.count() == 2
    # The one tray of eggs nobody ordered went into stock; no rice was left over.
    assert [(m.product_id, m.quantity) for m in StockMovement.objects.all()] == [(eggs_product.pk, 1)]

    # -- 6. the leader reads the month's books: each ledger adds up, and they agree -----------------
    month = {"first_0": today.month, "first_1": today.year + 543, "last_0": today.month, "last_1": today.year + 543}
    statement = selectors.statement(today.replace(day=1), today)
    assert (statement.opening_cash, statement.sales, statement.purchases) == (0, Decimal("728.00"), Decimal("1830.00"))
    page.goto(live_server.url + reverse("enterprise:cash_book"))
    cash = page.locator("#cash-ledger td.money")
    expect(cash).to_have_text(["0.00", "728.00", "1,830.00", format_baht(statement.closing_cash)])
    expect(page.locator("main .ledger-check.text-success")).to_have_count(1)
    shoot(page, "cash-book", desktop=True)

    page.goto(live_server.url + reverse("enterprise:stock") + "?" + urlencode(month))
    eggs_card = page.locator("#goods-ledgers .ledger").filter(has_text=EGGS)
    # At the start 0, received 1, given out 0, spoiled 0, counted 0, at the end 1, at cost 105.00.
    expect(eggs_card.locator("td.money")).to_have_text(["0", "1", "0", "0", "0", "1", "105.00"])
    expect(eggs_card.locator(".ledger-check.text-success")).to_have_count(1)
    expect(page.locator("#goods-ledgers .ledger")).to_have_count(1)  # no rice was left over
    shoot(page, "stock", desktop=True)

    page.goto(live_server.url + reverse("enterprise:statement") + "?" + urlencode(month))
    expect(page.locator("#statement-cash tr.fw-bold td.money")).to_have_text(format_baht(statement.closing_cash))
    expect(page.locator("#statement-stock tr").first.locator("td.money")).to_have_text("105.00")
    shoot(page, "statement", desktop=True)

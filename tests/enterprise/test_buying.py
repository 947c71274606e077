"""Buying rounds: treasurers order for their own members until the round closes; the leader sees
the totals in whole supplier packs and decides what to buy."""

import datetime
import gc
import io
import itertools
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from enterprise import selectors, services
from enterprise import views as enterprise_views
from enterprise.models import (
    Allocation,
    BuyingRound,
    CashEntry,
    CashKind,
    MemberPayment,
    Order,
    Product,
    StockMovement,
)
from groups.models import SavingsGroup
from songkhla_network import pdf
from songkhla_network.thai import be_date, format_baht
from tests.factories import make_group, make_products
from tests.helpers import assert_no_english, pdf_text, squeezed

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def products(db):
    return make_products(TODAY)


@pytest.fixture
def open_round(products, leader):
    return services.round_open(
        title="รอบทดสอบ",
        opened_on=TODAY,
        closes_on=TODAY + datetime.timedelta(days=7),
        pickup_on=TODAY + datetime.timedelta(days=10),
        user=leader,
    )


def sheet_url(buying_round, group):
    return reverse("enterprise:order_sheet", args=[buying_round.pk, group.pk])


def order_data(group, buying_round, quantities):
    """quantities: {(member number, product name): text}"""
    data = {}
    items = {i.product.name: i for i in buying_round.items.select_related("product")}
    for member in group.members.all():
        for name, item in items.items():
            data[f"qty_{member.pk}_{item.pk}"] = quantities.get((member.number, name), "")
    return data


def test_a_round_keeps_the_prices_of_the_day_it_opened(open_round, products):
    products[0].member_price = Decimal("150")
    products[0].save()
    item = open_round.items.get(product=products[0])
    assert item.member_price == Decimal("140.00") and item.units_per_pack == 6


def test_a_treasurer_orders_for_their_members(client, open_round, group_a, treasurer_a):
    client.force_login(treasurer_a)
    response = client.get(sheet_url(open_round, group_a))
    assert response.status_code == 200
    assert_no_english(response)
    response = client.post(
        sheet_url(open_round, group_a), order_data(group_a, open_round, {(1, "ข้าวสาร"): "๒", (2, "ไข่ไก่"): "3"})
    )
    assert response.status_code == 302
    assert sorted((o.member.number, o.item.product.name, o.quantity) for o in Order.objects.all()) == [
        (1, "ข้าวสาร", 2),
        (2, "ไข่ไก่", 3),
    ]
    # Changing and clearing orders while the round is open.
    client.post(sheet_url(open_round, group_a), order_data(group_a, open_round, {(1, "ข้าวสาร"): "4"}))
    assert [(o.member.number, o.quantity) for o in Order.objects.all()] == [(1, 4)]


# "²" passes str.isdigit() and "9" * 5000 is beyond int(): both once broke the page (found by fuzzing).
@pytest.mark.parametrize("typed", ["1.5", "-1", "สอง", "1e3", "²", "--5", "9" * 5000])
def test_a_quantity_that_is_not_a_whole_number_is_refused_beside_its_box(
    client, open_round, group_a, treasurer_a, typed
):
    client.force_login(treasurer_a)
    response = client.post(
        sheet_url(open_round, group_a), order_data(group_a, open_round, {(1, "ข้าวสาร"): typed, (2, "ไข่ไก่"): "1"})
    )
    assert response.status_code == 200
    assert any(response.context["form"].errors.values())
    assert_no_english(response)
    assert not Order.objects.exists()


def test_a_treasurer_cannot_order_for_another_group(client, open_round, group_a, group_b, treasurer_a):
    client.force_login(treasurer_a)
    assert client.get(sheet_url(open_round, group_b)).status_code == 404
    stranger = group_b.members.first()
    data = {
        **order_data(group_a, open_round, {(1, "ข้าวสาร"): "1"}),
        f"qty_{stranger.pk}_{open_round.items.first().pk}": "5",
    }
    response = client.post(sheet_url(open_round, group_a), data)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Order.objects.exists()


def test_an_order_after_the_round_closed_is_refused(client, open_round, group_a, treasurer_a, leader):
    services.round_close(buying_round=open_round, packs={i.pk: 0 for i in open_round.items.all()}, user=leader)
    client.force_login(treasurer_a)
    response = client.post(sheet_url(open_round, group_a), order_data(group_a, open_round, {(1, "ข้าวสาร"): "1"}))
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not Order.objects.exists()


def test_an_order_after_the_closing_date_is_refused(open_round, group_a, treasurer_a):
    member, item = group_a.members.first(), open_round.items.first()
    with pytest.raises(ValidationError):
        services.orders_replace(
            buying_round=open_round,
            group=group_a,
            quantities={(member.pk, item.pk): 1},
            user=treasurer_a,
            today=open_round.closes_on + datetime.timedelta(days=1),
        )
    assert not Order.objects.exists()


def test_totals_are_rounded_to_whole_supplier_packs(open_round, group_a, group_b, treasurer_a):
    rice = open_round.items.get(product__name="ข้าวสาร")
    eggs = open_round.items.get(product__name="ไข่ไก่")
    quantities_a = {(m.pk, rice.pk): 2 for m in group_a.members.all()}  # 6 bags: one full sack
    quantities_a[(group_a.members.get(number=1).pk, eggs.pk)] = 13  # 13 trays: 1 crate and 3 over
    services.orders_replace(
        buying_round=open_round, group=group_a, quantities=quantities_a, user=treasurer_a, today=TODAY
    )
    services.orders_replace(
        buying_round=open_round,
        group=group_b,
        quantities={(group_b.members.first().pk, rice.pk): 1},
        user=treasurer_a,
        today=TODAY,
    )
    totals = {t.item.product.name: t for t in selectors.item_totals(open_round)}
    assert (totals["ข้าวสาร"].ordered, totals["ข้าวสาร"].full_packs, totals["ข้าวสาร"].remainder) == (7, 1, 1)
    assert (totals["ข้าวสาร"].packs_up, totals["ข้าวสาร"].left_over_if_rounded_up) == (2, 5)
    assert (totals["ไข่ไก่"].ordered, totals["ไข่ไก่"].packs_up, totals["ไข่ไก่"].left_over_if_rounded_up) == (13, 2, 7)


def test_the_leader_closes_the_round_with_the_packs_to_buy(client, open_round, group_a, treasurer_a, leader):
    rice = open_round.items.get(product__name="ข้าวสาร")
    services.orders_replace(
        buying_round=open_round,
        group=group_a,
        quantities={(m.pk, rice.pk): 3 for m in group_a.members.all()},
        user=treasurer_a,
        today=TODAY,
    )
    client.force_login(leader)
    response = client.get(reverse("enterprise:round", args=[open_round.pk]))
    assert_no_english(response)
    fields = {f"packs_{i.pk}": "" for i in open_round.items.all()}
    bad = client.post(reverse("enterprise:round", args=[open_round.pk]), {**fields, f"packs_{rice.pk}": "-1"})
    assert bad.status_code == 200 and BuyingRound.objects.get().closed_at is None
    fields = {f"packs_{i.pk}": "0" for i in open_round.items.all()}
    fields[f"packs_{rice.pk}"] = "2"
    assert client.post(reverse("enterprise:round", args=[open_round.pk]), fields).status_code == 302
    assert open_round.items.get(pk=rice.pk).packs_to_buy == 2
    response = client.get(reverse("enterprise:purchase_orders", args=[open_round.pk]))
    page = response.content.decode()
    assert "1,560.00" in page and "หนึ่งพันห้าร้อยหกสิบบาทถ้วน" in page
    assert_no_english(response)
    with pytest.raises(ValidationError):
        services.round_close(buying_round=open_round, packs={i.pk: 1 for i in open_round.items.all()}, user=leader)


@pytest.mark.parametrize(
    "persona, sheet_a, round_page, new_round",
    [
        ("leader", 200, 200, 200),
        ("treasurer_a", 200, 200, 403),
        ("treasurer_b", 404, 200, 403),
        ("collector", 403, 403, 403),
        ("staff", 403, 200, 403),
        ("anonymous", 302, 302, 302),
    ],
)
def test_each_persona_gets_what_it_should_in_buying(
    personas, open_round, group_a, persona, sheet_a, round_page, new_round
):
    client = personas[persona]
    assert client.get(sheet_url(open_round, group_a)).status_code == sheet_a
    assert client.get(reverse("enterprise:round", args=[open_round.pk])).status_code == round_page
    assert client.get(reverse("enterprise:rounds")).status_code == round_page
    assert client.get(reverse("enterprise:round_new")).status_code == new_round


@pytest.mark.parametrize("persona", ["treasurer_a", "staff"])
def test_only_leaders_close_rounds(personas, open_round, persona):
    fields = {f"packs_{i.pk}": "1" for i in open_round.items.all()}
    response = personas[persona].post(reverse("enterprise:round", args=[open_round.pk]), fields)
    assert response.status_code == 403
    assert BuyingRound.objects.get().closed_at is None


@pytest.mark.parametrize("members", [3, 40])
def test_the_order_sheet_and_round_page_take_the_same_queries_whatever_the_rows(
    client, open_round, leader, django_assert_max_num_queries, members
):
    group = make_group("กลุ่มใหญ่", "ชุมชนใหญ่", members=members)
    quantities = {(m.pk, i.pk): 1 for m in group.members.all() for i in open_round.items.all()}
    services.orders_replace(buying_round=open_round, group=group, quantities=quantities, user=leader, today=TODAY)
    client.force_login(leader)
    with django_assert_max_num_queries(10):
        assert client.get(sheet_url(open_round, group)).status_code == 200
    # Session, user, round, access, items, members, orders; then the delete (with its check for
    # allocations) and the session's message.
    with django_assert_max_num_queries(22):
        assert client.post(sheet_url(open_round, group), order_data(group, open_round, {})).status_code == 302
    with django_assert_max_num_queries(10):
        assert client.get(reverse("enterprise:round", args=[open_round.pk])).status_code == 200


# Receiving, sharing out, pick-up and payment.


@pytest.fixture
def closed_round(open_round, group_a, group_b, treasurer_a, leader):
    """Rice: A1 ordered 4, A2 ordered 2, B1 ordered 1 (7 bags); eggs: A1 ordered 5. Two sacks of
    rice (12 bags) and one crate of eggs (10 trays) bought."""
    rice = open_round.items.get(product__name="ข้าวสาร")
    eggs = open_round.items.get(product__name="ไข่ไก่")
    a1, a2 = group_a.members.get(number=1), group_a.members.get(number=2)
    services.orders_replace(
        buying_round=open_round,
        group=group_a,
        quantities={(a1.pk, rice.pk): 4, (a2.pk, rice.pk): 2, (a1.pk, eggs.pk): 5},
        user=treasurer_a,
        today=TODAY,
    )
    services.orders_replace(
        buying_round=open_round,
        group=group_b,
        quantities={(group_b.members.get(number=1).pk, rice.pk): 1},
        user=leader,
        today=TODAY,
    )
    services.round_close(buying_round=open_round, packs={rice.pk: 2, eggs.pk: 1}, user=leader)
    return open_round


def receive(buying_round, leader, rice, eggs, notes=None):
    items = {i.product.name: i.pk for i in buying_round.items.select_related("product")}
    return services.round_receive(
        buying_round=buying_round,
        received={items["ข้าวสาร"]: rice, items["ไข่ไก่"]: eggs},
        notes=notes or {},
        date=TODAY,
        user=leader,
    )


def shares(buying_round):
    return {
        (a.order.member.group.name, a.order.member.number, a.order.item.product.name): a.quantity
        for a in Allocation.objects.filter(order__item__round=buying_round).select_related(
            "order__member__group", "order__item__product"
        )
    }


@pytest.mark.parametrize(
    "available, orders, expected",
    [
        (30, [("a", 4)] * 1 + [("b", 4), ("c", 4), ("d", 4), ("e", 4), ("f", 4), ("g", 4), ("h", 4)], None),
        (5, [("a", 3), ("b", 3), ("c", 1)], {"a": 2, "b": 2, "c": 1}),
        (10, [("a", 3), ("b", 3)], {"a": 3, "b": 3}),
        (0, [("a", 3), ("b", 1)], {"a": 0, "b": 0}),
        (1, [("a", 1), ("b", 1)], {"a": 1, "b": 0}),
    ],
)
def test_a_short_delivery_is_shared_fairly_and_never_more_than_arrived(available, orders, expected):
    result = services.share_out(available, orders)
    if expected is not None:
        assert result == expected
    assert sum(result.values()) == min(available, sum(q for _, q in orders))
    assert all(0 <= result[k] <= q for k, q in orders)
    total = sum(q for _, q in orders)
    # Nobody is further than one unit from their exact proportional share.
    assert all(abs(result[k] - min(q, available * q / total)) < 1 for k, q in orders)


def test_when_enough_arrives_everyone_gets_their_order_and_the_rest_is_stock(closed_round, leader):
    receive(closed_round, leader, rice=2, eggs=1)
    assert shares(closed_round) == {
        ("กลุ่มเอ", 1, "ข้าวสาร"): 4,
        ("กลุ่มเอ", 2, "ข้าวสาร"): 2,
        ("กลุ่มบี", 1, "ข้าวสาร"): 1,
        ("กลุ่มเอ", 1, "ไข่ไก่"): 5,
    }
    levels = {row["product"].name: row["units"] for row in selectors.stock_levels()}
    assert levels == {"ข้าวสาร": 5, "ไข่ไก่": 5}
    assert CashEntry.objects.get(kind=CashKind.PURCHASE).amount == -(2 * Decimal("780") + Decimal("1050"))


def test_a_short_delivery_is_shared_out_and_each_member_sees_why(client, closed_round, leader, treasurer_a):
    receive(closed_round, leader, rice=1, eggs=0)  # 6 bags for 7 ordered; no eggs at all
    got = shares(closed_round)
    assert sum(v for k, v in got.items() if k[2] == "ข้าวสาร") == 6
    assert got[("กลุ่มเอ", 1, "ไข่ไก่")] == 0
    assert not StockMovement.objects.exists()
    client.force_login(treasurer_a)
    response = client.get(reverse("enterprise:pickup", args=[closed_round.pk]))
    assert_no_english(response)
    reasons = [line.reason for bill in response.context["by_group"][0]["bills"] for line in bill.lines]
    assert any("6" in r and "7" in r for r in reasons)
    assert all(bill.member.group.name == "กลุ่มเอ" for entry in response.context["by_group"] for bill in entry["bills"])


def test_receiving_more_than_was_bought_needs_a_reason(closed_round, leader):
    with pytest.raises(ValidationError):
        receive(closed_round, leader, rice=3, eggs=1)
    assert not Allocation.objects.exists() and not CashEntry.objects.exists()
    receive(closed_round, leader, rice=3, eggs=1, notes={closed_round.items.get(product__name="ข้าวสาร").pk: "ร้านแถมให้"})
    assert {row["product"].name: row["units"] for row in selectors.stock_levels()}["ข้าวสาร"] == 11


def test_goods_are_received_once(closed_round, leader):
    receive(closed_round, leader, rice=2, eggs=1)
    with pytest.raises(ValidationError):
        receive(closed_round, leader, rice=2, eggs=1)
    assert CashEntry.objects.count() == 1


def test_the_leader_can_change_a_share_and_the_stock_follows(closed_round, leader):
    receive(closed_round, leader, rice=2, eggs=1)
    allocation = Allocation.objects.get(order__member__number=2, order__item__product__name="ข้าวสาร")
    with pytest.raises(ValidationError):
        services.allocation_override(allocation=allocation, quantity=3, reason="ขอเพิ่ม", date=TODAY, user=leader)
    with pytest.raises(ValidationError):
        services.allocation_override(allocation=allocation, quantity=1, reason="", date=TODAY, user=leader)
    services.allocation_override(allocation=allocation, quantity=1, reason="ขอลดเอง", date=TODAY, user=leader)
    assert {row["product"].name: row["units"] for row in selectors.stock_levels()}["ข้าวสาร"] == 6
    allocation.refresh_from_db()
    assert (allocation.quantity, allocation.reason) == (1, "ขอลดเอง")


def test_a_share_cannot_grow_beyond_the_stock(closed_round, leader):
    receive(closed_round, leader, rice=1, eggs=0)  # nothing left over
    allocation = Allocation.objects.filter(
        order__item__product__name="ข้าวสาร", quantity__lt=F("order__quantity")
    ).first()
    with pytest.raises(ValidationError):
        services.allocation_override(
            allocation=allocation, quantity=allocation.order.quantity, reason="ขอเพิ่ม", date=TODAY, user=leader
        )
    assert not StockMovement.objects.exists()


def test_payments_are_recorded_per_member_and_never_exceed_what_is_owed(
    client, closed_round, leader, treasurer_a, group_a
):
    receive(closed_round, leader, rice=2, eggs=1)
    a1 = group_a.members.get(number=1)
    bill = selectors.member_bill(closed_round, a1)
    assert bill.due == 4 * Decimal("140") + 5 * Decimal("112")
    assert bill.saved == 4 * Decimal("25") + 5 * Decimal("18")
    client.force_login(treasurer_a)
    url = reverse("enterprise:payment", args=[closed_round.pk, a1.pk])
    too_much = client.post(url, {"amount": "5,000", "date": TODAY.strftime("%d/%m/") + str(TODAY.year + 543)})
    assert too_much.status_code == 200 and too_much.context["form"].errors["amount"]
    assert_no_english(too_much)
    ok = client.post(url, {"amount": "500", "date": TODAY.strftime("%d/%m/") + str(TODAY.year + 543)})
    assert ok.status_code == 302
    assert selectors.member_bill(closed_round, a1).owed == bill.due - 500
    assert CashEntry.objects.get(kind=CashKind.SALE).amount == Decimal("500.00")
    # A wrong payment is reversed in the cash book, and the member owes it again.
    services.cash_reverse(entry=CashEntry.objects.get(kind=CashKind.SALE), date=TODAY, reason="นับผิด", user=leader)
    assert selectors.member_bill(closed_round, a1).owed == bill.due


def test_a_treasurer_records_payments_for_their_own_members_only(client, closed_round, leader, treasurer_a, group_b):
    receive(closed_round, leader, rice=2, eggs=1)
    client.force_login(treasurer_a)
    url = reverse("enterprise:payment", args=[closed_round.pk, group_b.members.get(number=1).pk])
    assert client.post(url, {"amount": "10", "date": "1/1/2565"}).status_code == 404
    assert not MemberPayment.objects.exists()


@pytest.mark.parametrize(
    "persona, pickup, stock, receive_page",
    [
        ("leader", 200, 200, 404),
        ("treasurer_a", 200, 403, 403),
        ("treasurer_b", 200, 403, 403),
        ("collector", 403, 403, 403),
        ("staff", 200, 200, 403),
        ("anonymous", 302, 302, 302),
    ],
)
def test_each_persona_gets_what_it_should_after_receiving(
    personas, closed_round, leader, persona, pickup, stock, receive_page
):
    receive(closed_round, leader, rice=2, eggs=1)
    client = personas[persona]
    assert client.get(reverse("enterprise:pickup", args=[closed_round.pk])).status_code == pickup
    assert client.get(reverse("enterprise:pickup_pdf", args=[closed_round.pk])).status_code == pickup
    assert client.get(reverse("enterprise:stock")).status_code == stock
    # Received already: the receiving page is gone for leaders, forbidden to others.
    assert client.get(reverse("enterprise:round_receive", args=[closed_round.pk])).status_code == receive_page


@pytest.mark.parametrize("members", [3, 30])
def test_the_pickup_list_takes_the_same_queries_whatever_the_rows(
    client, open_round, leader, django_assert_max_num_queries, members
):
    group = make_group("กลุ่มรับของ", "ชุมชนรับของ", members=members)
    quantities = {(m.pk, i.pk): 1 for m in group.members.all() for i in open_round.items.all()}
    services.orders_replace(buying_round=open_round, group=group, quantities=quantities, user=leader, today=TODAY)
    services.round_close(buying_round=open_round, packs={i.pk: 1 for i in open_round.items.all()}, user=leader)
    services.round_receive(
        buying_round=open_round, received={i.pk: 1 for i in open_round.items.all()}, notes={}, date=TODAY, user=leader
    )
    client.force_login(leader)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("enterprise:pickup", args=[open_round.pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("enterprise:pickup_pdf", args=[open_round.pk])).status_code == 200


def goods_lines(buying_round, member):
    """What the pick-up list says the member takes home, a line per good: the quantity received,
    and what was ordered when a short delivery gave less."""
    allocations = Allocation.objects.filter(order__item__round=buying_round, order__member=member)
    return [
        f"{a.order.item.product.name} × {a.quantity}"
        + (f" (สั่ง {a.order.quantity})" if a.quantity != a.order.quantity else "")
        for a in allocations.select_related("order__item__product").order_by("order__item__product__name")
    ]


def assert_lists_every_member_and_good(text, buying_round, group):
    """Every member who ordered, by number and name, with their goods, each on a line of its own."""
    members = group.members.filter(orders__item__round=buying_round).distinct().select_related("person")
    assert members
    for member in members:
        assert squeezed(f"{member.number}. {member.person}") in squeezed(text)
        lines = goods_lines(buying_round, member)
        assert all(line in text for line in lines), lines
        for line, next_line in itertools.pairwise(lines):
            assert re.search(re.escape(line) + r" *\n" + re.escape(next_line), text), (line, next_line)


def test_the_pickup_list_prints_as_a_thai_pdf_with_page_numbers(client, closed_round, leader, treasurer_a, group_a):
    receive(closed_round, leader, rice=1, eggs=0)  # 6 bags of rice for 7 ordered, no eggs
    client.force_login(treasurer_a)
    response = client.get(reverse("enterprise:pickup_pdf", args=[closed_round.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "รายการรับสินค้า: รอบทดสอบ" in text and "กลุ่มเอ" in text and "กลุ่มบี" not in text
    assert_lists_every_member_and_good(text, closed_round, group_a)
    assert "ไข่ไก่ × 0 (สั่ง 5)" in text
    bills = selectors.bills(closed_round, groups=SavingsGroup.objects.filter(pk=group_a.pk))
    for bill in bills:
        assert format_baht(bill.due) in text and format_baht(bill.owed) in text
    assert squeezed(f"รวม {format_baht(sum(b.due for b in bills))}") in squeezed(text)
    assert "ลายมือชื่อ" in text and "หน้า 1 จาก 1" in text and "Page" not in text


def long_round(buying_round, leader, groups=3, members=30):
    """`buying_round` ordered by `groups` new groups of `members` members each (rice and eggs),
    closed and received with a sack of rice short: the groups, in the list's order."""
    made = [make_group(f"กลุ่มส่วน{k}", f"ชุมชนส่วน{k}", members=members) for k in range(1, groups + 1)]
    rice, eggs = (buying_round.items.get(product__name=name) for name in ("ข้าวสาร", "ไข่ไก่"))
    for group in made:
        quantities = {}
        for member in group.members.all():
            quantities[(member.pk, rice.pk)] = 1 + member.number % 3
            quantities[(member.pk, eggs.pk)] = 1 + member.number % 2
        services.orders_replace(buying_round=buying_round, group=group, quantities=quantities, user=leader, today=TODAY)
    packs = {t.item.pk: t.packs_up for t in selectors.item_totals(buying_round)}
    services.round_close(buying_round=buying_round, packs=packs, user=leader)
    received = {**packs, rice.pk: packs[rice.pk] - 1}
    services.round_receive(buying_round=buying_round, received=received, notes={}, date=TODAY, user=leader)
    return sorted(made, key=lambda group: group.name)


def test_a_long_pickup_list_prints_every_member_and_good_on_numbered_pages(client, open_round, leader):
    (group,) = long_round(open_round, leader, groups=1, members=40)  # a sack of rice short: some get less
    client.force_login(leader)
    text = pdf_text(client.get(reverse("enterprise:pickup_pdf", args=[open_round.pk])).content)
    assert_lists_every_member_and_good(text, open_round, group)
    assert "(สั่ง" in text
    pages = int(re.search(r"หน้า 1 จาก (\d+)", text).group(1))
    assert pages >= 3
    assert all(f"หน้า {page} จาก {pages}" in text for page in range(1, pages + 1))
    # The column headings on every page the group's table runs over.
    assert text.count("ลายมือชื่อ") == pages


@pytest.fixture
def two_cores(monkeypatch):
    """Parts of 20 rows, on two cores whatever the machine's: a list of 90 members in two parts."""
    monkeypatch.setattr(pdf, "ROWS_PER_PART", 20)
    monkeypatch.setattr(pdf.os, "sched_getaffinity", lambda pid: {0, 1})


def test_a_long_pickup_list_laid_out_in_two_processes_reads_as_one_document(
    client, open_round, leader, two_cores, monkeypatch
):
    # The network's list of 500 members takes two cores: its groups are laid out in two parts at
    # once, and joined. It must read as one document: every member once, the title once, the
    # pages numbered 1 to N of N in order, the date on each, bookmarks to every group.
    from pypdf import PdfReader

    groups = long_round(open_round, leader)
    client.force_login(leader)
    url = reverse("enterprise:pickup_pdf", args=[open_round.pk])
    laid = []
    monkeypatch.setattr(pdf, "_part", lambda html, *args, _part=pdf._part: laid.append(html) or _part(html, *args))
    content = client.get(url).content
    assert len(laid) == 1  # this process's part: the other one in a forked process
    text = pdf_text(content)
    for group in groups:
        assert_lists_every_member_and_good(text, open_round, group)
    assert [text.index(group.name) for group in groups] == sorted(text.index(group.name) for group in groups)
    assert text.count("รายการรับสินค้า: รอบทดสอบ") == 1 and text.count("รับสินค้าวันที่") == 1
    reader = PdfReader(io.BytesIO(content))
    pages = len(reader.pages)
    assert pages >= 6
    footers = [re.findall(r"หน้า (\d+) จาก (\d+)", page.extract_text()) for page in reader.pages]
    assert footers == [[(str(n), str(pages))] for n in range(1, pages + 1)]
    assert all(be_date(timezone.localdate()) in page.extract_text() for page in reader.pages)
    assert reader.metadata.title == "รายการรับสินค้า รอบทดสอบ" and reader.root_object["/Lang"] == "th"
    # One bookmark, the title, holding the groups' in order, each to the page its table begins on.
    title, children = reader.outline
    assert title.title == "รายการรับสินค้า: รอบทดสอบ" and reader.get_destination_page_number(title) == 0
    assert [child.title for child in children] == [group.name for group in groups]
    for child in children:
        page = reader.pages[reader.get_destination_page_number(child)].extract_text()
        assert child.title in page and f"1. {child.title}" not in page
    # The same rows, in the same order, as the list laid out whole in this process.
    monkeypatch.setattr(pdf, "ROWS_PER_PART", 1000)
    whole = pdf_text(client.get(url).content)

    def members(text):
        return [line for line in text.splitlines() if re.match(r"\d+\. ", line)]

    assert len(members(text)) == 90 and members(text) == members(whole)


def test_a_part_that_fails_fails_the_document_and_leaves_no_process_behind(
    rf, open_round, leader, two_cores, monkeypatch
):
    import multiprocessing

    long_round(open_round, leader)
    request = rf.get("/")
    request.user = leader
    context = {**enterprise_views._pickup_context(request, open_round), "printed_on": ""}
    parts = [{"by_group": run} for run in pdf.parts_of(context["by_group"], lambda entry: len(entry["bills"]))]
    assert len(parts) == 2

    def layout(html, _layout=pdf._layout):
        if "<h1>" not in html:  # the second part's, in the forked process
            raise ValueError("ไม่มีหัวเรื่อง")
        return _layout(html)

    monkeypatch.setattr(pdf, "_layout", layout)
    with pytest.raises(RuntimeError):
        pdf.render_pdf_in_parts("enterprise/pickup_list_pdf.html", context, parts)
    assert multiprocessing.active_children() == []
    assert gc.isenabled()


def test_the_pickup_list_puts_each_surname_whole_on_a_line_of_its_own(client, closed_round, leader, group_a):
    # Thai has no space inside a word: a narrow column would otherwise split a surname between
    # two syllables (หมัดอา|ดัม), and a leader calling names out would misread it.
    receive(closed_round, leader, rice=1, eggs=0)
    person = group_a.members.filter(orders__item__round=closed_round).first().person
    person.title, person.first_name, person.last_name = "นางสาว", "อับดุลเลาะ", "หมัดอาดัมสุวรรณ"
    person.save()
    client.force_login(leader)
    text = pdf_text(client.get(reverse("enterprise:pickup_pdf", args=[closed_round.pk])).content)
    assert "นางสาวอับดุลเลาะ" in text and "หมัดอาดัมสุวรรณ" in text
    # The surname on a line of its own, as every member's.
    assert not [line for line in text.splitlines() if "อับดุลเลาะ" in line and "หมัดอาดัม" in line]
    assert "สมาชิก2\nกลุ่มเอ" in text


def test_the_pickup_list_keeps_its_five_columns_and_a_line_to_sign_on_under_every_member(
    rf, closed_round, leader, group_a
):
    # A member's row has four cells and none in the signature column (fewer boxes for WeasyPrint
    # to lay out): the row's own bottom border draws the line to sign on there, and the amounts
    # stay right-aligned in their columns.
    from weasyprint.formatting_structure.boxes import TableBox  # the PDF's layout, as pdf.py imports it: late

    receive(closed_round, leader, rice=1, eggs=0)
    request = rf.get("/")
    request.user = leader
    context = {**enterprise_views._pickup_context(request, closed_round), "printed_on": ""}
    document = pdf.render_document("enterprise/pickup_list_pdf.html", context)
    tables = [box for page in document.pages for box in page._page_box.descendants() if isinstance(box, TableBox)]
    assert len(tables) == 2  # groups A and B, a table each
    for table in tables:
        assert [round(width / table.width * 100) for width in table.column_widths] == [30, 26, 15, 15, 14]
        _, horizontal_borders = table.collapsed_border_grid
        # Under the headings, under every member and under the total, across all five columns.
        for line in horizontal_borders[1:]:
            assert all(width > 0 for _, (_, width, _) in line), line
        rows = [row for group in table.children if not (group.is_header or group.is_footer) for row in group.children]
        assert rows
        for row in rows:
            assert len(row.children) == 4
            for cell in row.children[2:]:
                (line,) = cell.children
                (amount,) = line.children
                assert amount.position_x + amount.width == pytest.approx(cell.content_box_x() + cell.width)


def test_stock_goes_out_spoils_and_is_counted_but_never_below_zero(client, closed_round, leader):
    receive(closed_round, leader, rice=2, eggs=1)  # 5 bags of rice and 5 trays of eggs left over
    rice = Product.objects.get(name="ข้าวสาร")
    services.stock_move(product=rice, kind="out", quantity=2, date=TODAY, note="ขายให้ชุมชน", user=leader)
    services.stock_move(product=rice, kind="spoiled", quantity=1, date=TODAY, note="ถุงขาด", user=leader)
    with pytest.raises(ValidationError):
        services.stock_move(product=rice, kind="out", quantity=3, date=TODAY, note="", user=leader)
    services.stock_move(product=rice, kind="counted", quantity=1, date=TODAY, note="นับได้ 1", user=leader)
    with pytest.raises(ValidationError):
        services.stock_move(product=rice, kind="counted", quantity=1, date=TODAY, note="", user=leader)
    levels = {row["product"].name: row for row in selectors.stock_levels(TODAY)}
    assert levels["ข้าวสาร"]["units"] == 1 and levels["ข้าวสาร"]["days"] == 0
    client.force_login(leader)
    response = client.post(
        reverse("enterprise:stock"),
        {"product": rice.pk, "kind": "out", "quantity": "5", "date": "1/1/2565", "note": ""},
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert_no_english(response)
    assert selectors.stock_on_hand(rice) == 1


@pytest.mark.parametrize("members", [3, 30])
def test_the_other_enterprise_pages_take_the_same_queries_whatever_the_rows(
    client, open_round, leader, django_assert_max_num_queries, members
):
    group = make_group("กลุ่มนับ", "ชุมชนนับ", members=members)
    quantities = {(m.pk, i.pk): 2 for m in group.members.all() for i in open_round.items.all()}
    services.orders_replace(buying_round=open_round, group=group, quantities=quantities, user=leader, today=TODAY)
    services.round_close(buying_round=open_round, packs={i.pk: members for i in open_round.items.all()}, user=leader)
    services.round_receive(
        buying_round=open_round,
        received={i.pk: members for i in open_round.items.all()},
        notes={},
        date=TODAY,
        user=leader,
    )
    for member in group.members.all()[: members // 2]:
        services.payment_post(buying_round=open_round, member=member, amount=Decimal("10"), date=TODAY, user=leader)
    client.force_login(leader)
    months = {
        "first_0": "1",
        "first_1": str(TODAY.year + 543),
        "last_0": str(TODAY.month),
        "last_1": str(TODAY.year + 543),
    }
    for name, args, params, limit in [
        ("statement", [], months, 14),
        ("statement_xlsx", [], months, 14),
        ("stock", [], {}, 8),
        ("rounds", [], {}, 6),
        ("purchase_orders", [open_round.pk], {}, 8),
        ("cash_book", [], {}, 8),
        ("overview", [], {}, 8),
    ]:
        with django_assert_max_num_queries(limit):
            assert client.get(reverse(f"enterprise:{name}", args=args), params).status_code == 200, name

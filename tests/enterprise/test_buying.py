"""Buying rounds: treasurers order for their own members until the round closes; the leader sees
the totals in whole supplier packs and decides what to buy."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from enterprise import selectors, services
from enterprise.models import BuyingRound, Order, Product, Supplier
from tests.conftest import make_group
from tests.groups.test_access import assert_no_english

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def products(db):
    supplier = Supplier.objects.create(name="ร้านข้าว")
    return [
        Product.objects.create(
            name="ข้าวสาร", unit="ถุง 5 กก.", supplier=supplier, pack_name="กระสอบ", units_per_pack=6,
            pack_price=Decimal("780"), member_price=Decimal("140"), retail_price=Decimal("165"), retail_seen_on=TODAY,
        ),
        Product.objects.create(
            name="ไข่ไก่", unit="แผง", supplier=supplier, pack_name="ลัง", units_per_pack=10,
            pack_price=Decimal("1050"), member_price=Decimal("112"), retail_price=Decimal("130"), retail_seen_on=TODAY,
        ),
    ]  # fmt: skip


@pytest.fixture
def open_round(products, leader):
    return services.round_open(
        title="รอบทดสอบ", opened_on=TODAY, closes_on=TODAY + datetime.timedelta(days=7),
        pickup_on=TODAY + datetime.timedelta(days=10), user=leader,
    )  # fmt: skip


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
    response = client.post(sheet_url(open_round, group_a), order_data(group_a, open_round, {(1, "ข้าวสาร"): "๒", (2, "ไข่ไก่"): "3"}))
    assert response.status_code == 302
    assert sorted((o.member.number, o.item.product.name, o.quantity) for o in Order.objects.all()) == [
        (1, "ข้าวสาร", 2), (2, "ไข่ไก่", 3),
    ]  # fmt: skip
    # Changing and clearing orders while the round is open.
    client.post(sheet_url(open_round, group_a), order_data(group_a, open_round, {(1, "ข้าวสาร"): "4"}))
    assert [(o.member.number, o.quantity) for o in Order.objects.all()] == [(1, 4)]


@pytest.mark.parametrize("typed", ["1.5", "-1", "สอง", "1e3"])
def test_a_quantity_that_is_not_a_whole_number_is_refused_beside_its_box(client, open_round, group_a, treasurer_a, typed):
    client.force_login(treasurer_a)
    response = client.post(sheet_url(open_round, group_a), order_data(group_a, open_round, {(1, "ข้าวสาร"): typed, (2, "ไข่ไก่"): "1"}))
    assert response.status_code == 200
    assert any(response.context["form"].errors.values())
    assert_no_english(response)
    assert not Order.objects.exists()


def test_a_treasurer_cannot_order_for_another_group(client, open_round, group_a, group_b, treasurer_a):
    client.force_login(treasurer_a)
    assert client.get(sheet_url(open_round, group_b)).status_code == 404
    stranger = group_b.members.first()
    data = {**order_data(group_a, open_round, {(1, "ข้าวสาร"): "1"}), f"qty_{stranger.pk}_{open_round.items.first().pk}": "5"}
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
            buying_round=open_round, group=group_a, quantities={(member.pk, item.pk): 1}, user=treasurer_a,
            today=open_round.closes_on + datetime.timedelta(days=1),
        )  # fmt: skip
    assert not Order.objects.exists()


def test_totals_are_rounded_to_whole_supplier_packs(open_round, group_a, group_b, treasurer_a):
    rice = open_round.items.get(product__name="ข้าวสาร")
    eggs = open_round.items.get(product__name="ไข่ไก่")
    quantities_a = {(m.pk, rice.pk): 2 for m in group_a.members.all()}  # 6 bags: one full sack
    quantities_a[(group_a.members.get(number=1).pk, eggs.pk)] = 13  # 13 trays: 1 crate and 3 over
    services.orders_replace(buying_round=open_round, group=group_a, quantities=quantities_a, user=treasurer_a, today=TODAY)
    services.orders_replace(
        buying_round=open_round, group=group_b, quantities={(group_b.members.first().pk, rice.pk): 1}, user=treasurer_a, today=TODAY
    )
    totals = {t.item.product.name: t for t in selectors.item_totals(open_round)}
    assert (totals["ข้าวสาร"].ordered, totals["ข้าวสาร"].full_packs, totals["ข้าวสาร"].remainder) == (7, 1, 1)
    assert (totals["ข้าวสาร"].packs_up, totals["ข้าวสาร"].left_over_if_rounded_up) == (2, 5)
    assert (totals["ไข่ไก่"].ordered, totals["ไข่ไก่"].packs_up, totals["ไข่ไก่"].left_over_if_rounded_up) == (13, 2, 7)


def test_the_leader_closes_the_round_with_the_packs_to_buy(client, open_round, group_a, treasurer_a, leader):
    rice = open_round.items.get(product__name="ข้าวสาร")
    services.orders_replace(
        buying_round=open_round, group=group_a, quantities={(m.pk, rice.pk): 3 for m in group_a.members.all()},
        user=treasurer_a, today=TODAY,
    )  # fmt: skip
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
def test_each_persona_gets_what_it_should_in_buying(personas, open_round, group_a, persona, sheet_a, round_page, new_round):
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
    # Session, user, round, access, items, members, orders; then one delete and the session's message.
    with django_assert_max_num_queries(20):
        assert client.post(sheet_url(open_round, group), order_data(group, open_round, {})).status_code == 302
    with django_assert_max_num_queries(10):
        assert client.get(reverse("enterprise:round", args=[open_round.pk])).status_code == 200

"""Making cleaning liquids: materials at cost, batches that never take more than is in stock,
cost per litre, and sharing and selling with the money in the cash book."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from enterprise import selectors, services
from enterprise.models import Batch, CashEntry, Ingredient, LiquidSale, MaterialMovement, RawMaterial, Recipe
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

DAY = datetime.date(2022, 3, 20)


@pytest.fixture
def recipe(leader):
    n70 = RawMaterial.objects.create(name="หัวเชื้อ N70", unit="กก.")
    salt = RawMaterial.objects.create(name="เกลือ", unit="กก.")
    services.material_buy(material=n70, quantity=Decimal("10"), cost=Decimal("700"), date=DAY, user=leader)
    services.material_buy(material=salt, quantity=Decimal("4"), cost=Decimal("40"), date=DAY, user=leader)
    recipe = Recipe.objects.create(
        name="น้ำยาล้างจาน", expected_litres=Decimal("20"), member_price=Decimal("15"), community_price=Decimal("20")
    )
    Ingredient.objects.create(recipe=recipe, material=n70, quantity=Decimal("2"))
    Ingredient.objects.create(recipe=recipe, material=salt, quantity=Decimal("1"))
    return recipe


def test_a_batch_uses_its_materials_at_cost(recipe, leader, group_a):
    batch = services.batch_make(
        recipe=recipe, date=DAY, scale=Decimal("1.5"), litres=Decimal("30"), makers=group_a.members.all(), user=leader
    )
    assert batch.cost == Decimal("3") * 70 + Decimal("1.5") * 10  # 210 + 15
    assert batch.cost_per_litre == Decimal("7.5")
    assert batch.makers.count() == 3
    levels = {row["material"].name: (row["quantity"], row["value"]) for row in selectors.material_levels()}
    assert levels == {"หัวเชื้อ N70": (Decimal("7.000"), Decimal("490.00")), "เกลือ": (Decimal("2.500"), Decimal("25.00"))}
    assert CashEntry.objects.count() == 2  # the purchases; making a batch moves no cash


def test_a_batch_that_needs_more_than_is_in_stock_is_refused_and_writes_nothing(recipe, leader):
    with pytest.raises(ValidationError) as error:
        services.batch_make(recipe=recipe, date=DAY, scale=Decimal("5"), litres=Decimal("100"), makers=[], user=leader)
    assert "เกลือ" in str(error.value)
    assert not Batch.objects.exists() and MaterialMovement.objects.count() == 2


def test_sharing_and_selling_price_the_litres_and_fill_the_cash_book(recipe, leader, group_a):
    services.batch_make(recipe=recipe, date=DAY, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader)
    member = group_a.members.first()
    services.liquid_sell(
        recipe=recipe, buyer=LiquidSale.Buyer.MEMBER, member=member, litres=Decimal("2"), date=DAY, user=leader
    )
    services.liquid_sell(
        recipe=recipe, buyer=LiquidSale.Buyer.COMMUNITY, member=None, litres=Decimal("3"), date=DAY, user=leader
    )
    assert sorted(LiquidSale.objects.values_list("amount", flat=True)) == [Decimal("30.00"), Decimal("60.00")]
    [figures] = selectors.liquid_ledgers(DAY, DAY)
    assert (figures.closing, figures.cost_per_litre, figures.margin_per_litre) == (
        Decimal("15"),
        Decimal("7.50"),
        Decimal("7.50"),
    )
    with pytest.raises(ValidationError):
        services.liquid_sell(
            recipe=recipe, buyer=LiquidSale.Buyer.COMMUNITY, member=None, litres=Decimal("16"), date=DAY, user=leader
        )


def test_a_wrong_sale_is_reversed_and_the_litres_come_back(recipe, leader):
    services.batch_make(recipe=recipe, date=DAY, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader)
    sale = services.liquid_sell(
        recipe=recipe, buyer=LiquidSale.Buyer.COMMUNITY, member=None, litres=Decimal("20"), date=DAY, user=leader
    )
    services.cash_reverse(entry=sale.cash_entry, date=DAY, reason="ขายผิด", user=leader)
    assert selectors.liquid_in_stock(recipe) == Decimal("20")


def test_a_material_purchase_already_used_cannot_be_reversed(recipe, leader):
    services.batch_make(recipe=recipe, date=DAY, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader)
    purchase = MaterialMovement.objects.get(material__name="หัวเชื้อ N70", kind="bought").cash_entry
    with pytest.raises(ValidationError):
        services.cash_reverse(entry=purchase, date=DAY, reason="ซื้อผิด", user=leader)


@pytest.mark.parametrize(
    "field, value", [("litres", "0"), ("litres", "-3"), ("litres", "สิบ"), ("scale", "0"), ("date", "20/3/2022")]
)
def test_a_wrong_batch_gets_a_thai_message_and_writes_nothing(client, recipe, leader, field, value):
    client.force_login(leader)
    data = {"recipe": recipe.pk, "date": "20/3/2565", "scale": "1", "litres": "20"}
    data[field] = value
    response = client.post(reverse("enterprise:batch_new"), data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert_no_english(response)
    assert not Batch.objects.exists()


def test_a_member_sale_needs_the_member(client, recipe, leader):
    services.batch_make(recipe=recipe, date=DAY, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader)
    client.force_login(leader)
    response = client.post(
        reverse("enterprise:liquid_sale"), {"recipe": recipe.pk, "buyer": "member", "litres": "1", "date": "20/3/2565"}
    )
    assert response.status_code == 200 and response.context["form"].errors["member"]
    assert not LiquidSale.objects.exists()


@pytest.mark.parametrize(
    "persona, read, write",
    [
        ("leader", 200, 200),
        ("staff", 200, 403),
        ("treasurer_a", 403, 403),
        ("collector", 403, 403),
        ("anonymous", 302, 302),
    ],
)
def test_each_persona_gets_what_it_should_in_production(personas, recipe, persona, read, write):
    client = personas[persona]
    response = client.get(reverse("enterprise:production"))
    assert response.status_code == read
    if read == 200:
        assert_no_english(response)
    for name in ["material_buy", "batch_new", "liquid_sale"]:
        assert client.get(reverse(f"enterprise:{name}")).status_code == write


def test_the_production_page_takes_the_same_queries_whatever_the_batches(
    client, recipe, leader, django_assert_max_num_queries
):
    client.force_login(leader)
    for _ in range(5):
        services.batch_make(recipe=recipe, date=DAY, scale=Decimal("0.1"), litres=Decimal("2"), makers=[], user=leader)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("enterprise:production")).status_code == 200

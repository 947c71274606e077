"""Enterprise forms under fuzzing: donations and their reversal, the levy, cash reversals, buying
rounds (opening, orders, closing, receiving, payments, the leader's override), stock, production
and a batch's reversal. What goes through writes its money row and its cash-book row with the same
amount; stock and liquids never go below zero; the ledger pages take any period."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from enterprise import selectors
from enterprise.forms import QuantityField, WholeUnitsField
from enterprise.models import (
    Allocation,
    Batch,
    BatchReversal,
    BuyingRound,
    CashEntry,
    CashKind,
    Donation,
    DonationReversal,
    LevyLine,
    LevyPosting,
    LiquidSale,
    MaterialMovement,
    MemberPayment,
    Order,
    RoundItem,
    StockMovement,
)
from groups.selectors import levy_owed
from songkhla_network.forms import MoneyField
from songkhla_network.thai import to_satang
from tests.fuzz.harness import TODAY, examples, query, submit

from .strategies import as_list, be, choice, form_data, multi

pytestmark = pytest.mark.django_db


def money(value):
    return MoneyField().clean(value)


def units(value):
    return WholeUnitsField(required=True).clean(value)


def stock_and_liquids_never_negative(outcome):
    below = StockMovement.objects.values("product").annotate(on_hand=Sum("quantity")).filter(on_hand__lt=0)
    assert not below.exists(), f"stock below zero: {list(below)}"
    materials = MaterialMovement.objects.values("material").annotate(on_hand=Sum("quantity")).filter(on_hand__lt=0)
    assert not materials.exists(), f"raw material below zero: {list(materials)}"
    for figures in selectors.liquid_ledgers(TODAY, TODAY):
        assert figures.closing >= 0, f"{figures} below zero"


def cash_row_for(outcome, **link):
    [cash] = outcome.added(CashEntry)
    for name, value in link.items():
        assert getattr(cash, name) == value, f"cash row {name}={getattr(cash, name)!r}, expected {value!r}"
    return cash


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_donation_is_one_donation_and_one_cash_row_of_the_same_amount(personas, enterprise, data, urlencoded):
    posted = data.draw(
        form_data({"donor": "text", "donor_detail": "text", "date": "date", "amount": "money", "purpose": "text"})
    )

    def check(outcome):
        outcome.assert_changed({Donation: 1, CashEntry: 1})
        [donation] = outcome.added(Donation)
        cash = cash_row_for(outcome, donation_id=donation.pk, kind=CashKind.DONATION)
        assert cash.amount == donation.amount == money(posted["amount"])

    submit(personas["leader"], reverse("enterprise:donation_new"), posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_the_levy_posts_five_percent_once_in_the_cash_book(personas, enterprise, data, urlencoded):
    posted = data.draw(form_data({"date": "date"}, months=["first", "last"]))

    def check(outcome):
        outcome.assert_changed({LevyPosting: 1, LevyLine: None, CashEntry: 1})
        [posting] = outcome.added(LevyPosting)
        lines = list(posting.lines.all())
        assert all(line.levy == levy_owed(line.deposits) for line in lines)  # a first posting of each month
        cash = cash_row_for(outcome, levy_posting_id=posting.pk, kind=CashKind.LEVY)
        assert cash.amount == sum(line.levy for line in lines) > 0

    submit(personas["leader"], reverse("enterprise:levy"), posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_cash_reversal_is_one_row_of_the_opposite_amount(personas, enterprise, data, urlencoded):
    entry = enterprise.donation.cash_entry
    posted = data.draw(form_data({"date": "date", "reason": "text"}))

    def check(outcome):
        # The row was a donation's: the donation is marked reversed by the same correction.
        outcome.assert_changed({CashEntry: 1, DonationReversal: 1})
        cash = cash_row_for(outcome, reverses_id=entry.pk)
        assert cash.amount == -entry.amount
        assert outcome.added(DonationReversal).get().cash_entry_id == cash.pk

    submit(
        personas["leader"],
        reverse("enterprise:cash_reverse", args=[entry.pk]),
        posted,
        check=check,
        urlencoded=urlencoded,
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_donation_reversal_marks_it_reversed_with_one_cash_row(personas, enterprise, data, urlencoded):
    donation = enterprise.donation
    posted = data.draw(form_data({"date": "date", "reason": "text"}))

    def check(outcome):
        outcome.assert_changed({DonationReversal: 1, CashEntry: 1})
        reversal = outcome.added(DonationReversal).get()
        cash = cash_row_for(outcome, reverses_id=donation.cash_entry.pk, kind=CashKind.DONATION)
        assert (reversal.donation_id, reversal.cash_entry_id) == (donation.pk, cash.pk)
        assert cash.amount == -donation.amount and reversal.date == cash.date >= donation.date
        assert reversal.reason == cash.reason and reversal.reason.strip() == reversal.reason != ""

    url = reverse("enterprise:donation_reverse", args=[donation.pk])
    submit(personas["leader"], url, posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_opening_a_round_offers_every_active_product(personas, enterprise, data, urlencoded):
    later = [be(TODAY + datetime.timedelta(days=d)) for d in (7, 10)]
    posted = data.draw(
        form_data(
            {
                "title": "text",
                "opened_on": "date",
                "closes_on": st.sampled_from(later),
                "pickup_on": st.sampled_from(later[1:]),
            }
        )
    )

    def check(outcome):
        outcome.assert_changed({BuyingRound: 1, RoundItem: len(enterprise.products)})
        [buying_round] = outcome.added(BuyingRound)
        assert buying_round.opened_on <= buying_round.closes_on <= buying_round.pickup_on

    submit(personas["leader"], reverse("enterprise:round_new"), posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_closing_a_round_sets_the_packs_of_every_product(personas, enterprise, data, urlencoded):
    buying_round = enterprise.open_round
    items = list(buying_round.items.all())
    posted = data.draw(form_data({f"packs_{item.pk}": st.sampled_from(["0", "1", "๒", "3"]) for item in items}))

    def check(outcome):
        outcome.assert_only()
        buying_round.refresh_from_db()
        assert buying_round.closed_at is not None
        assert {i.pk: i.packs_to_buy for i in buying_round.items.all()} == {
            i.pk: units(posted[f"packs_{i.pk}"]) for i in items
        }

    submit(
        personas["leader"],
        reverse("enterprise:round", args=[buying_round.pk]),
        posted,
        check=check,
        urlencoded=urlencoded,
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_the_order_sheet_saves_exactly_the_quantities_typed(personas, enterprise, group_a, data, urlencoded):
    buying_round = enterprise.open_round
    items = list(buying_round.items.all())
    members = list(group_a.members.all())
    keys = [f"qty_{m.pk}_{i.pk}" for m in members for i in items]
    posted = data.draw(form_data({key: "int" for key in keys}))

    def check(outcome):
        outcome.assert_only(Order)
        saved = Order.objects.filter(item__round=buying_round, member__group=group_a)
        orders = {f"qty_{o.member_id}_{o.item_id}": o.quantity for o in saved}
        typed = {key: WholeUnitsField().clean(posted.get(key)) or 0 for key in keys}
        assert orders == {key: q for key, q in typed.items() if q}

    url = reverse("enterprise:order_sheet", args=[buying_round.pk, group_a.pk])
    submit(personas["treasurer_a"], url, posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_receiving_shares_out_no_more_than_arrived(personas, enterprise, data, urlencoded):
    buying_round = enterprise.closed_round
    items = list(buying_round.items.all())
    fields = {"date": "date"}
    for item in items:
        fields[f"packs_{item.pk}"] = st.sampled_from(["0", "1", "2", "๑"])
        fields[f"note_{item.pk}"] = st.sampled_from(["", "ผู้ขายแถมมา"])
    posted = data.draw(form_data(fields))

    def check(outcome):
        outcome.assert_only(Allocation, StockMovement, CashEntry)
        assert outcome.added(Allocation).count() == Order.objects.filter(item__round=buying_round).count()
        cost = Decimal("0")
        for item in RoundItem.objects.filter(round=buying_round):
            arrived = item.received_packs * item.units_per_pack
            shared = Allocation.objects.filter(order__item=item).aggregate(t=Sum("quantity"))["t"] or 0
            stocked = StockMovement.objects.filter(round_item=item).aggregate(t=Sum("quantity"))["t"] or 0
            assert shared + stocked == arrived and item.received_packs == units(posted[f"packs_{item.pk}"])
            assert all(
                a.quantity <= a.order.quantity
                for a in Allocation.objects.filter(order__item=item).select_related("order")
            )
            cost += item.received_packs * item.pack_price
        paid = outcome.added(CashEntry).aggregate(t=Sum("amount"))["t"] or Decimal("0")
        assert paid == -cost

    url = reverse("enterprise:round_receive", args=[buying_round.pk])
    submit(
        personas["leader"], url, posted, check=check, urlencoded=urlencoded, invariant=stock_and_liquids_never_negative
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_payment_is_one_payment_and_one_cash_row_never_beyond_the_bill(
    personas, enterprise, group_a, data, urlencoded
):
    buying_round = enterprise.received_round
    member = group_a.members.get(number=1)
    posted = data.draw(form_data({"amount": st.sampled_from(["100", "980", "๙๘๐", "980.01", "1000"]), "date": "date"}))

    def check(outcome):
        outcome.assert_changed({MemberPayment: 1, CashEntry: 1})
        [payment] = outcome.added(MemberPayment)
        cash = cash_row_for(outcome, member_payment_id=payment.pk, kind=CashKind.SALE)
        assert cash.amount == payment.amount == money(posted["amount"])
        assert selectors.member_bill(buying_round, member).owed >= 0

    url = reverse("enterprise:payment", args=[buying_round.pk, member.pk])
    submit(personas["treasurer_a"], url, posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_overriding_a_share_moves_the_difference_through_stock(personas, enterprise, group_a, data, urlencoded):
    allocation = Allocation.objects.get(
        order__item__round=enterprise.received_round, order__member__number=1, order__item__product__name="ข้าวสาร"
    )
    before = allocation.quantity
    posted = data.draw(form_data({"quantity": st.sampled_from(["0", "1", "3", "4", "5", "๔"]), "reason": "text"}))

    def check(outcome):
        outcome.assert_only(StockMovement)
        allocation.refresh_from_db()
        assert allocation.quantity == units(posted["quantity"]) <= allocation.order.quantity
        moved = outcome.added(StockMovement).aggregate(t=Sum("quantity"))["t"] or 0
        assert moved == before - allocation.quantity

    url = reverse("enterprise:allocation", args=[allocation.pk])
    submit(
        personas["leader"], url, posted, check=check, urlencoded=urlencoded, invariant=stock_and_liquids_never_negative
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_stock_movement_is_one_row_and_stock_never_goes_below_zero(personas, enterprise, data, urlencoded):
    posted = data.draw(
        form_data(
            {
                "product": choice(p.pk for p in enterprise.products),
                "kind": choice(["out", "spoiled", "counted"]),
                "quantity": st.sampled_from(["1", "2", "๓", "5", "6"]),
                "date": "date",
                "note": "text",
            }
        )
    )

    def check(outcome):
        outcome.assert_changed({StockMovement: 1})

    url = reverse("enterprise:stock")
    submit(
        personas["leader"], url, posted, check=check, urlencoded=urlencoded, invariant=stock_and_liquids_never_negative
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_buying_material_puts_its_cost_in_the_cash_book(personas, enterprise, data, urlencoded):
    posted = data.draw(
        form_data(
            {
                "material": choice(m.pk for m in enterprise.materials),
                "quantity": "quantity",
                "cost": "money",
                "date": "date",
            }
        )
    )

    def check(outcome):
        outcome.assert_changed({MaterialMovement: 1, CashEntry: 1})
        [movement] = outcome.added(MaterialMovement)
        cash = cash_row_for(outcome, material_movement_id=movement.pk, kind=CashKind.COST)
        assert movement.quantity == QuantityField().clean(posted["quantity"])
        assert movement.value == -cash.amount == money(posted["cost"])

    submit(personas["leader"], reverse("enterprise:material_buy"), posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_batch_takes_its_materials_at_cost_and_never_more_than_in_stock(
    personas, enterprise, group_a, data, urlencoded
):
    members = [m.pk for m in group_a.members.all()]
    posted = data.draw(
        form_data(
            {
                "recipe": choice([enterprise.recipe.pk]),
                "date": "date",
                "scale": st.sampled_from(["1", "0.5", "๒", "4"]),
                "litres": "quantity",
                "makers": multi(members),
            },
            multis=["makers"],
        )
    )

    def check(outcome):
        makers = {int(pk) for pk in as_list(posted.get("makers"))}
        outcome.assert_changed({Batch: 1, MaterialMovement: 2, Batch.makers.through: len(makers)})
        [batch] = outcome.added(Batch)
        used = outcome.added(MaterialMovement).aggregate(q=Sum("quantity"), v=Sum("value"))
        assert used["v"] == -batch.cost and used["q"] < 0
        assert set(batch.makers.values_list("pk", flat=True)) == makers

    url = reverse("enterprise:batch_new")
    submit(
        personas["leader"], url, posted, check=check, urlencoded=urlencoded, invariant=stock_and_liquids_never_negative
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_batch_reversal_gives_the_materials_back_and_takes_the_litres_out(personas, enterprise, data, urlencoded):
    batch = Batch.objects.get(recipe=enterprise.recipe)
    used = batch.materials_used.aggregate(q=Sum("quantity"), v=Sum("value"))
    posted = data.draw(form_data({"date": "date", "reason": "text"}))

    def check(outcome):
        outcome.assert_changed({BatchReversal: 1, MaterialMovement: 2})
        reversal = outcome.added(BatchReversal).get()
        assert reversal.batch_id == batch.pk and reversal.date >= batch.date and reversal.reason.strip()
        back = outcome.added(MaterialMovement).aggregate(q=Sum("quantity"), v=Sum("value"))
        assert (back["q"], back["v"]) == (-used["q"], -used["v"])
        assert selectors.liquid_in_stock(enterprise.recipe) == 0

    url = reverse("enterprise:batch", args=[batch.pk])
    submit(
        personas["leader"], url, posted, check=check, urlencoded=urlencoded, invariant=stock_and_liquids_never_negative
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_liquid_sale_is_priced_and_in_the_cash_book(personas, enterprise, group_a, data, urlencoded):
    posted = data.draw(
        form_data(
            {
                "recipe": choice([enterprise.recipe.pk]),
                "buyer": choice(LiquidSale.Buyer.values),
                "member": choice([m.pk for m in group_a.members.all()] + [""]),
                "litres": st.sampled_from(["1", "2.5", "๒๐", "21"]),
                "date": "date",
            }
        )
    )

    def check(outcome):
        outcome.assert_changed({LiquidSale: 1, CashEntry: 1})
        [sale] = outcome.added(LiquidSale)
        cash = cash_row_for(outcome, liquid_sale_id=sale.pk, kind=CashKind.SALE)
        assert cash.amount == sale.amount == to_satang(sale.litres * sale.price_per_litre) > 0
        assert (sale.member_id is not None) == (sale.buyer == LiquidSale.Buyer.MEMBER)

    url = reverse("enterprise:liquid_sale")
    submit(
        personas["leader"], url, posted, check=check, urlencoded=urlencoded, invariant=stock_and_liquids_never_negative
    )


@given(data=st.data())
@settings(max_examples=examples(0.5))
def test_the_cash_book_takes_any_days_and_page(personas, enterprise, data):
    posted = data.draw(form_data({"first": "date", "last": "date", "page": st.sampled_from(["1", "2", "last"])}))
    query(personas["staff"], reverse("enterprise:cash_book"), posted)


@given(data=st.data())
@settings(max_examples=examples(0.5))
def test_the_batch_page_takes_any_query(personas, enterprise, data):
    batch = Batch.objects.get(recipe=enterprise.recipe)
    query(personas["staff"], reverse("enterprise:batch", args=[batch.pk]), data.draw(form_data({"date": "date"})))


@given(
    data=st.data(),
    page=st.sampled_from(
        [
            "enterprise:levy",
            "enterprise:statement",
            "enterprise:statement_xlsx",
            "enterprise:stock",
            "enterprise:production",
        ]
    ),
)
@settings(max_examples=examples(0.5))
def test_the_levy_statement_and_ledger_pages_take_any_period(personas, enterprise, data, page):
    query(personas["staff"], reverse(page), data.draw(form_data({}, months=["first", "last"])))

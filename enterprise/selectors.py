"""Reads behind the buying-round pages, each in a fixed number of queries."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Sum

from .models import (
    Allocation,
    Batch,
    CashEntry,
    CashKind,
    LiquidSale,
    MaterialMovement,
    MemberPayment,
    Order,
    RawMaterial,
    Recipe,
    StockMovement,
)


@dataclass
class ItemTotal:
    item: object
    ordered: int  # units members ordered
    members: int

    @property
    def full_packs(self):
        return self.ordered // self.item.units_per_pack

    @property
    def remainder(self):
        """Units ordered beyond the last full pack."""
        return self.ordered % self.item.units_per_pack

    @property
    def left_over_if_rounded_up(self):
        """Units that would go into stock if one more pack is bought for the remainder."""
        return self.item.units_per_pack - self.remainder if self.remainder else 0

    @property
    def packs_up(self):
        return self.full_packs + (1 if self.remainder else 0)

    @property
    def packs(self):
        """Packs to buy: the leader's decision once the round is closed, else rounded up."""
        return self.item.packs_to_buy if self.item.packs_to_buy is not None else self.packs_up

    @property
    def units_bought(self):
        return self.packs * self.item.units_per_pack

    @property
    def supplier_cost(self):
        return self.packs * self.item.pack_price


def item_totals(buying_round):
    items = list(buying_round.items.select_related("product__supplier").order_by("product__name"))
    sums = {
        row["item"]: row
        for row in Order.objects.filter(item__round=buying_round)
        .order_by()
        .values("item")
        .annotate(ordered=Sum("quantity"), members=Count("member", distinct=True))
    }
    return [
        ItemTotal(
            item=item, ordered=sums.get(item.pk, {}).get("ordered", 0), members=sums.get(item.pk, {}).get("members", 0)
        )
        for item in items
    ]


def group_order_counts(buying_round):
    """{group id: number of members with an order} for the round."""
    return dict(
        Order.objects.filter(item__round=buying_round)
        .order_by()
        .values("member__group")
        .annotate(n=Count("member", distinct=True))
        .values_list("member__group", "n")
    )


@dataclass
class Bill:
    member: object
    lines: list  # allocations, each with .order and .order.item
    paid: Decimal = Decimal("0.00")

    @property
    def due(self):
        return sum((a.quantity * a.order.item.member_price for a in self.lines), Decimal("0.00"))

    @property
    def owed(self):
        return self.due - self.paid

    @property
    def saved(self):
        """What the member saved against the retail price of what they received."""
        return sum(
            (a.quantity * (a.order.item.retail_price - a.order.item.member_price) for a in self.lines), Decimal("0.00")
        )


def bills(buying_round, members=None):
    """One bill per member who ordered in the round (optionally only `members`), with what they
    received, what they owe and what they saved. Two queries."""
    allocations = Allocation.objects.filter(order__item__round=buying_round).select_related(
        "order__item__product", "order__member__person", "order__member__group"
    )
    payments = MemberPayment.objects.filter(round=buying_round)
    if members is not None:
        allocations = allocations.filter(order__member__in=members)
        payments = payments.filter(member__in=members)
    paid = dict(payments.order_by().values("member").annotate(t=Sum("amount")).values_list("member", "t"))
    result = {}
    for allocation in allocations.order_by(
        "order__member__group__name", "order__member__number", "order__item__product__name"
    ):
        member = allocation.order.member
        bill = result.setdefault(member.pk, Bill(member=member, lines=[], paid=paid.get(member.pk) or Decimal("0.00")))
        bill.lines.append(allocation)
    return list(result.values())


def member_bill(buying_round, member):
    found = bills(buying_round, members=[member])
    return found[0] if found else Bill(member=member, lines=[])


def stock_levels(today=None):
    """Per product in stock: units, value at cost, and since when the oldest of those units has
    been held (the stock was last empty just before then). One query."""
    levels = {}
    for movement in StockMovement.objects.select_related("product").order_by("product__name", "date", "id"):
        level = levels.setdefault(
            movement.product_id,
            {"product": movement.product, "units": 0, "value": Decimal("0"), "since": None},
        )
        if level["units"] == 0 and movement.quantity > 0:
            level["since"] = movement.date
        level["units"] += movement.quantity
        level["value"] += movement.quantity * movement.unit_cost
        if level["units"] == 0:
            level["since"], level["value"] = None, Decimal("0")
    rows = [level for level in levels.values() if level["units"]]
    for row in rows:
        row["value"] = row["value"].quantize(Decimal("0.01"))
        row["days"] = (today - row["since"]).days if today and row["since"] else None
    return rows


@dataclass
class LiquidFigures:
    recipe: object
    made: Decimal
    sold: Decimal
    cost: Decimal
    income: Decimal

    @property
    def in_stock(self):
        return self.made - self.sold

    @property
    def cost_per_litre(self):
        """Average cost of a litre over every batch made."""
        return (self.cost / self.made).quantize(Decimal("0.01")) if self.made else None

    @property
    def margin_per_litre(self):
        """What a litre shared at the member price leaves after its average cost."""
        return self.recipe.member_price - self.cost_per_litre if self.made else None


def liquid_figures():
    """Per liquid: litres made and sold, cost of the batches, income from sales. Three queries."""
    made = {
        r["recipe"]: r
        for r in Batch.objects.order_by().values("recipe").annotate(litres=Sum("litres"), cost=Sum("cost"))
    }
    sold = {
        r["recipe"]: r
        for r in LiquidSale.objects.order_by().values("recipe").annotate(litres=Sum("litres"), income=Sum("amount"))
    }
    zero = Decimal("0.00")
    return [
        LiquidFigures(
            recipe=recipe,
            made=made.get(recipe.pk, {}).get("litres") or zero,
            sold=sold.get(recipe.pk, {}).get("litres") or zero,
            cost=made.get(recipe.pk, {}).get("cost") or zero,
            income=sold.get(recipe.pk, {}).get("income") or zero,
        )
        for recipe in Recipe.objects.order_by("name")
    ]


def material_levels():
    """Per raw material: quantity in stock and its value at cost. Two queries."""
    sums = {
        r["material"]: r
        for r in MaterialMovement.objects.order_by().values("material").annotate(q=Sum("quantity"), v=Sum("value"))
    }
    return [
        {
            "material": m,
            "quantity": sums.get(m.pk, {}).get("q") or Decimal("0"),
            "value": sums.get(m.pk, {}).get("v") or Decimal("0.00"),
        }
        for m in RawMaterial.objects.order_by("name")
    ]


@dataclass
class Statement:
    first: object
    last: object
    opening_cash: Decimal
    closing_cash: Decimal
    donations: Decimal
    levy: Decimal
    purchases: Decimal
    production_costs: Decimal
    sales: Decimal
    goods_stock: Decimal
    materials_stock: Decimal
    liquids_stock: Decimal
    members_saved: Decimal

    @property
    def capital_in(self):
        return self.donations + self.levy

    @property
    def stock_value(self):
        return self.goods_stock + self.materials_stock + self.liquids_stock


def statement(first, last):
    """The enterprise for the days first..last: money in and out of the cash book by kind (each
    net of its reversals), cash and stock value at both ends, and what members saved on the
    rounds picked up in the period. A fixed number of queries."""
    zero = Decimal("0.00")
    by_kind = dict(
        CashEntry.objects.filter(date__range=(first, last))
        .order_by()
        .values("kind")
        .annotate(t=Sum("amount"))
        .values_list("kind", "t")
    )
    opening = CashEntry.objects.filter(date__lt=first).aggregate(t=Sum("amount"))["t"] or zero
    closing = CashEntry.objects.filter(date__lte=last).aggregate(t=Sum("amount"))["t"] or zero
    goods = StockMovement.objects.filter(date__lte=last).aggregate(v=Sum(F("quantity") * F("unit_cost")))["v"] or zero
    materials = MaterialMovement.objects.filter(date__lte=last).aggregate(v=Sum("value"))["v"] or zero
    made = Batch.objects.filter(date__lte=last).aggregate(litres=Sum("litres"), cost=Sum("cost"))
    sold = LiquidSale.objects.filter(date__lte=last).aggregate(litres=Sum("litres"))["litres"] or zero
    liquids = zero
    if made["litres"]:
        liquids = (made["cost"] / made["litres"]) * (made["litres"] - sold)
    saved = (
        Allocation.objects.filter(order__item__round__pickup_on__range=(first, last)).aggregate(
            v=Sum(F("quantity") * (F("order__item__retail_price") - F("order__item__member_price")))
        )["v"]
        or zero
    )
    q = Decimal("0.01")
    return Statement(
        first=first,
        last=last,
        opening_cash=opening,
        closing_cash=closing,
        donations=by_kind.get(CashKind.DONATION) or zero,
        levy=by_kind.get(CashKind.LEVY) or zero,
        purchases=-(by_kind.get(CashKind.PURCHASE) or zero),
        production_costs=-(by_kind.get(CashKind.COST) or zero),
        sales=by_kind.get(CashKind.SALE) or zero,
        goods_stock=Decimal(goods).quantize(q),
        materials_stock=Decimal(materials).quantize(q),
        liquids_stock=Decimal(liquids).quantize(q),
        members_saved=Decimal(saved).quantize(q),
    )

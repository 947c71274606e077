"""Reads that feed the enterprise's pages (its cash book, the levy, buying rounds, stock,
production and the statement), each in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum, Window
from django.db.models.expressions import CombinedExpression

from groups.selectors import groups_by_pk, levies_by_group_and_month

from .models import (
    Allocation,
    Batch,
    BuyingRound,
    CashEntry,
    CashKind,
    Donation,
    LevyLine,
    LevyPosting,
    LiquidSale,
    MaterialMovement,
    MemberPayment,
    Order,
    Product,
    RawMaterial,
    Recipe,
    RoundItem,
    StockMovement,
    Supplier,
)

if TYPE_CHECKING:
    # The savings groups' models, as groups.selectors hands them out.
    from groups.selectors import Member, SavingsGroup

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


# The cash book.


def cash_balance(as_of: datetime.date | None = None) -> Decimal:
    """The cash in hand: the sum of the cash book's rows (up to `as_of`, when given)."""
    rows = CashEntry.objects.all() if as_of is None else CashEntry.objects.filter(date__lte=as_of)
    return rows.aggregate(total=Sum("amount"))["total"] or ZERO


def cash_by_kind() -> dict[str, Decimal]:
    """{kind: the cash book's total of that kind, reversals netted}. One query."""
    return dict(CashEntry.objects.order_by().values_list("kind").annotate(total=Sum("amount")))


def recent_cash(count: int) -> list[CashEntry]:
    return list(CashEntry.objects.select_related("posted_by").order_by("-date", "-id")[:count])


def cash_book(as_of: datetime.date | None = None) -> QuerySet[CashEntry]:
    """The cash book's rows (up to `as_of`) in date order, each with the running balance after it
    and whether it has been reversed: a query to page through."""
    rows = CashEntry.objects.select_related("posted_by", "reverses", "donation").annotate(
        running_balance=Window(Sum("amount"), order_by=["date", "id"]),
        is_reversed=Exists(CashEntry.objects.filter(reverses=OuterRef("pk"))),
    )
    if as_of:
        rows = rows.filter(date__lte=as_of)
    return rows.order_by("date", "id")


def cash_rows(first: datetime.date, last: datetime.date) -> list[CashEntry]:
    """The cash book's rows dated first..last, in date order."""
    return list(CashEntry.objects.filter(date__range=(first, last)).order_by("date", "id"))


def donations() -> list[Donation]:
    """Every donation, each with `is_reversed` (its cash row was reversed). One query."""
    return list(
        Donation.objects.select_related("cash_entry").annotate(
            is_reversed=Exists(CashEntry.objects.filter(reverses__donation=OuterRef("pk")))
        )
    )


# The 5 % levy on savings deposits: computed by the savings groups (groups.selectors.levy_owed,
# per group and month), posted here.


@dataclass
class LevyMonth:
    """A month of one group's deposits that is still to levy: the deposits not levied yet
    (negative when a deposit was reversed after its month was levied) and the levy still owed,
    its levy now (levy_owed of its deposits now) less what earlier postings levied for it."""

    month: datetime.date
    deposits: Decimal
    levy: Decimal


@dataclass
class LevyDue:
    group: SavingsGroup
    deposits: Decimal = ZERO  # net deposits for the months, in the savings ledger now
    levied: Decimal = ZERO  # deposits earlier postings already levied
    months: list[LevyMonth] = field(default_factory=list)  # the months still to levy

    @property
    def outstanding(self) -> Decimal:
        return self.deposits - self.levied

    @property
    def levy(self) -> Decimal:
        return sum((month.levy for month in self.months), ZERO)


def levy_due(first: datetime.date, last: datetime.date) -> list[LevyDue]:
    """Per group, for the months first..last: net deposits in the savings ledger now, what earlier
    postings levied, and the months still to levy. What all postings of a month levy together is
    always the levy of its deposits now, so posting months one by one or together, before or
    after a correction, comes to the same baht. Three queries."""
    owed = levies_by_group_and_month(first, last)
    posted = {
        (group_id, month): (deposits, levy)
        for group_id, month, deposits, levy in LevyLine.objects.filter(month__range=(first, last))
        .order_by()
        .values_list("group", "month")
        .annotate(deposits=Sum("deposits"), levy=Sum("levy"))
    }
    groups = groups_by_pk({m.group_id for m in owed} | {group_id for group_id, _month in posted})
    dues: dict[int, LevyDue] = {}
    for month in owed:
        due = dues.setdefault(month.group_id, LevyDue(group=groups[month.group_id]))
        levied, levy_posted = posted.pop((month.group_id, month.month), (ZERO, ZERO))
        due.deposits += month.deposits
        due.levied += levied
        if month.deposits != levied:
            due.months.append(
                LevyMonth(month=month.month, deposits=month.deposits - levied, levy=month.levy - levy_posted)
            )
    for (group_id, month_), (levied, levy_posted) in sorted(posted.items()):  # no deposit row left for the month
        due = dues.setdefault(group_id, LevyDue(group=groups[group_id]))
        due.levied += levied
        if levied:
            due.months.append(LevyMonth(month=month_, deposits=-levied, levy=-levy_posted))
    return sorted(dues.values(), key=lambda d: d.group.name)


def levy_postings(count: int) -> list[LevyPosting]:
    """The latest postings of the levy, newest first."""
    return list(LevyPosting.objects.select_related("posted_by", "cash_entry").order_by("-posted_at", "-id")[:count])


# Buying rounds.


def recent_rounds(count: int) -> list[BuyingRound]:
    return list(BuyingRound.objects.order_by("-opened_on", "-id")[:count])


def round_items(buying_round: BuyingRound) -> list[RoundItem]:
    """The round's products with their prices of the day it opened, by name."""
    return list(buying_round.items.select_related("product").order_by("product__name"))


def group_orders(buying_round: BuyingRound, group: SavingsGroup) -> dict[tuple[int, int], int]:
    """{(member id, item id): units} of the group's orders in the round. One query."""
    return {
        (member_id, item_id): quantity
        for member_id, item_id, quantity in Order.objects.filter(
            item__round=buying_round, member__group=group
        ).values_list("member", "item", "quantity")
    }


@dataclass
class ItemTotal:
    item: RoundItem
    ordered: int  # units members ordered
    members: int

    @property
    def full_packs(self) -> int:
        return self.ordered // self.item.units_per_pack

    @property
    def remainder(self) -> int:
        """Units ordered beyond the last full pack."""
        return self.ordered % self.item.units_per_pack

    @property
    def left_over_if_rounded_up(self) -> int:
        """Units that would go into stock if one more pack is bought for the remainder."""
        return self.item.units_per_pack - self.remainder if self.remainder else 0

    @property
    def packs_up(self) -> int:
        return self.full_packs + (1 if self.remainder else 0)

    @property
    def packs(self) -> int:
        """Packs to buy: the leader's decision once the round is closed, else rounded up."""
        return self.item.packs_to_buy if self.item.packs_to_buy is not None else self.packs_up

    @property
    def units_bought(self) -> int:
        return self.packs * self.item.units_per_pack

    @property
    def supplier_cost(self) -> Decimal:
        return self.packs * self.item.pack_price


def item_totals(buying_round: BuyingRound) -> list[ItemTotal]:
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


@dataclass
class SupplierOrder:
    """A closed round's purchase order to one supplier."""

    supplier: Supplier
    lines: list[ItemTotal]

    @property
    def total(self) -> Decimal:
        return sum((line.supplier_cost for line in self.lines), ZERO)


def purchase_orders(buying_round: BuyingRound) -> list[SupplierOrder]:
    """One purchase order per supplier of the packs the round buys, by supplier name."""
    by_supplier: dict[Supplier, list[ItemTotal]] = {}
    for total in item_totals(buying_round):
        if total.packs:
            by_supplier.setdefault(total.item.product.supplier, []).append(total)
    return [
        SupplierOrder(supplier=supplier, lines=lines)
        for supplier, lines in sorted(by_supplier.items(), key=lambda pair: pair[0].name)
    ]


def group_order_counts(buying_round: BuyingRound) -> dict[int, int]:
    """{group id: number of members with an order} for the round."""
    return dict(
        Order.objects.filter(item__round=buying_round)
        .order_by()
        .values("member__group")
        .annotate(n=Count("member", distinct=True))
        .values_list("member__group", "n")
    )


def saved_against_retail() -> CombinedExpression:
    """What members saved against retail prices on what they received, as an expression over
    allocations: the units received times (the retail price the round noted when it opened − the
    member price). The one computation of the figure: the pick-up list, the statement, the
    dashboard and the CODI report all sum it."""
    return F("quantity") * (F("order__item__retail_price") - F("order__item__member_price"))


@dataclass
class Bill:
    member: Member
    lines: list[Allocation]  # each with .order and .order.item, and .saved
    paid: Decimal = ZERO

    @property
    def due(self) -> Decimal:
        return sum((a.quantity * a.order.item.member_price for a in self.lines), ZERO)

    @property
    def owed(self) -> Decimal:
        return self.due - self.paid

    @property
    def saved(self) -> Decimal:
        """What the member saved against the retail price of what they received."""
        # Each line's `saved` is annotated by the query (saved_against_retail).
        return sum((getattr(a, "saved") for a in self.lines), ZERO)  # noqa: B009


def bills(buying_round: BuyingRound, *, groups: QuerySet[SavingsGroup] | None = None) -> list[Bill]:
    """One bill per member who ordered in the round (optionally only the members of `groups`),
    with what they received, what they owe and what they saved. Two queries."""
    allocations = (
        Allocation.objects.filter(order__item__round=buying_round)
        .select_related("order__item__product", "order__member__person", "order__member__group")
        .annotate(saved=saved_against_retail())
    )
    payments = MemberPayment.objects.filter(round=buying_round)
    if groups is not None:
        allocations = allocations.filter(order__member__group__in=groups)
        payments = payments.filter(member__group__in=groups)
    return _bills(allocations, payments)


def member_bill(buying_round: BuyingRound, member: Member) -> Bill:
    allocations = (
        Allocation.objects.filter(order__item__round=buying_round, order__member=member)
        .select_related("order__item__product", "order__member__person", "order__member__group")
        .annotate(saved=saved_against_retail())
    )
    found = _bills(allocations, MemberPayment.objects.filter(round=buying_round, member=member))
    return found[0] if found else Bill(member=member, lines=[])


def _bills(allocations: QuerySet[Allocation], payments: QuerySet[MemberPayment]) -> list[Bill]:
    paid = dict(payments.order_by().values("member").annotate(t=Sum("amount")).values_list("member", "t"))
    result: dict[int, Bill] = {}
    for allocation in allocations.order_by(
        "order__member__group__name", "order__member__number", "order__item__product__name"
    ):
        member = allocation.order.member
        bill = result.setdefault(member.pk, Bill(member=member, lines=[], paid=paid.get(member.pk) or ZERO))
        bill.lines.append(allocation)
    return list(result.values())


@dataclass
class RoundSaving:
    """What members received in a round at member and at retail prices, and what they saved."""

    round: BuyingRound
    at_member_price: Decimal
    at_retail: Decimal
    saved: Decimal


def round_savings(first: datetime.date, last: datetime.date) -> list[RoundSaving]:
    """The rounds picked up in the days first..last, by pick-up date, with what their members
    received at member and retail prices and what they saved (saved_against_retail). Two
    queries."""
    sums = {
        row["order__item__round"]: row
        for row in Allocation.objects.filter(order__item__round__pickup_on__range=(first, last))
        .order_by()
        .values("order__item__round")
        .annotate(
            member=Sum(F("quantity") * F("order__item__member_price")),
            retail=Sum(F("quantity") * F("order__item__retail_price")),
            saved=Sum(saved_against_retail()),
        )
    }
    return [
        RoundSaving(
            round=r,
            at_member_price=sums[r.pk]["member"] or ZERO,
            at_retail=sums[r.pk]["retail"] or ZERO,
            saved=sums[r.pk]["saved"] or ZERO,
        )
        for r in BuyingRound.objects.filter(pk__in=sums).order_by("pickup_on", "id")
    ]


# Stock of goods.


def stock_on_hand(product: Product) -> int:
    """Units of the product in stock: the sum of its movements."""
    return product.stock_movements.aggregate(total=Sum("quantity"))["total"] or 0


def stock_levels(today: datetime.date | None = None) -> list[dict]:
    """Per product in stock: units, value at cost, and since when the oldest of those units has
    been held (the stock was last empty just before then). One query."""
    levels: dict[int, dict] = {}
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
        row["value"] = row["value"].quantize(CENT)
        row["days"] = (today - row["since"]).days if today and row["since"] else None
    return rows


# Production of cleaning liquids.


def material_stock(material: RawMaterial) -> tuple[Decimal, Decimal]:
    """(quantity, value) of a raw material in stock."""
    totals = material.movements.aggregate(q=Sum("quantity"), v=Sum("value"))
    return totals["q"] or Decimal("0"), totals["v"] or ZERO


def liquid_in_stock(recipe: Recipe) -> Decimal:
    """Litres of a liquid made and not yet shared or sold."""
    made = recipe.batches.aggregate(t=Sum("litres"))["t"] or ZERO
    sold = recipe.sales.aggregate(t=Sum("litres"))["t"] or ZERO
    return made - sold


def recent_batches(count: int) -> list[Batch]:
    return list(Batch.objects.select_related("recipe").order_by("-date", "-id")[:count])


@dataclass
class LiquidFigures:
    recipe: Recipe
    made: Decimal
    sold: Decimal
    cost: Decimal
    income: Decimal

    @property
    def in_stock(self) -> Decimal:
        return self.made - self.sold

    @property
    def cost_per_litre(self) -> Decimal | None:
        """Average cost of a litre over every batch made."""
        return (self.cost / self.made).quantize(CENT) if self.made else None

    @property
    def margin_per_litre(self) -> Decimal | None:
        """What a litre shared at the member price leaves after its average cost."""
        cost = self.cost_per_litre
        return self.recipe.member_price - cost if cost is not None else None


def liquid_figures() -> list[LiquidFigures]:
    """Per liquid: litres made and sold, cost of the batches, income from sales. Three queries."""
    made = {
        r["recipe"]: r
        for r in Batch.objects.order_by().values("recipe").annotate(litres=Sum("litres"), cost=Sum("cost"))
    }
    sold = {
        r["recipe"]: r
        for r in LiquidSale.objects.order_by().values("recipe").annotate(litres=Sum("litres"), income=Sum("amount"))
    }
    return [
        LiquidFigures(
            recipe=recipe,
            made=made.get(recipe.pk, {}).get("litres") or ZERO,
            sold=sold.get(recipe.pk, {}).get("litres") or ZERO,
            cost=made.get(recipe.pk, {}).get("cost") or ZERO,
            income=sold.get(recipe.pk, {}).get("income") or ZERO,
        )
        for recipe in Recipe.objects.order_by("name")
    ]


def material_levels() -> list[dict]:
    """Per raw material: quantity in stock and its value at cost. Two queries."""
    sums = {
        r["material"]: r
        for r in MaterialMovement.objects.order_by().values("material").annotate(q=Sum("quantity"), v=Sum("value"))
    }
    return [
        {
            "material": m,
            "quantity": sums.get(m.pk, {}).get("q") or Decimal("0"),
            "value": sums.get(m.pk, {}).get("v") or ZERO,
        }
        for m in RawMaterial.objects.order_by("name")
    ]


# The enterprise statement.


@dataclass
class Statement:
    first: datetime.date
    last: datetime.date
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
    def capital_in(self) -> Decimal:
        return self.donations + self.levy

    @property
    def stock_value(self) -> Decimal:
        return self.goods_stock + self.materials_stock + self.liquids_stock


def statement(first: datetime.date, last: datetime.date) -> Statement:
    """The enterprise for the days first..last: money in and out of the cash book by kind (each
    net of its reversals), cash and stock value at both ends, and what members saved on the
    rounds picked up in the period (saved_against_retail). A fixed number of queries."""
    by_kind = dict(
        CashEntry.objects.filter(date__range=(first, last))
        .order_by()
        .values("kind")
        .annotate(t=Sum("amount"))
        .values_list("kind", "t")
    )
    opening = CashEntry.objects.filter(date__lt=first).aggregate(t=Sum("amount"))["t"] or ZERO
    closing = CashEntry.objects.filter(date__lte=last).aggregate(t=Sum("amount"))["t"] or ZERO
    goods = StockMovement.objects.filter(date__lte=last).aggregate(v=Sum(F("quantity") * F("unit_cost")))["v"] or ZERO
    materials = MaterialMovement.objects.filter(date__lte=last).aggregate(v=Sum("value"))["v"] or ZERO
    made = Batch.objects.filter(date__lte=last).aggregate(litres=Sum("litres"), cost=Sum("cost"))
    sold = LiquidSale.objects.filter(date__lte=last).aggregate(litres=Sum("litres"))["litres"] or ZERO
    liquids = ZERO
    if made["litres"]:
        liquids = (made["cost"] / made["litres"]) * (made["litres"] - sold)
    saved = (
        Allocation.objects.filter(order__item__round__pickup_on__range=(first, last)).aggregate(
            v=Sum(saved_against_retail())
        )["v"]
        or ZERO
    )
    return Statement(
        first=first,
        last=last,
        opening_cash=opening,
        closing_cash=closing,
        donations=by_kind.get(CashKind.DONATION) or ZERO,
        levy=by_kind.get(CashKind.LEVY) or ZERO,
        purchases=-(by_kind.get(CashKind.PURCHASE) or ZERO),
        production_costs=-(by_kind.get(CashKind.COST) or ZERO),
        sales=by_kind.get(CashKind.SALE) or ZERO,
        goods_stock=Decimal(goods).quantize(CENT),
        materials_stock=Decimal(materials).quantize(CENT),
        liquids_stock=Decimal(liquids).quantize(CENT),
        members_saved=Decimal(saved).quantize(CENT),
    )

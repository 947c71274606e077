"""Reads that feed the enterprise's pages (its cash book, the levy, buying rounds, stock,
production and the statement), each in a fixed number of queries.

Figures as of a date. Each of the enterprise's ledgers — the cash book, the stock of goods, of raw
materials and of liquids — is read for a period of days from the rows dated up to its last day:
what it held before the first day, what came in and went out in the period by kind, and what it
held at the end, so that its page shows opening + in − out = closing. Every row carries the day
the money or the goods moved (a correction is dated the day it is made), so the figures of a
period that has passed never change. The one figure that counts by another date is the levy owed
on the savings deposits, which counts by the month a saving is for; the pages that show it say so,
beside the levy posted into the cash book, which counts by the day of posting."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.expressions import CombinedExpression

from groups.selectors import groups_by_pk, levies_by_group_and_month, levy_of
from songkhla_network import sql
from songkhla_network.thai import month_start

from .models import (
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
    MaterialKind,
    MaterialMovement,
    MemberPayment,
    Order,
    Product,
    RawMaterial,
    Recipe,
    RoundItem,
    StockKind,
    StockMovement,
    Supplier,
)

if TYPE_CHECKING:
    # The savings groups' models, as groups.selectors hands them out.
    from groups.selectors import Member, SavingsGroup

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# A period "since the beginning" starts here: no record of the enterprise is older.
BEGINNING = datetime.date(1, 1, 1)


def _lowest_from(moves: list[tuple[datetime.date, Decimal]], day: datetime.date) -> Decimal:
    """The least a stock held at the end of `day` or of any later day, from its movements
    [(date, quantity)] in any order: what can leave it on `day` without it going below zero then
    or later."""
    balance = sum((quantity for date, quantity in moves if date <= day), Decimal(0))
    lowest = balance
    for _date, quantity in sorted((m for m in moves if m[0] > day), key=lambda m: m[0]):
        balance += quantity
        lowest = min(lowest, balance)
    return lowest


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


@dataclass
class CashLedger:
    """The cash book over the days first..last, by the date money changed hands."""

    first: datetime.date
    last: datetime.date
    opening: Decimal  # the rows dated before the first day
    money_in: Decimal  # the period's rows above 0
    money_out: Decimal  # the period's rows below 0, as a positive amount
    closing: Decimal  # every row up to the last day
    by_kind: dict[str, Decimal]  # {kind: the period's rows of that kind, each net of its reversals}

    @property
    def balanced(self) -> bool:
        return (
            self.opening + self.money_in - self.money_out
            == self.closing
            == self.opening + sum(self.by_kind.values(), ZERO)
        )


def _cash_by_kind(first: datetime.date, last: datetime.date) -> QuerySet:
    """A row per kind of the cash book with four sums: cheaper to build than four sums and one per
    kind."""
    period = Q(date__range=(first, last))
    return (
        CashEntry.objects.order_by()
        .values_list("kind")
        .annotate(
            opening=Sum("amount", filter=Q(date__lt=first)),
            money_in=Sum("amount", filter=period & Q(amount__gt=0)),
            money_out=Sum("amount", filter=period & Q(amount__lt=0)),
            closing=Sum("amount", filter=Q(date__lte=last)),
        )
    )


# The statement's reads are put together once (songkhla_network.sql.PreparedValues): the ORM took
# longer to put each together than PostgreSQL to answer it, on every dashboard.
_CASH_BY_KIND = sql.PreparedValues(_cash_by_kind, datetime.date, datetime.date)


def cash_ledger(first: datetime.date, last: datetime.date) -> CashLedger:
    """The cash book over the days first..last: the balance before them, money in and out, the
    same by kind, and the balance at the end. One query."""
    ledger = CashLedger(
        first=first,
        last=last,
        opening=ZERO,
        money_in=ZERO,
        money_out=ZERO,
        closing=ZERO,
        by_kind=dict.fromkeys(CashKind.values, ZERO),
    )
    for kind, opening, money_in, money_out, closing in _CASH_BY_KIND.rows(first, last):
        money_in, money_out = money_in or ZERO, money_out or ZERO
        ledger.opening += opening or ZERO
        ledger.money_in += money_in
        ledger.money_out -= money_out
        ledger.closing += closing or ZERO
        if kind in ledger.by_kind:
            ledger.by_kind[kind] += money_in + money_out
    return ledger


def cash_book(first: datetime.date, last: datetime.date) -> QuerySet[CashEntry]:
    """The cash book's rows dated first..last in date order, each with the balance after it
    (`running_balance`, from the balance before the first day) and whether it has been reversed:
    a query to page through."""
    opening = cash_balance(first - datetime.timedelta(days=1)) if first > BEGINNING else ZERO
    return (
        CashEntry.objects.filter(date__range=(first, last))
        .select_related("posted_by", "reverses", "donation")
        .annotate(
            running_balance=Value(opening) + Window(Sum("amount"), order_by=["date", "id"]),
            is_reversed=Exists(CashEntry.objects.filter(reverses=OuterRef("pk"))),
        )
        .order_by("date", "id")
    )


def cash_rows(first: datetime.date, last: datetime.date) -> list[CashEntry]:
    """The cash book's rows dated first..last, in date order."""
    return list(CashEntry.objects.filter(date__range=(first, last)).order_by("date", "id"))


# Donations.


def donations() -> list[Donation]:
    """Every donation, each with its `reversal` when it was reversed. One query."""
    return list(Donation.objects.select_related("reversal", "reversal__posted_by"))


def donation_total(rows: list[Donation], as_of: datetime.date) -> Decimal:
    """What the donations among `rows` brought in, as of `as_of`: those received by then and not
    reversed by then."""
    return sum(
        (d.amount for d in rows if d.date <= as_of and (not hasattr(d, "reversal") or d.reversal.date > as_of)),
        ZERO,
    )


@dataclass
class DonationLine:
    """A donation received in a period (amount above 0), or its reversal in a period (below 0)."""

    donation: Donation
    date: datetime.date
    amount: Decimal
    reversal: DonationReversal | None = None


def donation_lines(first: datetime.date, last: datetime.date) -> list[DonationLine]:
    """The donations received in the days first..last and the reversals dated in them, by date:
    together they come to the cash book's donations of the period. Two queries."""
    lines = [
        DonationLine(donation=d, date=d.date, amount=d.amount)
        for d in Donation.objects.filter(date__range=(first, last))
    ]
    lines += [
        DonationLine(donation=r.donation, date=r.date, amount=-r.donation.amount, reversal=r)
        for r in DonationReversal.objects.filter(date__range=(first, last)).select_related("donation")
    ]
    return sorted(lines, key=lambda line: (line.date, line.reversal is not None, line.donation.pk))


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


def stock_on_hand(product: Product, *, as_of: datetime.date | None = None) -> int:
    """Units of the product in stock (at the end of `as_of`, when given): the sum of its movements."""
    rows = product.stock_movements.all() if as_of is None else product.stock_movements.filter(date__lte=as_of)
    return rows.aggregate(total=Sum("quantity"))["total"] or 0


def goods_available(product: Product, day: datetime.date) -> int:
    """Units of the product that can leave the stock on `day` without it going below zero then or
    on any later day. One query."""
    moves = [(d, Decimal(q)) for d, q in product.stock_movements.values_list("date", "quantity")]
    return int(_lowest_from(moves, day))


@dataclass
class GoodsLedger:
    """One product's stock over a period, in its member units. The value at cost is what the
    units held at the end cost: each movement at its unit cost, from the last day the stock was
    empty (a stock that runs out holds nothing, whatever its units cost)."""

    product: Product
    opening: int = 0
    received: int = 0  # into stock: left over from a round, or a member's share given back
    given_out: int = 0  # out of stock (a positive number)
    spoiled: int = 0  # a positive number
    counted: int = 0  # what counts found beyond (+) or short of (−) the stock
    closing: int = 0
    value: Decimal = ZERO  # of the closing units, at cost
    since: datetime.date | None = None  # the oldest of the closing units came in on

    @property
    def balanced(self) -> bool:
        return self.opening + self.received - self.given_out - self.spoiled + self.counted == self.closing


def _stock_moves(last: datetime.date) -> QuerySet:
    """Each movement of goods dated up to `last`, product by product (by name) in date order."""
    return (
        StockMovement.objects.filter(date__lte=last)
        .order_by("product__name", "date", "id")
        .values_list("product", "date", "kind", "quantity", "unit_cost")
    )


_STOCK_MOVES = sql.PreparedValues(_stock_moves, datetime.date)


def goods_ledgers(first: datetime.date, last: datetime.date) -> list[GoodsLedger]:
    """Per product with stock or movements in the days first..last, by name: its ledger for the
    period. Two queries, one when no goods ever moved."""
    ledgers: dict[int, GoodsLedger] = {}
    value = Decimal(0)
    moves = _STOCK_MOVES.rows(last)
    products = sql.by_pk(Product, {product_id for product_id, *_ in moves})
    for product_id, date, kind, quantity, unit_cost in moves:
        ledger = ledgers.get(product_id)
        if ledger is None:
            ledger = ledgers[product_id] = GoodsLedger(product=products[product_id])
            value = Decimal(0)
        if date < first:
            ledger.opening += quantity
        elif kind == StockKind.IN:
            ledger.received += quantity
        elif kind == StockKind.OUT:
            ledger.given_out -= quantity
        elif kind == StockKind.SPOILED:
            ledger.spoiled -= quantity
        else:
            ledger.counted += quantity
        if ledger.closing == 0 and quantity > 0:
            ledger.since = date
        ledger.closing += quantity
        value += quantity * unit_cost
        if ledger.closing == 0:
            ledger.since, value = None, Decimal(0)
        ledger.value = value.quantize(CENT)
    return [
        ledger
        for ledger in ledgers.values()
        if ledger.opening or ledger.closing or ledger.received or ledger.given_out or ledger.spoiled or ledger.counted
    ]


def stock_levels(today: datetime.date | None = None) -> list[dict]:
    """Per product in stock (on `today`, or now): units, value at cost, and since when the oldest
    of those units has been held (the stock was last empty just before then). One query."""
    day = today or datetime.date.max
    return [
        {
            "product": ledger.product,
            "units": ledger.closing,
            "value": ledger.value,
            "since": ledger.since,
            "days": (today - ledger.since).days if today and ledger.since else None,
        }
        for ledger in goods_ledgers(day, day)
        if ledger.closing
    ]


# Production of cleaning liquids.


def material_stock(material: RawMaterial) -> tuple[Decimal, Decimal]:
    """(quantity, value) of a raw material in stock."""
    totals = material.movements.aggregate(q=Sum("quantity"), v=Sum("value"))
    return totals["q"] or Decimal("0"), totals["v"] or ZERO


def material_available(material: RawMaterial, day: datetime.date) -> Decimal:
    """How much of the material can leave the stock on `day` without it going below zero then or
    on any later day. One query."""
    return _lowest_from(list(material.movements.values_list("date", "quantity")), day)


def _liquid_moves(recipe: Recipe) -> list[tuple[datetime.date, Decimal]]:
    """The litres of a liquid coming in (batches) and going out (batches reversed, shares and
    sales, a sale reversed coming back), each on its day. Three queries."""
    return (
        list(recipe.batches.values_list("date", "litres"))
        + [
            (d, -litres)
            for d, litres in BatchReversal.objects.filter(batch__recipe=recipe).values_list("date", "batch__litres")
        ]
        + [(d, -litres) for d, litres in recipe.sales.values_list("date", "litres")]
    )


def liquid_in_stock(recipe: Recipe) -> Decimal:
    """Litres of a liquid made (less the batches reversed) and not yet shared or sold."""
    return sum((litres for _d, litres in _liquid_moves(recipe)), ZERO)


def liquid_available(recipe: Recipe, day: datetime.date) -> Decimal:
    """Litres of a liquid that can leave the stock on `day` without it going below zero then or on
    any later day."""
    return _lowest_from(_liquid_moves(recipe), day)


def recent_batches(count: int) -> list[Batch]:
    """The latest batches, each with its `reversal` when it was reversed."""
    return list(Batch.objects.select_related("recipe", "reversal").order_by("-date", "-id")[:count])


def batch_materials(batch: Batch) -> list[MaterialMovement]:
    """What the batch took from the stock of materials and, if it was reversed, gave back."""
    return list(batch.materials_used.select_related("material").order_by("date", "id"))


@dataclass
class MaterialLedger:
    """One raw material's stock over a period, in its own unit, and its value at cost at the end."""

    material: RawMaterial
    opening: Decimal
    bought: Decimal
    returned: Decimal  # back from batches reversed
    used: Decimal  # in batches (a positive number)
    spoiled: Decimal  # a positive number
    purchases_reversed: Decimal  # a positive number
    counted: Decimal  # what counts found beyond (+) or short of (−) the stock
    closing: Decimal
    value: Decimal  # of the closing quantity, at cost

    @property
    def balanced(self) -> bool:
        came_in = self.bought + self.returned
        went_out = self.used + self.spoiled + self.purchases_reversed
        return self.opening + came_in - went_out + self.counted == self.closing


def _materials_by_kind(first: datetime.date, last: datetime.date) -> QuerySet:
    """Per raw material and kind of movement, dated up to `last`: the quantity before `first`,
    from it on, the value at cost and how many moved from `first` on."""
    period = Q(date__gte=first)
    return (
        MaterialMovement.objects.filter(date__lte=last)
        .order_by()
        .values_list("material", "kind")
        .annotate(
            before=Sum("quantity", filter=Q(date__lt=first)),
            during=Sum("quantity", filter=period),
            value=Sum("value"),
            moves=Count("id", filter=period),
        )
    )


_MATERIALS_BY_KIND = sql.PreparedValues(_materials_by_kind, datetime.date, datetime.date)


def material_ledgers(first: datetime.date, last: datetime.date) -> list[MaterialLedger]:
    """Per raw material with stock or movements in the days first..last, by name: its ledger for
    the period. Two queries, one when no material ever moved."""
    zero = Decimal(0)
    # {material id: {"opening", "closing", "value", "moves", and each kind: the period's quantity}}
    figures: dict[int, dict[str, Decimal]] = {}
    for material_id, kind, before, during, value, moves in _MATERIALS_BY_KIND.rows(first, last):
        before, during = before or zero, during or zero
        f = figures.setdefault(material_id, {"opening": zero, "closing": zero, "value": ZERO, "moves": zero})
        f["opening"] += before
        f["closing"] += before + during
        f["value"] += value or ZERO
        f["moves"] += moves
        f[kind] = during
    ledgers = []
    for material in sql.by_pk(RawMaterial, figures).values():
        f = figures[material.pk]
        if f["moves"] or f["closing"] or f["opening"]:
            ledgers.append(
                MaterialLedger(
                    material=material,
                    opening=f["opening"],
                    bought=f.get(MaterialKind.BOUGHT, zero),
                    returned=f.get(MaterialKind.RETURNED, zero),
                    used=-f.get(MaterialKind.USED, zero),
                    spoiled=-f.get(MaterialKind.SPOILED, zero),
                    purchases_reversed=-f.get(MaterialKind.REVERSED, zero),
                    counted=f.get(MaterialKind.COUNTED, zero),
                    closing=f["closing"],
                    value=f["value"],
                )
            )
    return ledgers


def material_levels() -> list[dict]:
    """Per raw material: quantity in stock and its value at cost now (the material_ledgers' way).
    Two queries."""
    ledgers = {ledger.material.pk: ledger for ledger in material_ledgers(datetime.date.max, datetime.date.max)}
    return [
        {
            "material": m,
            "quantity": ledgers[m.pk].closing if m.pk in ledgers else Decimal("0"),
            "value": ledgers[m.pk].value if m.pk in ledgers else ZERO,
        }
        for m in RawMaterial.objects.order_by("name")
    ]


@dataclass
class LiquidLedger:
    """One liquid over a period, in litres: made by the batches of the period, out with the
    batches reversed in it, shared and sold (net of the sales reversed), and what each litre left
    at the end cost on average over everything made by then."""

    recipe: Recipe
    opening: Decimal = ZERO
    made: Decimal = ZERO
    reversed: Decimal = ZERO  # litres of the batches reversed in the period
    sold: Decimal = ZERO  # shared to members and sold in the community
    closing: Decimal = ZERO
    batches: int = 0  # made in the period
    batches_reversed: int = 0  # reversed in the period
    cost: Decimal = ZERO  # of the materials of the period's batches, less those reversed in it
    made_by_end: Decimal = ZERO  # litres made up to the last day, less the batches reversed by then
    cost_by_end: Decimal = ZERO  # their cost

    @property
    def balanced(self) -> bool:
        return self.opening + self.made - self.reversed - self.sold == self.closing

    @property
    def batches_net(self) -> int:
        """Batches made in the period, less those reversed in it."""
        return self.batches - self.batches_reversed

    @property
    def made_net(self) -> Decimal:
        """Litres made in the period, less those of the batches reversed in it."""
        return self.made - self.reversed

    @property
    def cost_per_litre(self) -> Decimal | None:
        """Average cost of a litre over every batch made by the end (none reversed)."""
        return (self.cost_by_end / self.made_by_end).quantize(CENT) if self.made_by_end else None

    @property
    def margin_per_litre(self) -> Decimal | None:
        """What a litre shared at the member price leaves after its average cost."""
        cost = self.cost_per_litre
        return self.recipe.member_price - cost if cost is not None else None

    @property
    def value(self) -> Decimal:
        """The litres left at the end, at the average cost of what was made by then."""
        if not self.made_by_end:
            return ZERO
        return (self.cost_by_end * self.closing / self.made_by_end).quantize(CENT)


def _before(first: datetime.date) -> ExpressionWrapper:
    """Whether a row is dated before the first day, as a column to sum by."""
    return ExpressionWrapper(Q(date__lt=first), output_field=BooleanField())


def _batches(first: datetime.date, last: datetime.date) -> QuerySet:
    """The batches made by the last day, summed by liquid, by whether they were made before the
    first day, and by the day they were reversed (few are): a batch's reversal is one row at
    most, so joining it adds no row to sum twice."""
    return (
        Batch.objects.filter(date__lte=last)
        .annotate(made_before=_before(first))
        .order_by()
        .values_list("recipe", "made_before", "reversal__date")
        .annotate(litres=Sum("litres"), cost=Sum("cost"), count=Count("id"))
    )


def _sales(first: datetime.date, last: datetime.date) -> QuerySet:
    """The litres shared and sold by the last day, by liquid and by whether before the first day."""
    return (
        LiquidSale.objects.filter(date__lte=last)
        .annotate(sold_before=_before(first))
        .order_by()
        .values_list("recipe", "sold_before")
        .annotate(litres=Sum("litres"))
    )


_BATCHES = sql.PreparedValues(_batches, datetime.date, datetime.date)
_SALES = sql.PreparedValues(_sales, datetime.date, datetime.date)


def liquid_ledgers(first: datetime.date, last: datetime.date) -> list[LiquidLedger]:
    """Per liquid (every recipe), by name: its ledger for the days first..last. Three queries, one
    when there is no liquid."""
    ledgers = {pk: LiquidLedger(recipe=recipe) for pk, recipe in sql.by_pk(Recipe).items()}
    if not ledgers:
        return []  # no liquid, no batch and no sale
    for recipe_id, made_before, reversed_on, litres, cost, count in _BATCHES.rows(first, last):
        ledger = ledgers[recipe_id]
        ledger.made_by_end += litres
        ledger.cost_by_end += cost
        if made_before:
            ledger.opening += litres
        else:
            ledger.made += litres
            ledger.cost += cost
            ledger.batches += count
        if reversed_on is None or reversed_on > last:
            continue
        ledger.made_by_end -= litres
        ledger.cost_by_end -= cost
        if reversed_on < first:
            ledger.opening -= litres
        else:
            ledger.reversed += litres
            ledger.cost -= cost
            ledger.batches_reversed += count
    for recipe_id, sold_before, litres in _SALES.rows(first, last):
        if sold_before:
            ledgers[recipe_id].opening -= litres
        else:
            ledgers[recipe_id].sold += litres
    for ledger in ledgers.values():
        ledger.closing = ledger.opening + ledger.made - ledger.reversed - ledger.sold
    return list(ledgers.values())


# The enterprise statement.


@dataclass
class Statement:
    """The enterprise over the days first..last: the cash book by kind (by the date money changed
    hands), each stock at the end at cost, what members saved on the rounds picked up in the
    period (by pick-up date), and, when asked for, the 5 % levy the savings deposits for the
    period's months owe (by the month a saving is for)."""

    first: datetime.date
    last: datetime.date
    cash: CashLedger
    goods: list[GoodsLedger]
    materials: list[MaterialLedger]
    liquids: list[LiquidLedger]
    members_saved: Decimal
    levy_owed: Decimal | None = None  # by the month a saving is for; None when not asked for

    def _kind(self, kind: str) -> Decimal:
        return self.cash.by_kind.get(kind, ZERO)

    @property
    def opening_cash(self) -> Decimal:
        return self.cash.opening

    @property
    def closing_cash(self) -> Decimal:
        return self.cash.closing

    @property
    def donations(self) -> Decimal:
        """Donations received in the period, less those reversed in it."""
        return self._kind(CashKind.DONATION)

    @property
    def levy_posted(self) -> Decimal:
        """The levy posted into the cash book in the period, by the date of posting, whatever
        months it levied."""
        return self._kind(CashKind.LEVY)

    @property
    def purchases(self) -> Decimal:
        return -self._kind(CashKind.PURCHASE)

    @property
    def production_costs(self) -> Decimal:
        return -self._kind(CashKind.COST)

    @property
    def sales(self) -> Decimal:
        return self._kind(CashKind.SALE)

    @property
    def capital_in(self) -> Decimal:
        """Donations and levy that came into the cash book in the period."""
        return self.donations + self.levy_posted

    @property
    def goods_stock(self) -> Decimal:
        return sum((ledger.value for ledger in self.goods), ZERO)

    @property
    def materials_stock(self) -> Decimal:
        return sum((ledger.value for ledger in self.materials), ZERO)

    @property
    def liquids_stock(self) -> Decimal:
        return sum((ledger.value for ledger in self.liquids), ZERO)

    @property
    def stock_value(self) -> Decimal:
        return self.goods_stock + self.materials_stock + self.liquids_stock


def levy_owed_for(first: datetime.date, last: datetime.date) -> Decimal:
    """The 5 % levy the savings deposits for the months of first..last (any day of each) owe the
    enterprise, by the month a saving is for (groups.selectors.levy_owed per group and month, the
    sum of those), from the deposits paid by the day `last`: a period's figure as of its end, the
    network summary's (groups.selectors.network_money). One query."""
    return levy_of(levies_by_group_and_month(month_start(first), month_start(last), as_of=last))


def _saved_by_round(first: datetime.date, last: datetime.date) -> QuerySet:
    """What members saved against retail prices on each round picked up in the days first..last."""
    return (
        Allocation.objects.filter(order__item__round__pickup_on__range=(first, last))
        .order_by()
        .values_list("order__item__round")
        .annotate(saved=Sum(saved_against_retail()))
    )


_SAVED_BY_ROUND = sql.PreparedValues(_saved_by_round, datetime.date, datetime.date)


def statement(first: datetime.date, last: datetime.date, *, with_levy_owed: bool = True) -> Statement:
    """The enterprise for the days first..last, from the rows dated up to the last day: the cash
    book by kind, each stock's ledger, what members saved on the rounds picked up in the period
    (saved_against_retail), and the levy owed for its months unless `with_levy_owed` is False (a
    period "since the beginning" has no months to levy). A fixed number of queries."""
    saved = sum((saved for _round, saved in _SAVED_BY_ROUND.rows(first, last)), ZERO)
    return Statement(
        first=first,
        last=last,
        cash=cash_ledger(first, last),
        goods=goods_ledgers(first, last),
        materials=material_ledgers(first, last),
        liquids=liquid_ledgers(first, last),
        members_saved=Decimal(saved).quantize(CENT),
        levy_owed=levy_owed_for(first, last) if with_levy_owed else None,
    )

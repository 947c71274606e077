"""Writes to the enterprise: its capital (donations, the levy), cash book, buying rounds, stock
and production. Each function runs in one transaction and posts every row it was asked to or
none; what they read first comes from enterprise.selectors."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from songkhla_network.models import User
from songkhla_network.thai import be_date, be_month, format_baht, format_quantity, to_satang

from . import selectors
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
)

if TYPE_CHECKING:
    # The savings groups' models, as groups.selectors and groups.access hand them out.
    from groups.selectors import Member, SavingsGroup

ZERO = Decimal("0.00")


@transaction.atomic
def donation_post(
    *, donor: str, donor_detail: str, date: datetime.date, amount: Decimal, purpose: str, user: User
) -> Donation:
    """Record a donation and the money it brought into the cash book."""
    donation = Donation.objects.create(
        donor=donor, donor_detail=donor_detail, date=date, amount=amount, purpose=purpose, posted_by=user
    )
    CashEntry.objects.create(
        date=date,
        kind=CashKind.DONATION,
        amount=amount,
        description=_("Donation from %(donor)s") % {"donor": donor},
        donation=donation,
        posted_by=user,
    )
    return donation


# Levy postings run one at a time: a lock held to the end of the posting's transaction, so two
# leaders posting the same months at once cannot both find them still to levy. On PostgreSQL an
# advisory lock (the enterprise owns no row every posting could lock first); SQLite, for
# `make run`, lets one writing transaction in at a time anyway.
LEVY_POSTING_LOCK = 202205  # the advisory lock's key: a number no other lock of the app uses


def _one_levy_posting_at_a_time() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEVY_POSTING_LOCK])


@transaction.atomic
def levy_post(*, first: datetime.date, last: datetime.date, date: datetime.date, user: User) -> LevyPosting:
    """Post the 5 % levy on the deposits of first..last not levied yet, one line per group and
    month (groups.selectors.levy_owed: the levy is owed and rounded per group and month), and its
    sum into the cash book. Posting months already levied in full is refused; after a correction
    of a deposit only the difference is posted, so what a month's postings levy together is
    always the levy of its deposits now. Postings run one at a time, so two leaders cannot levy
    a month twice."""
    _one_levy_posting_at_a_time()
    dues = [d for d in selectors.levy_due(first, last) if d.months]
    if not dues:
        raise ValidationError(
            _("The levy for %(first)s – %(last)s has already been posted in full: there is nothing new to post.")
            % {"first": be_month(first), "last": be_month(last)},
            code="already_posted",
        )
    total = sum((d.levy for d in dues), ZERO)
    if total <= 0:
        raise ValidationError(
            _(
                "Deposits for these months were reversed after the levy was posted: the levy would go down by "
                "%(amount)s baht. Reverse the levy posting in the cash book and post it again."
            )
            % {"amount": format_baht(-total)},
            code="levy_decrease",
        )
    posting = LevyPosting.objects.create(first_month=first, last_month=last, posted_by=user)
    LevyLine.objects.bulk_create(
        LevyLine(posting=posting, group=d.group, month=m.month, deposits=m.deposits, levy=m.levy)
        for d in dues
        for m in d.months
    )
    CashEntry.objects.create(
        date=date,
        kind=CashKind.LEVY,
        amount=total,
        description=_("5 %% levy on savings deposits, %(first)s – %(last)s")
        % {"first": be_month(first), "last": be_month(last)},
        levy_posting=posting,
        posted_by=user,
    )
    return posting


def _check_correction(*, date: datetime.date, reason: str, of: datetime.date) -> str:
    """The reason of a correction, stripped; refused without one, or dated before what it corrects."""
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Say why the row is reversed.")
    if date < of:
        errors["date"] = _("A reversal cannot be dated before the row it reverses.")
    if errors:
        raise ValidationError(errors)
    return reason.strip()


@transaction.atomic
def cash_reverse(*, entry: CashEntry, date: datetime.date, reason: str, user: User) -> CashEntry:
    """Undo a cash book row with one of opposite amount that points to it and says why, dated the
    day of the correction, and undo what the row was for with it: a levy posting frees its months,
    a sale's litres and a member's payment come back, a purchase of material leaves the stock
    (refused when part of it has been used since), a donation is marked reversed
    (donation_reverse)."""
    entry = CashEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.donation is not None:
        return donation_reverse(donation=entry.donation, date=date, reason=reason, user=user).cash_entry
    return _cash_reverse(entry=entry, date=date, reason=reason, user=user)


def _cash_reverse(*, entry: CashEntry, date: datetime.date, reason: str, user: User) -> CashEntry:
    """cash_reverse, on a row already locked."""
    if entry.is_reversal:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new row instead."))
    if CashEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This row was already reversed."), code="already_reversed")
    reason = _check_correction(date=date, reason=reason, of=entry.date)
    undo: LevyPosting | None = None
    if entry.levy_posting is not None:
        # Reversing a levy posting frees its months to be posted again: the negative of each of its
        # lines goes into a posting of its own, which this reversal row carries.
        original = entry.levy_posting
        undo = LevyPosting.objects.create(
            first_month=original.first_month, last_month=original.last_month, posted_by=user
        )
        LevyLine.objects.bulk_create(
            LevyLine(posting=undo, group_id=line.group_id, month=line.month, deposits=-line.deposits, levy=-line.levy)
            for line in original.lines.all()
        )
    sale: LiquidSale | None = None
    if entry.liquid_sale is not None:
        sold = entry.liquid_sale
        sale = LiquidSale.objects.create(
            recipe_id=sold.recipe_id,
            date=date,
            buyer=sold.buyer,
            member_id=sold.member_id,
            litres=-sold.litres,
            price_per_litre=sold.price_per_litre,
            amount=-sold.amount,
            reverses=sold,
            posted_by=user,
        )
    material: MaterialMovement | None = None
    if entry.material_movement is not None:
        bought = entry.material_movement
        RawMaterial.objects.select_for_update().get(pk=bought.material_id)
        if selectors.material_available(bought.material, date) < bought.quantity:
            raise ValidationError(
                _("Part of this material has been used since: correct the stock with a count instead.")
            )
        material = MaterialMovement.objects.create(
            material_id=bought.material_id,
            date=date,
            kind=MaterialKind.REVERSED,
            quantity=-bought.quantity,
            value=-bought.value,
            posted_by=user,
        )
    payment: MemberPayment | None = None
    if entry.member_payment is not None:
        paid = entry.member_payment
        payment = MemberPayment.objects.create(
            round_id=paid.round_id,
            member_id=paid.member_id,
            date=date,
            amount=-paid.amount,
            reverses=paid,
            posted_by=user,
        )
    return CashEntry.objects.create(
        date=date,
        kind=entry.kind,
        amount=-entry.amount,
        description=_("Reversal: %(description)s") % {"description": entry.description},
        reverses=entry,
        reason=reason,
        levy_posting=undo,
        member_payment=payment,
        liquid_sale=sale,
        material_movement=material,
        buying_round_id=entry.buying_round_id,
        posted_by=user,
    )


@transaction.atomic
def donation_reverse(*, donation: Donation, date: datetime.date, reason: str, user: User) -> DonationReversal:
    """Cancel a donation: its cash book row is reversed (a row of opposite amount, dated the day of
    the correction, saying why) and the donation is marked reversed from that day by a record
    that points to both. Every total of donations as of an earlier day keeps it; every total from
    that day on leaves it out. A donation is reversed once; the reason is required, and the date
    cannot come before the donation's."""
    entry = CashEntry.objects.select_for_update().get(donation=donation)
    if DonationReversal.objects.filter(donation=donation).exists():
        raise ValidationError(_("This donation was already reversed."), code="already_reversed")
    cash = _cash_reverse(entry=entry, date=date, reason=reason, user=user)
    return DonationReversal.objects.create(
        donation=donation, cash_entry=cash, date=date, reason=cash.reason, posted_by=user
    )


@transaction.atomic
def round_open(
    *, title: str, opened_on: datetime.date, closes_on: datetime.date, pickup_on: datetime.date, user: User
) -> BuyingRound:
    """Open a buying round offering every active product at today's prices."""
    buying_round = BuyingRound.objects.create(
        title=title, opened_on=opened_on, closes_on=closes_on, pickup_on=pickup_on
    )
    products = list(Product.objects.filter(active=True))
    if not products:
        raise ValidationError(_("There is no product to offer: add products first."))
    RoundItem.objects.bulk_create(
        RoundItem(
            round=buying_round,
            product=p,
            units_per_pack=p.units_per_pack,
            pack_price=p.pack_price,
            member_price=p.member_price,
            retail_price=p.retail_price,
        )
        for p in products
    )
    return buying_round


def _lock_round(buying_round: BuyingRound) -> BuyingRound:
    return BuyingRound.objects.select_for_update().get(pk=buying_round.pk)


@transaction.atomic
def orders_replace(
    *,
    buying_round: BuyingRound,
    group: SavingsGroup,
    quantities: dict[tuple[int, int], int],
    user: User,
    today: datetime.date,
) -> int:
    """Set a group's orders in a round to `quantities` ({(member id, item id): whole units}; 0
    removes an order). All or nothing; refused once the round has closed. The round row is locked
    so that an order and the closing cannot cross."""
    buying_round = _lock_round(buying_round)
    if not buying_round.takes_orders(today):
        raise ValidationError(
            _("This round no longer takes orders: it closed on %(date)s.") % {"date": be_date(buying_round.closes_on)},
            code="closed",
        )
    members = set(group.members.values_list("pk", flat=True))
    items = set(buying_round.items.values_list("pk", flat=True))
    if any(m not in members or i not in items for m, i in quantities):
        raise ValidationError(
            _("Orders can only be entered for this group's members and this round's products."), code="stranger"
        )
    existing = {
        (o.member_id, o.item_id): o for o in Order.objects.filter(item__round=buying_round, member__group=group)
    }
    to_create: list[Order] = []
    to_update: list[Order] = []
    to_delete: list[int] = []
    for key, quantity in quantities.items():
        order = existing.get(key)
        if quantity == 0:
            if order:
                to_delete.append(order.pk)
        elif order is None:
            to_create.append(Order(member_id=key[0], item_id=key[1], quantity=quantity, entered_by=user))
        elif order.quantity != quantity:
            order.quantity, order.entered_by = quantity, user
            to_update.append(order)
    now = timezone.now()
    for order in to_update:
        order.entered_at = now
    Order.objects.filter(pk__in=to_delete).delete()
    Order.objects.bulk_create(to_create)
    Order.objects.bulk_update(to_update, ["quantity", "entered_by", "entered_at"])
    return len(to_create) + len(to_update) + len(to_delete)


@transaction.atomic
def round_close(*, buying_round: BuyingRound, packs: dict[int, int], user: User) -> BuyingRound:
    """Close a round with the leader's decision of how many whole packs to buy of each product
    ({item id: packs}). Orders are frozen from then on."""
    buying_round = _lock_round(buying_round)
    if buying_round.closed_at is not None:
        raise ValidationError(_("This round is already closed."), code="already_closed")
    items = {item.pk: item for item in buying_round.items.all()}
    if set(packs) != set(items):
        raise ValidationError(_("Say how many packs to buy of every product."), code="incomplete")
    for item_id, count in packs.items():
        items[item_id].packs_to_buy = count
    RoundItem.objects.bulk_update(items.values(), ["packs_to_buy"])
    buying_round.closed_at = timezone.now()
    buying_round.closed_by = user
    buying_round.save(update_fields=["closed_at", "closed_by"])
    return buying_round


def share_out(available: int, orders: list[tuple[int, int]]) -> dict[int, int]:
    """Share `available` units among `orders` ([(key, quantity ordered)]) fairly: each gets their
    order when there is enough; otherwise each gets the whole-unit part of their proportional
    share, and the units left go one each to the largest remainders (ties: the earlier order in
    the list). Returns {key: units}; the total never exceeds `available` or an order."""
    total = sum(quantity for _key, quantity in orders)
    if available >= total:
        return dict(orders)
    shares = {key: (available * q) // total for key, q in orders}
    remainders = sorted(((available * q) % total, -index, key) for index, (key, q) in enumerate(orders))
    left = available - sum(shares.values())
    for _remainder, _index, key in reversed(remainders[len(remainders) - left :] if left else []):
        shares[key] += 1
    return shares


def _cut_reason(item: RoundItem, available: int, ordered: int) -> str:
    return _(
        "Less arrived than was ordered: %(available)s of %(ordered)s units of %(product)s, "
        "shared out in proportion to the orders."
    ) % {"available": available, "ordered": ordered, "product": item.product.name}


@transaction.atomic
def round_receive(
    *,
    buying_round: BuyingRound,
    received: dict[int, int],
    notes: dict[int, str],
    date: datetime.date,
    user: User,
) -> BuyingRound:
    """Record what arrived ({item id: whole packs}) and share it out: members get their orders in
    full when enough arrived, otherwise a fair proportional share with the reason written beside
    it; units nobody ordered go into stock; the supplier cost goes into the cash book. Receiving
    more packs than were bought needs a note saying why."""
    buying_round = _lock_round(buying_round)
    if buying_round.closed_at is None:
        raise ValidationError(_("Close the round before receiving the goods."), code="not_closed")
    if buying_round.received_at is not None:
        raise ValidationError(_("The goods of this round were already received."), code="already_received")
    items = {item.pk: item for item in buying_round.items.select_related("product")}
    errors: dict[str, str] = {}  # keyed by the item's id
    for item_id, item in items.items():
        packs = received.get(item_id)
        if packs is None:
            errors[str(item_id)] = _("Say how many packs arrived.")
        elif packs > (item.packs_to_buy or 0) and not notes.get(item_id, "").strip():
            errors[str(item_id)] = _("More arrived than was bought: say why in the note.")
    if errors:
        raise ValidationError(errors)
    orders_by_item: dict[int, list[Order]] = {}
    for order in (
        Order.objects.filter(item__round=buying_round)
        .select_related("member")
        .order_by("member__group__name", "member__number")
    ):
        orders_by_item.setdefault(order.item_id, []).append(order)
    allocations: list[Allocation] = []
    movements: list[StockMovement] = []
    cost = ZERO
    for item_id, item in items.items():
        packs = received[item_id]
        item.received_packs, item.receive_note = packs, notes.get(item_id, "").strip()
        available = packs * item.units_per_pack
        orders = orders_by_item.get(item_id, [])
        ordered = sum(o.quantity for o in orders)
        shares = share_out(available, [(o.pk, o.quantity) for o in orders])
        reason = _cut_reason(item, available, ordered) if available < ordered else ""
        allocations += [
            Allocation(order=o, quantity=shares[o.pk], reason=reason if shares[o.pk] < o.quantity else "", set_by=user)
            for o in orders
        ]
        left = available - sum(shares.values())
        if left:
            movements.append(
                StockMovement(
                    product=item.product,
                    date=date,
                    kind=StockKind.IN,
                    quantity=left,
                    round_item=item,
                    unit_cost=item.pack_price / item.units_per_pack,
                    note=buying_round.title,
                    posted_by=user,
                )
            )
        cost += packs * item.pack_price
    RoundItem.objects.bulk_update(items.values(), ["received_packs", "receive_note"])
    Allocation.objects.bulk_create(allocations)
    StockMovement.objects.bulk_create(movements)
    if cost:
        CashEntry.objects.create(
            date=date,
            kind=CashKind.PURCHASE,
            amount=-cost,
            buying_round=buying_round,
            posted_by=user,
            description=_("Goods bought for %(round)s") % {"round": buying_round.title},
        )
    buying_round.received_at = timezone.now()
    buying_round.save(update_fields=["received_at"])
    return buying_round


@transaction.atomic
def allocation_override(
    *, allocation: Allocation, quantity: int, reason: str, date: datetime.date, user: User
) -> Allocation:
    """The leader changes what one member gets, saying why; the units freed go into stock, the
    units given come out of it, so no unit is counted twice."""
    allocation = (
        Allocation.objects.select_related("order__item__product", "order__item__round")
        .select_for_update()
        .get(pk=allocation.pk)
    )
    item = allocation.order.item
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the quantity is changed.")})
    if quantity > allocation.order.quantity:
        raise ValidationError({"quantity": _("A member cannot get more than they ordered.")})
    change = quantity - allocation.quantity
    if change == 0:
        return allocation
    Product.objects.select_for_update().get(pk=item.product_id)  # one taker of the stock at a time
    if change > 0 and selectors.goods_available(item.product, date) < change:
        raise ValidationError({"quantity": _("There is not enough in stock to give more.")})
    StockMovement.objects.create(
        product=item.product,
        date=date,
        kind=StockKind.OUT if change > 0 else StockKind.IN,
        quantity=-change,
        unit_cost=item.pack_price / item.units_per_pack,
        round_item=item,
        posted_by=user,
        note=_("Share of %(member)s changed: %(reason)s")
        % {"member": allocation.order.member.person, "reason": reason.strip()},
    )
    allocation.quantity, allocation.reason, allocation.set_by = quantity, reason.strip(), user
    allocation.save()
    return allocation


@transaction.atomic
def payment_post(
    *, buying_round: BuyingRound, member: Member, amount: Decimal, date: datetime.date, user: User
) -> MemberPayment:
    """A member pays for their share of a round: never more than they still owe. Payments to a
    round are taken one at a time (the round's row is locked), so two at once cannot both pass."""
    buying_round = _lock_round(buying_round)
    bill = selectors.member_bill(buying_round, member)
    if amount > bill.owed:
        raise ValidationError(
            {
                "amount": _("%(member)s owes only %(owed)s baht for this round.")
                % {"member": member.person, "owed": format_baht(bill.owed)}
            }
        )
    payment = MemberPayment.objects.create(round=buying_round, member=member, date=date, amount=amount, posted_by=user)
    CashEntry.objects.create(
        date=date,
        kind=CashKind.SALE,
        amount=amount,
        member_payment=payment,
        buying_round=buying_round,
        posted_by=user,
        description=_("%(member)s paid for %(round)s") % {"member": member.person, "round": buying_round.title},
    )
    return payment


# Production of cleaning liquids.

QUANTITY = Decimal("0.001")


@transaction.atomic
def material_buy(
    *, material: RawMaterial, quantity: Decimal, cost: Decimal, date: datetime.date, user: User
) -> MaterialMovement:
    """Raw material bought: into stock at its cost, and out of the cash book."""
    movement = MaterialMovement.objects.create(
        material=material, date=date, kind=MaterialKind.BOUGHT, quantity=quantity, value=cost, posted_by=user
    )
    CashEntry.objects.create(
        date=date,
        kind=CashKind.COST,
        amount=-cost,
        material_movement=movement,
        posted_by=user,
        description=_("Bought %(quantity)s %(unit)s of %(material)s")
        % {
            "quantity": format_quantity(quantity),
            "unit": material.unit,
            "material": material.name,
        },
    )
    return movement


@transaction.atomic
def batch_make(
    *,
    recipe: Recipe,
    date: datetime.date,
    scale: Decimal,
    litres: Decimal,
    makers: Iterable[Member],
    user: User,
) -> Batch:
    """Make a batch: each ingredient (times the scale) leaves the stock at its average cost, and
    the batch carries the sum as its cost. A batch that needs more of a material than is in stock
    on its day (and stays there on every later day) is refused and nothing is written."""
    ingredients = list(recipe.ingredients.select_related("material"))
    if not ingredients:
        raise ValidationError(_("The recipe has no ingredients yet."))
    # Lock the materials so two batches cannot both take the last of one.
    list(RawMaterial.objects.select_for_update().filter(pk__in=[i.material_id for i in ingredients]))
    uses: list[tuple[RawMaterial, Decimal, Decimal]] = []
    short: list[str] = []
    for ingredient in ingredients:
        needed = (ingredient.quantity * scale).quantize(QUANTITY)
        # What is in stock on the batch's day and stays there: a material bought later, or
        # already taken by a later batch, is not there to use.
        available = selectors.material_available(ingredient.material, date)
        on_hand, value = selectors.material_stock(ingredient.material)
        if needed > available:
            short.append(
                _("%(material)s: needs %(needed)s %(unit)s, %(on_hand)s in stock")
                % {
                    "material": ingredient.material.name,
                    "needed": format_quantity(needed),
                    "unit": ingredient.material.unit,
                    "on_hand": format_quantity(max(available, Decimal(0))),
                }
            )
        else:
            uses.append((ingredient.material, needed, to_satang(value * needed / on_hand)))
    if short:
        raise ValidationError(
            {"scale": _("Not enough in stock for this batch: %(short)s.") % {"short": "; ".join(short)}}, code="short"
        )
    batch = Batch.objects.create(
        recipe=recipe, date=date, scale=scale, litres=litres, cost=sum((v for _m, _q, v in uses), ZERO), posted_by=user
    )
    batch.makers.set(makers)
    MaterialMovement.objects.bulk_create(
        MaterialMovement(
            material=m, date=date, kind=MaterialKind.USED, quantity=-q, value=-v, batch=batch, posted_by=user
        )
        for m, q, v in uses
    )
    return batch


@transaction.atomic
def batch_reverse(*, batch: Batch, date: datetime.date, reason: str, user: User) -> BatchReversal:
    """Undo a batch, saying why: its materials come back into stock at the value they left it,
    and its litres leave the stock of the liquid, both dated the day of the correction. Refused
    when the litres are no longer there to take back: shared or sold since, so that fewer than
    the batch made are left on that day or a later one. A batch is reversed once; the reason is
    required, and the date cannot come before the batch's."""
    Recipe.objects.select_for_update().get(pk=batch.recipe_id)  # the lock liquid_sell takes
    batch = Batch.objects.select_related("recipe").get(pk=batch.pk)
    if BatchReversal.objects.filter(batch=batch).exists():
        raise ValidationError(_("This batch was already reversed."), code="already_reversed")
    reason = _check_correction(date=date, reason=reason, of=batch.date)
    left = selectors.liquid_available(batch.recipe, date)
    if left < batch.litres:
        raise ValidationError(
            _(
                "Only %(left)s of the %(litres)s litres this batch made are left from %(date)s on: the rest has been "
                "shared or sold. Reverse those sales in the cash book first."
            )
            % {
                "left": format_quantity(max(left, ZERO)),
                "litres": format_quantity(batch.litres),
                "date": be_date(date),
            },
            code="litres_gone",
        )
    reversal = BatchReversal.objects.create(batch=batch, date=date, reason=reason, posted_by=user)
    MaterialMovement.objects.bulk_create(
        MaterialMovement(
            material_id=used.material_id,
            date=date,
            kind=MaterialKind.RETURNED,
            quantity=-used.quantity,
            value=-used.value,
            batch=batch,
            posted_by=user,
        )
        for used in batch.materials_used.filter(kind=MaterialKind.USED)
    )
    return reversal


@transaction.atomic
def liquid_sell(
    *, recipe: Recipe, buyer: str, member: Member | None, litres: Decimal, date: datetime.date, user: User
) -> LiquidSale:
    """Share litres to a member at the member price or sell them in the community at the
    community price; the money goes into the cash book. Never more than is left on the sale's day
    and on every later day, so the stock of the liquid is never below zero on any day."""
    Recipe.objects.select_for_update().get(pk=recipe.pk)
    in_stock = max(selectors.liquid_available(recipe, date), ZERO)
    if litres > in_stock:
        raise ValidationError({"litres": _("Only %(litres)s litres are left.") % {"litres": format_quantity(in_stock)}})
    price = recipe.member_price if buyer == LiquidSale.Buyer.MEMBER else recipe.community_price
    sale = LiquidSale.objects.create(
        recipe=recipe,
        date=date,
        buyer=buyer,
        member=member if buyer == LiquidSale.Buyer.MEMBER else None,
        litres=litres,
        price_per_litre=price,
        amount=to_satang(litres * price),
        posted_by=user,
    )
    CashEntry.objects.create(
        date=date,
        kind=CashKind.SALE,
        amount=sale.amount,
        liquid_sale=sale,
        posted_by=user,
        description=_("%(litres)s litres of %(liquid)s") % {"litres": format_quantity(litres), "liquid": recipe.name},
    )
    return sale


@transaction.atomic
def stock_move(
    *, product: Product, kind: str, quantity: int, date: datetime.date, note: str, user: User
) -> StockMovement:
    """Take units out of stock (given out, spoiled), or set it to what a count found on `date`
    (`quantity` is then the units counted). Stock never goes below zero, on `date` or any later
    day."""
    Product.objects.select_for_update().get(pk=product.pk)
    if kind not in (StockKind.OUT, StockKind.SPOILED, StockKind.COUNTED):
        raise ValidationError({"kind": _("Goods come into stock only from a buying round.")})
    on_hand = selectors.stock_on_hand(product, as_of=date)
    change = quantity - on_hand if kind == StockKind.COUNTED else -quantity
    if change == 0:
        raise ValidationError({"quantity": _("The count matches the stock: nothing to correct.")})
    available = selectors.goods_available(product, date)
    if change < 0 and available + change < 0:
        raise ValidationError({"quantity": _("Only %(units)s units are in stock.") % {"units": max(available, 0)}})
    last_cost = (
        product.stock_movements.filter(kind=StockKind.IN)
        .order_by("-date", "-id")
        .values_list("unit_cost", flat=True)
        .first()
    )
    return StockMovement.objects.create(
        product=product,
        date=date,
        kind=kind,
        quantity=change,
        note=note.strip(),
        posted_by=user,
        unit_cost=last_cost if last_cost is not None else product.pack_price / product.units_per_pack,
    )

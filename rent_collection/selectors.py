"""Reads that feed the rent pages, receipts and reports. Each runs a fixed number of queries,
whatever the number of tenancies, receipts or letters.

Arrears. Rent falls due on the 1st of each month (see `Tenancy.months_due`). A tenancy's balance
on a day is its opening balance, plus the rent fallen due after it up to that day, minus its
receipts dated up to that day that were not voided. A positive balance is arrears; a negative one
is rent paid in advance (credit). A voided receipt never counts, whenever it was voided: a void
says the receipt was wrong from the start.

Cash in hand. What a collector took on receipts not voided, minus what of it they remitted to
CODI; a receipt counts as remitted from the transfer date of the remittance that includes it."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Min, Prefetch, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from songkhla_network.models import Community, User
from songkhla_network.thai import add_months, month_end, month_range, month_start

from .models import CodiLetter, LetterCollector, Receipt, Tenancy, month_index

ZERO = Decimal("0.00")
NOT_VOID = Q(void__isnull=True)


# Arrears.


def tenancy_paid(tenancy, *, until=None):
    """What the tenancy's receipts not voided add up to, those dated up to `until` if given."""
    receipts = Receipt.objects.filter(NOT_VOID, tenancy=tenancy)
    if until is not None:
        receipts = receipts.filter(date__lte=until)
    return receipts.aggregate(total=Sum("amount"))["total"] or ZERO


def tenancy_balance(tenancy, day):
    """Opening balance + rent due up to `day` − receipts up to `day`: arrears when positive,
    advance rent when negative. One query."""
    return tenancy.opening_balance + tenancy.rent_due(day) - tenancy_paid(tenancy, until=day)


def tenancy_arrears(tenancy, day):
    """What the household owes on `day` (never negative). One query."""
    return max(ZERO, tenancy_balance(tenancy, day))


def tenancies_with_arrears(day, *, tenancies=None, communities=None, in_arrears_only=False):
    """The tenancies (with tenant and community) each given, as of `day`: `rent_fallen_due`
    (rent due after the opening balance), `paid` (receipts not voided), `balance`, `arrears`
    (the balance when positive) and `credit` (advance rent held, when negative). One query."""
    queryset = Tenancy.objects.all() if tenancies is None else tenancies
    if communities is not None:
        queryset = queryset.filter(community__in=communities)
    rows = list(
        queryset.select_related("tenant", "community").annotate(
            paid=Coalesce(Sum("receipts__amount", filter=Q(receipts__date__lte=day, receipts__void__isnull=True)), ZERO)
        )
    )
    for tenancy in rows:
        _set_balance(tenancy, day)
    if in_arrears_only:
        rows = [t for t in rows if t.arrears > 0]
    return rows


def _set_balance(tenancy, day):
    tenancy.rent_fallen_due = tenancy.rent_due(day)
    tenancy.balance = tenancy.opening_balance + tenancy.rent_fallen_due - tenancy.paid
    tenancy.arrears = max(ZERO, tenancy.balance)
    tenancy.credit = max(ZERO, -tenancy.balance)


@dataclass
class ArrearsRow:
    """Arrears of a community (or, with no community, of the whole network) on a day."""

    community: Community | None = None
    tenancies: int = 0
    in_arrears: int = 0
    opening: Decimal = ZERO
    rent_due: Decimal = ZERO
    paid: Decimal = ZERO
    arrears: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def balance(self):
        """Arrears net of advance rent: opening + rent due − paid."""
        return self.opening + self.rent_due - self.paid

    def add(self, tenancy):
        self.tenancies += 1
        self.in_arrears += tenancy.arrears > 0
        self.opening += tenancy.opening_balance
        self.rent_due += tenancy.rent_fallen_due
        self.paid += tenancy.paid
        self.arrears += tenancy.arrears
        self.credit += tenancy.credit


@dataclass
class ArrearsSummary:
    day: datetime.date
    communities: list = field(default_factory=list)
    total: ArrearsRow = field(default_factory=ArrearsRow)


def arrears_summary(day, *, communities=None):
    """Arrears on `day` per community with tenancies (by name) and for the whole network; the
    arrears of a community are the sum of its households' arrears, so one household's advance
    rent never hides another's debt (advances are summed apart, as `credit`). One query."""
    summary = ArrearsSummary(day=day)
    rows = {}
    for tenancy in tenancies_with_arrears(day, communities=communities):
        row = rows.setdefault(tenancy.community_id, ArrearsRow(community=tenancy.community))
        row.add(tenancy)
        summary.total.add(tenancy)
    summary.communities = sorted(rows.values(), key=lambda r: r.community.name)
    return summary


def network_arrears(day):
    """The whole network's arrears on `day`, as one ArrearsRow. One query."""
    return arrears_summary(day).total


# How a payment is shared out over what is owed.


@dataclass
class PaymentCover:
    owed: Decimal  # arrears on the day, before the payment (never negative)
    advance: Decimal  # the part beyond it: rent paid ahead
    covers_from: datetime.date | None  # None: starts in the arrears brought forward
    covers_to: datetime.date | None  # None: ends in the arrears brought forward


def payment_cover(tenancy, *, day, amount, paid_before):
    """How a payment of `amount` on `day` is shared out, given `paid_before` (the tenancy's
    receipts already posted and not voided, whatever their date): it goes to the oldest debt
    first — the arrears brought forward in the opening balance, then each month's rent from the
    first month due after it, on into months not yet due. Returns what was owed on the day, the
    advance part, and the first and last rent months it reaches. No query."""
    owed = max(ZERO, tenancy.opening_balance + tenancy.rent_due(day) - paid_before)
    start, end = paid_before, paid_before + amount - Decimal("0.01")  # first and last satang paid

    def month_at(position):
        if position < tenancy.opening_balance:
            return None
        return add_months(tenancy.first_due_month, int((position - tenancy.opening_balance) // tenancy.monthly_rent))

    return PaymentCover(
        owed=owed, advance=max(ZERO, amount - owed), covers_from=month_at(start), covers_to=month_at(end)
    )


def receipt_preview(tenancy, *, day, amount):
    """What a receipt of `amount` on `day` would say: owed, advance and months, before posting.
    One query."""
    return payment_cover(tenancy, day=day, amount=amount, paid_before=tenancy_paid(tenancy))


# Who may collect where.


def assignments_on(day, *, collector=None, community=None):
    """Letter assignments valid on `day` (letter, collector and communities loaded), newest letter
    first: who is authorised where. Two queries."""
    queryset = LetterCollector.objects.filter(letter__valid_from__lte=day, letter__valid_to__gte=day)
    if collector is not None:
        queryset = queryset.filter(collector=collector)
    if community is not None:
        queryset = queryset.filter(communities=community)
    return list(
        queryset.select_related("letter", "collector")
        .prefetch_related("communities")
        .order_by("-letter__valid_from", "-letter__id", "collector__first_name", "id")
    )


def authorisations_by_community(day):
    """[(community, [assignments valid on `day` naming someone for it])], communities by name:
    who may collect where, for leaders and for tenants. Two queries."""
    by_community = {}
    for assignment in assignments_on(day):
        for community in assignment.communities.all():
            by_community.setdefault(community, []).append(assignment)
    return sorted(by_community.items(), key=lambda item: item[0].name)


def authorising_assignment(*, collector, community, day):
    """The assignment that lets `collector` collect in `community` on `day` (the newest letter
    if several do), or None. One query."""
    return (
        LetterCollector.objects.filter(
            collector=collector, communities=community, letter__valid_from__lte=day, letter__valid_to__gte=day
        )
        .select_related("letter")
        .order_by("-letter__valid_from", "-letter__id")
        .first()
    )


def collector_communities(collector, day):
    """The communities `collector` may collect in on `day`, by name. One query."""
    return list(
        Community.objects.filter(
            letter_assignments__collector=collector,
            letter_assignments__letter__valid_from__lte=day,
            letter_assignments__letter__valid_to__gte=day,
        )
        .distinct()
        .order_by("name")
    )


def collectible_tenancies(collector, day):
    """The tenancies `collector` may take money from on `day` (tenant and community loaded), as a
    queryset a form can offer. One query when evaluated."""
    return (
        Tenancy.objects.filter(
            community__letter_assignments__collector=collector,
            community__letter_assignments__letter__valid_from__lte=day,
            community__letter_assignments__letter__valid_to__gte=day,
        )
        .distinct()
        .select_related("tenant", "community")
        .order_by("community__name", "plot", "id")
    )


def letters_expiring(day, *, within_days=30):
    """Letters still valid on `day` that end within `within_days` days, soonest first, each with
    `days_left` and its collectors (and their communities) loaded. Three queries."""
    letters = list(
        CodiLetter.objects.filter(
            valid_from__lte=day, valid_to__gte=day, valid_to__lte=day + datetime.timedelta(days=within_days)
        )
        .prefetch_related(
            Prefetch(
                "collectors",
                queryset=LetterCollector.objects.select_related("collector").prefetch_related("communities"),
            )
        )
        .order_by("valid_to", "number")
    )
    for letter in letters:
        letter.days_left = (letter.valid_to - day).days
    return letters


def letter_request_draft(*, assignments, day):
    """What a request to CODI for a letter shows: for each proposed collector (`assignments`:
    [(user, [communities])]), each of their communities with its tenancies in arrears on `day`
    and their total. One query."""
    wanted = {c.pk for _user, communities in assignments for c in communities}
    by_community = {}
    for tenancy in tenancies_with_arrears(day, communities=wanted, in_arrears_only=True):
        by_community.setdefault(tenancy.community_id, []).append(tenancy)
    return [
        (
            user,
            [
                (
                    community,
                    by_community.get(community.pk, []),
                    sum((t.arrears for t in by_community.get(community.pk, [])), ZERO),
                )
                for community in sorted(communities, key=lambda c: c.name)
            ],
        )
        for user, communities in assignments
    ]


# Receipts and cash.


def receipts(*, collector=None, tenancy=None, community=None, first=None, last=None):
    """Receipts, newest first, with what a list or a printed receipt shows loaded: tenancy,
    tenant, community, collector, letter, void and remittance. One query when evaluated."""
    queryset = Receipt.objects.select_related(
        "tenancy__tenant", "tenancy__community", "collector", "letter", "void", "remittance_line__remittance"
    ).order_by("-date", "-id")
    if collector is not None:
        queryset = queryset.filter(collector=collector)
    if tenancy is not None:
        queryset = queryset.filter(tenancy=tenancy)
    if community is not None:
        queryset = queryset.filter(tenancy__community=community)
    if first is not None:
        queryset = queryset.filter(date__gte=first)
    if last is not None:
        queryset = queryset.filter(date__lte=last)
    return queryset


def unremitted_receipts(collector):
    """The collector's receipts not voided and not yet remitted, oldest first: what a remittance
    can include. One query when evaluated."""
    return (
        Receipt.objects.filter(NOT_VOID, collector=collector, remittance_line__isnull=True)
        .select_related("tenancy__tenant", "tenancy__community")
        .order_by("date", "number")
    )


@dataclass
class CashInHand:
    collector: User
    collected: Decimal = ZERO
    remitted: Decimal = ZERO
    unremitted_receipts: int = 0
    oldest_unremitted: datetime.date | None = None
    days_waiting: int | None = None  # days the oldest unremitted receipt has waited

    @property
    def in_hand(self):
        return self.collected - self.remitted


def cash_in_hand(day):
    """Per collector who ever took money (by name), on `day`: collected (receipts up to `day`, not
    voided), remitted (those of them in remittances transferred up to `day`), in hand, and how many
    days the oldest receipt not yet remitted has waited. Two queries."""
    remitted_by_day = Q(remittance_line__remittance__transfer_date__lte=day)
    rows = (
        Receipt.objects.filter(NOT_VOID, date__lte=day)
        .order_by()
        .values("collector")
        .annotate(
            collected=Sum("amount"),
            remitted=Sum("amount", filter=remitted_by_day),
            waiting=Count("id", filter=~remitted_by_day | Q(remittance_line__isnull=True)),
            oldest=Min("date", filter=~remitted_by_day | Q(remittance_line__isnull=True)),
        )
    )
    totals = {row.pop("collector"): row for row in rows}
    result = []
    for user in User.objects.filter(pk__in=totals).order_by("first_name", "last_name", "username"):
        row = totals[user.pk]
        oldest = row["oldest"]
        result.append(
            CashInHand(
                collector=user,
                collected=row["collected"] or ZERO,
                remitted=row["remitted"] or ZERO,
                unremitted_receipts=row["waiting"],
                oldest_unremitted=oldest,
                days_waiting=(day - oldest).days if oldest else None,
            )
        )
    return result


@dataclass
class ReconciliationRow:
    """Money of a collector or a community over a period. `in_hand_before` + `collected` −
    `remitted` = `in_hand_after`."""

    key: object = None  # a User, a Community, or None for the total
    in_hand_before: Decimal = ZERO
    collected: Decimal = ZERO
    remitted: Decimal = ZERO

    @property
    def in_hand_after(self):
        return self.in_hand_before + self.collected - self.remitted

    def add(self, row):
        self.in_hand_before += (row["collected_before"] or ZERO) - (row["remitted_before"] or ZERO)
        self.collected += row["collected"] or ZERO
        self.remitted += row["remitted"] or ZERO


@dataclass
class Reconciliation:
    first: datetime.date
    last: datetime.date
    by_collector: list = field(default_factory=list)
    by_community: list = field(default_factory=list)
    total: ReconciliationRow = field(default_factory=ReconciliationRow)


def reconciliation(first, last):
    """For the days `first`..`last`: per collector and per community (of the receipts' tenancies)
    and in total, the cash in hand before the period, collected in it (receipts dated in it, not
    voided), remitted in it (receipts in remittances transferred in it), and in hand at its end.
    Three queries."""
    transfer = "remittance_line__remittance__transfer_date"
    # A receipt is never remitted before its date, so nothing dated after `last` matters.
    rows = list(
        Receipt.objects.filter(NOT_VOID, date__lte=last)
        .order_by()
        .values("collector", "tenancy__community")
        .annotate(
            collected_before=Sum("amount", filter=Q(date__lt=first)),
            collected=Sum("amount", filter=Q(date__gte=first)),
            remitted_before=Sum("amount", filter=Q(**{f"{transfer}__lt": first})),
            remitted=Sum("amount", filter=Q(**{f"{transfer}__gte": first, f"{transfer}__lte": last})),
        )
    )
    users = User.objects.in_bulk({r["collector"] for r in rows})
    communities = Community.objects.in_bulk({r["tenancy__community"] for r in rows})
    result = Reconciliation(first=first, last=last)
    by_collector, by_community = {}, {}
    for row in rows:
        by_collector.setdefault(row["collector"], ReconciliationRow(key=users[row["collector"]])).add(row)
        community = row["tenancy__community"]
        by_community.setdefault(community, ReconciliationRow(key=communities[community])).add(row)
        result.total.add(row)
    result.by_collector = sorted(by_collector.values(), key=lambda r: r.key.get_full_name() or r.key.username)
    result.by_community = sorted(by_community.values(), key=lambda r: r.key.name)
    return result


# Reports.


@dataclass
class MonthProgress:
    """One month of a community (or of the network): rent that fell due in it, money collected
    in it, and the arrears at its end (the sum of the households' positive balances)."""

    month: datetime.date
    rent_due: Decimal = ZERO
    collected: Decimal = ZERO
    arrears: Decimal = ZERO
    tenancies: int = 0

    @property
    def collected_share(self):
        """Collected as a share of the rent due in the month (None when nothing fell due)."""
        return (self.collected / self.rent_due) if self.rent_due else None


@dataclass
class CommunityProgress:
    community: Community
    months: list = field(default_factory=list)


@dataclass
class Progress:
    months: list  # the months, as dates of their 1st
    communities: list = field(default_factory=list)  # CommunityProgress, by name
    total: list = field(default_factory=list)  # MonthProgress of the whole network, per month


def progress_by_month(first, last, *, communities=None):
    """Arrears and collection, month by month from the month of `first` to the month of `last`,
    per community and for the network: for a table and a chart. A tenancy counts from the month
    of its opening balance. Two queries."""
    months = list(month_range(month_start(first), month_start(last)))
    tenancies = Tenancy.objects.select_related("community")
    receipts = Receipt.objects.filter(NOT_VOID, date__lte=month_end(months[-1]))
    if communities is not None:
        tenancies = tenancies.filter(community__in=communities)
        receipts = receipts.filter(tenancy__community__in=communities)
    tenancies = list(tenancies)
    paid = {}  # (tenancy id, month) -> receipts dated in that month
    for row in (
        receipts.order_by().annotate(month=TruncMonth("date")).values("tenancy", "month").annotate(total=Sum("amount"))
    ):
        paid[(row["tenancy"], row["month"])] = row["total"]
    first_index = month_index(months[0])
    # What each tenancy paid before the first month, whatever the date.
    paid_before = {}
    for (tenancy_id, month), total in paid.items():
        if month_index(month) < first_index:
            paid_before[tenancy_id] = paid_before.get(tenancy_id, ZERO) + total
    by_community = {}
    total = {month: MonthProgress(month=month) for month in months}
    for tenancy in tenancies:
        rows = by_community.setdefault(
            tenancy.community_id, (tenancy.community, {m: MonthProgress(month=m) for m in months})
        )[1]
        cumulative = paid_before.get(tenancy.pk, ZERO)
        for month in months:
            collected = paid.get((tenancy.pk, month), ZERO)
            cumulative += collected
            end = month_end(month)
            if end < tenancy.opening_on:
                continue
            due = tenancy.monthly_rent * (
                tenancy.months_due(end) - tenancy.months_due(month - datetime.timedelta(days=1))
            )
            arrears = max(ZERO, tenancy.opening_balance + tenancy.rent_due(end) - cumulative)
            for row in (rows[month], total[month]):
                row.rent_due += due
                row.collected += collected
                row.arrears += arrears
                row.tenancies += 1
    return Progress(
        months=months,
        communities=[
            CommunityProgress(community=community, months=[rows[m] for m in months])
            for community, rows in sorted(by_community.values(), key=lambda item: item[0].name)
        ],
        total=[total[m] for m in months],
    )


class LineKind:
    OPENING = "opening"
    RENT = "rent"
    RECEIPT = "receipt"


LINE_LABELS = {
    LineKind.OPENING: _("Arrears brought forward"),
    LineKind.RENT: _("Rent due"),
    LineKind.RECEIPT: _("Receipt"),
}


@dataclass
class StatementLine:
    date: datetime.date
    kind: str
    charge: Decimal = ZERO
    payment: Decimal = ZERO
    balance: Decimal = ZERO  # after this line: arrears when positive, advance when negative
    month: datetime.date | None = None  # for rent lines
    receipt: Receipt | None = None  # for receipt lines
    voided: bool = False  # a voided receipt is listed, with its number, but pays nothing

    @property
    def label(self):
        return LINE_LABELS[self.kind]


@dataclass
class Statement:
    tenancy: Tenancy
    day: datetime.date
    lines: list = field(default_factory=list)

    @property
    def balance(self):
        return self.lines[-1].balance

    @property
    def arrears(self):
        return max(ZERO, self.balance)

    @property
    def advance(self):
        return max(ZERO, -self.balance)


def tenancy_statement(tenancy, day):
    """A household's statement up to `day`: the opening balance, each month's rent on its 1st, and
    every receipt (voided ones shown but not counted), in date order — on a 1st the rent comes
    before the receipts — each line with the balance after it. One query."""
    statement = Statement(tenancy=tenancy, day=day)
    balance = tenancy.opening_balance
    statement.lines.append(
        StatementLine(date=tenancy.opening_on, kind=LineKind.OPENING, charge=balance, balance=balance)
    )
    events = [(add_months(tenancy.first_due_month, k), 0, k, None) for k in range(tenancy.months_due(day))]
    for receipt in (
        Receipt.objects.filter(tenancy=tenancy, date__lte=day)
        .select_related("collector", "letter", "void")
        .order_by("date", "id")
    ):
        events.append((receipt.date, 1, receipt.pk, receipt))
    for date, _order, _key, receipt in sorted(events, key=lambda e: e[:3]):
        if receipt is None:
            balance += tenancy.monthly_rent
            statement.lines.append(
                StatementLine(date=date, kind=LineKind.RENT, month=date, charge=tenancy.monthly_rent, balance=balance)
            )
            continue
        voided = hasattr(receipt, "void")
        if not voided:
            balance -= receipt.amount
        statement.lines.append(
            StatementLine(
                date=date,
                kind=LineKind.RECEIPT,
                receipt=receipt,
                voided=voided,
                payment=ZERO if voided else receipt.amount,
                balance=balance,
            )
        )
    return statement

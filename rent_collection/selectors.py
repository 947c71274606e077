"""Reads that feed the rent pages, receipts and reports. Each runs a fixed number of queries,
whatever the number of tenancies, receipts or letters.

Arrears. One rule, stated once by `Balance`: a tenancy's balance on a day is its opening
balance, plus the rent fallen due after it up to that day (on the 1st of each month, see
`Tenancy.months_due`), minus its receipts dated up to that day that were not voided. A positive
balance is arrears; a negative one is rent paid in advance (credit). A voided receipt never
counts, whenever it was voided: a void says the receipt was wrong from the start. Every figure of
arrears — a household's, a community's, the network's, a statement line's, a month's end in the
progress report, what a receipt finds owed — is a `Balance`: `tenancy_balance` reads one tenancy's
in one query, `tenancy_balances` many in one query, and the statement and the progress report
build theirs from the receipts they have already read.

Cash in hand. What a collector took on receipts not voided, minus what of it they remitted to
CODI; a receipt counts as remitted from the transfer date of the remittance that includes it."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db.models import Count, Min, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from songkhla_network.models import Community, User
from songkhla_network.thai import add_months, month_end, month_range, month_start

from .models import COLLECTING_ROLES, CodiLetter, LetterCollector, Receipt, Remittance, Tenancy, month_index

ZERO = Decimal("0.00")
NOT_VOID = Q(void__isnull=True)

# Which communities a read is limited to: Community rows, their ids, or a queryset giving either.
Communities = Iterable[Any]


# Arrears.


@dataclass(frozen=True)
class Balance:
    """A tenancy's account on `day`:

        balance = opening + rent_due − paid

    `opening` is what the household owed at the end of the tenancy's opening day, `rent_due` the
    rent fallen due after it up to `day`, `paid` what its receipts not voided, dated up to `day`,
    add up to. Arrears are the balance when positive, credit (rent paid in advance) the balance
    when negative; each is 0 otherwise. The one place this arithmetic is written."""

    tenancy: Tenancy
    day: datetime.date
    paid: Decimal

    @property
    def opening(self) -> Decimal:
        return self.tenancy.opening_balance

    @property
    def rent_due(self) -> Decimal:
        return self.tenancy.rent_due(self.day)

    @property
    def balance(self) -> Decimal:
        return self.opening + self.rent_due - self.paid

    @property
    def arrears(self) -> Decimal:
        return max(ZERO, self.balance)

    @property
    def credit(self) -> Decimal:
        return max(ZERO, -self.balance)


def _paid(until: datetime.date | None) -> Coalesce:
    """The `paid` of a balance, as an aggregate over a tenancy's receipts: those not voided, and
    dated up to `until` when given. Shared by `tenancy_paid` and `tenancy_balances`, so one
    tenancy read alone and read among many count the same receipts."""
    counted = Q(receipts__void__isnull=True)
    if until is not None:
        counted &= Q(receipts__date__lte=until)
    return Coalesce(Sum("receipts__amount", filter=counted), ZERO)


def tenancy_paid(tenancy: Tenancy, *, until: datetime.date | None = None) -> Decimal:
    """What the tenancy's receipts not voided add up to, those dated up to `until` if given.
    One query."""
    paid: Decimal = Tenancy.objects.filter(pk=tenancy.pk).aggregate(paid=_paid(until))["paid"]
    return paid


def tenancy_balance(tenancy: Tenancy, day: datetime.date) -> Balance:
    """The tenancy's balance on `day`. One query."""
    return Balance(tenancy=tenancy, day=day, paid=tenancy_paid(tenancy, until=day))


def tenancy_balances(
    day: datetime.date,
    *,
    tenancies: QuerySet[Tenancy] | None = None,
    communities: Communities | None = None,
    in_arrears_only: bool = False,
) -> list[Balance]:
    """`tenancy_balance` on `day` of each tenancy given (all, or those of `communities`), tenant
    and community loaded, by community, plot and id; only those in arrears if asked. One query."""
    queryset = Tenancy.objects.all() if tenancies is None else tenancies
    if communities is not None:
        queryset = queryset.filter(community__in=communities)
    # Ordered here: a query that sums (GROUP BY) leaves the model's default ordering out.
    queryset = queryset.select_related("tenant", "community").order_by("community__name", "plot", "id")
    balances = [Balance(tenancy=tenancy, day=day, paid=tenancy.paid) for tenancy in queryset.annotate(paid=_paid(day))]
    if in_arrears_only:
        balances = [b for b in balances if b.arrears > 0]
    return balances


@dataclass
class ArrearsRow:
    """Arrears of a community (or, with no community, of the whole network) on a day: the sums
    of its households' balances."""

    community: Community | None = None
    tenancies: int = 0
    in_arrears: int = 0
    opening: Decimal = ZERO
    rent_due: Decimal = ZERO
    paid: Decimal = ZERO
    balance: Decimal = ZERO  # arrears net of advance rent
    arrears: Decimal = ZERO
    credit: Decimal = ZERO

    def add(self, balance: Balance) -> None:
        self.tenancies += 1
        self.in_arrears += balance.arrears > 0
        self.opening += balance.opening
        self.rent_due += balance.rent_due
        self.paid += balance.paid
        self.balance += balance.balance
        self.arrears += balance.arrears
        self.credit += balance.credit


@dataclass
class ArrearsSummary:
    day: datetime.date
    communities: list[ArrearsRow] = field(default_factory=list)
    total: ArrearsRow = field(default_factory=ArrearsRow)


def arrears_summary(day: datetime.date, *, communities: Communities | None = None) -> ArrearsSummary:
    """Arrears on `day` per community with tenancies (by name) and for the whole network; the
    arrears of a community are the sum of its households' arrears, so one household's advance
    rent never hides another's debt (advances are summed apart, as `credit`). One query."""
    summary = ArrearsSummary(day=day)
    rows: dict[int, ArrearsRow] = {}
    for balance in tenancy_balances(day, communities=communities):
        tenancy = balance.tenancy
        rows.setdefault(tenancy.community_id, ArrearsRow(community=tenancy.community)).add(balance)
        summary.total.add(balance)
    summary.communities = sorted(rows.values(), key=lambda r: r.community.name if r.community else "")
    return summary


def network_arrears(day: datetime.date) -> ArrearsRow:
    """The whole network's arrears on `day`, as one ArrearsRow. One query."""
    return arrears_summary(day).total


# How a payment is shared out over what is owed.


@dataclass
class PaymentCover:
    owed: Decimal  # arrears on the day, before the payment (never negative)
    advance: Decimal  # the part beyond it: rent paid ahead
    covers_from: datetime.date | None  # None: starts in the arrears brought forward
    covers_to: datetime.date | None  # None: ends in the arrears brought forward


def payment_cover(tenancy: Tenancy, *, day: datetime.date, amount: Decimal, paid_before: Decimal) -> PaymentCover:
    """How a payment of `amount` on `day` is shared out, given `paid_before` (the tenancy's
    receipts already posted and not voided, whatever their date: money already taken is never
    owed again): it goes to the oldest debt first — the arrears brought forward in the opening
    balance, then each month's rent from the first month due after it, on into months not yet
    due. Returns what was owed on the day, the advance part, and the first and last rent months
    it reaches. No query."""
    owed = Balance(tenancy=tenancy, day=day, paid=paid_before).arrears
    start, end = paid_before, paid_before + amount - Decimal("0.01")  # first and last satang paid

    def month_at(position: Decimal) -> datetime.date | None:
        if position < tenancy.opening_balance:
            return None
        return add_months(tenancy.first_due_month, int((position - tenancy.opening_balance) // tenancy.monthly_rent))

    return PaymentCover(
        owed=owed, advance=max(ZERO, amount - owed), covers_from=month_at(start), covers_to=month_at(end)
    )


def receipt_preview(tenancy: Tenancy, *, day: datetime.date, amount: Decimal) -> PaymentCover:
    """What a receipt of `amount` on `day` would say: owed, advance and months, before posting.
    One query."""
    return payment_cover(tenancy, day=day, amount=amount, paid_before=tenancy_paid(tenancy))


# Households.


def tenancies_matching(tenancies: QuerySet[Tenancy], *, community: Community | None, text: str) -> QuerySet[Tenancy]:
    """The `tenancies` of `community` (any if None) whose tenant's name, plot or contract number
    holds `text` (any if blank)."""
    if community is not None:
        tenancies = tenancies.filter(community=community)
    text = text.strip()
    if text:
        tenancies = tenancies.filter(
            Q(tenant__first_name__icontains=text)
            | Q(tenant__last_name__icontains=text)
            | Q(plot__icontains=text)
            | Q(contract_number__icontains=text)
        )
    return tenancies


# Who may collect where.


def assignments_on(
    day: datetime.date, *, collector: User | None = None, community: Community | None = None
) -> list[LetterCollector]:
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


def authorisations_by_community(day: datetime.date) -> list[tuple[Community, list[LetterCollector]]]:
    """[(community, [assignments valid on `day` naming someone for it])], communities by name:
    who may collect where, for leaders and for tenants. Two queries."""
    by_community: dict[Community, list[LetterCollector]] = {}
    for assignment in assignments_on(day):
        for community in assignment.communities.all():
            by_community.setdefault(community, []).append(assignment)
    return sorted(by_community.items(), key=lambda item: item[0].name)


def authorising_assignment(*, collector: User, community: Community, day: datetime.date) -> LetterCollector | None:
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


def collector_communities(collector: User, day: datetime.date) -> list[Community]:
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


def collectible_tenancies(collector: User, day: datetime.date) -> QuerySet[Tenancy]:
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


def _with_collectors(letters: QuerySet[CodiLetter]) -> QuerySet[CodiLetter]:
    """The letters with the persons they name, by name, and each person's communities, by name."""
    return letters.prefetch_related(
        Prefetch(
            "collectors",
            queryset=LetterCollector.objects.select_related("collector")
            .prefetch_related(Prefetch("communities", queryset=Community.objects.order_by("name")))
            .order_by("collector__first_name", "collector__last_name", "id"),
        )
    )


@dataclass
class LetterOnDay:
    """A CODI letter as it stands on a day."""

    letter: CodiLetter
    days_left: int  # from the day to the letter's last day; negative once it has ended
    expired: bool
    not_yet: bool  # valid from a later day
    expiring: bool  # valid on the day, and ending within the days given


def letters_as_of(day: datetime.date, letters: QuerySet[CodiLetter], *, expiring_within: int) -> list[LetterOnDay]:
    """The `letters`, those ending last first, as they stand on `day`, each with its collectors
    and their communities loaded. Three queries."""
    result = []
    for letter in _with_collectors(letters).order_by("-valid_to", "-valid_from", "-id"):
        days_left = (letter.valid_to - day).days
        expired, not_yet = letter.valid_to < day, letter.valid_from > day
        result.append(
            LetterOnDay(
                letter=letter,
                days_left=days_left,
                expired=expired,
                not_yet=not_yet,
                expiring=not (expired or not_yet) and days_left <= expiring_within,
            )
        )
    return result


def letters_expiring(day: datetime.date, *, within_days: int = 30) -> list[CodiLetter]:
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


def collecting_candidates() -> list[User]:
    """The active logins a CODI letter may name (rent collectors and leaders), by name. One query."""
    return list(
        User.objects.filter(role__in=COLLECTING_ROLES, is_active=True).order_by("first_name", "last_name", "username")
    )


def railway_communities() -> list[Community]:
    """Communities on railway land: those with tenancies, or named in a letter before; by name.
    One query."""
    return list(
        Community.objects.filter(Q(tenancies__isnull=False) | Q(letter_assignments__isnull=False))
        .distinct()
        .order_by("name")
    )


# A proposed collector's communities: [(community, [balances in arrears there], their total)].
DraftCommunities = list[tuple[Community, list[Balance], Decimal]]


def letter_request_draft(
    *, assignments: Sequence[tuple[User, Sequence[Community]]], day: datetime.date
) -> list[tuple[User, DraftCommunities]]:
    """What a request to CODI for a letter shows: for each proposed collector (`assignments`:
    [(user, [communities])]), each of their communities with the balances of its tenancies in
    arrears on `day` and their total. One query."""
    wanted = {c.pk for _user, communities in assignments for c in communities}
    by_community: dict[int, list[Balance]] = {}
    for balance in tenancy_balances(day, communities=wanted, in_arrears_only=True):
        by_community.setdefault(balance.tenancy.community_id, []).append(balance)
    return [
        (
            user,
            [
                (
                    community,
                    by_community.get(community.pk, []),
                    sum((b.arrears for b in by_community.get(community.pk, [])), ZERO),
                )
                for community in sorted(communities, key=lambda c: c.name)
            ],
        )
        for user, communities in assignments
    ]


# Receipts and cash.


def receipts(
    *,
    within: QuerySet[Receipt] | None = None,
    collector: User | None = None,
    tenancy: Tenancy | None = None,
    community: Community | None = None,
    first: datetime.date | None = None,
    last: datetime.date | None = None,
) -> QuerySet[Receipt]:
    """Receipts (among `within`, if given: those a user may read), newest first, with what a list
    or a printed receipt shows loaded: tenancy, tenant, community, collector, letter, void and
    remittance. One query when evaluated."""
    queryset = Receipt.objects.select_related(
        "tenancy__tenant", "tenancy__community", "collector", "letter", "void", "remittance_line__remittance"
    ).order_by("-date", "-id")
    if within is not None:
        queryset = queryset.filter(pk__in=within.values("pk"))
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


def unremitted_receipts(collector: User) -> QuerySet[Receipt]:
    """The collector's receipts not voided and not yet remitted, oldest first: what a remittance
    can include. One query when evaluated."""
    return (
        Receipt.objects.filter(NOT_VOID, collector=collector, remittance_line__isnull=True)
        .select_related("tenancy__tenant", "tenancy__community")
        .order_by("date", "number")
    )


def remittances_with_counts(remittances: QuerySet[Remittance]) -> list[Remittance]:
    """The `remittances`, newest first, each with `receipt_count`. One query."""
    return list(remittances.annotate(receipt_count=Count("lines")))


def remittance_receipts(remittance: Remittance) -> list[Receipt]:
    """The receipts a remittance paid in, by number, tenant and community loaded. One query."""
    return list(
        Receipt.objects.filter(remittance_line__remittance=remittance)
        .select_related("tenancy__tenant", "tenancy__community")
        .order_by("number")
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
    def in_hand(self) -> Decimal:
        return self.collected - self.remitted


def cash_in_hand(day: datetime.date) -> list[CashInHand]:
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


Key = TypeVar("Key", User, Community, None)


@dataclass
class ReconciliationRow(Generic[Key]):
    """Money of a collector or a community over a period. `in_hand_before` + `collected` −
    `remitted` = `in_hand_after`."""

    key: Key  # a User, a Community, or None for the total
    in_hand_before: Decimal = ZERO
    collected: Decimal = ZERO
    remitted: Decimal = ZERO

    @property
    def in_hand_after(self) -> Decimal:
        return self.in_hand_before + self.collected - self.remitted

    def add(self, row: dict[str, Any]) -> None:
        self.in_hand_before += (row["collected_before"] or ZERO) - (row["remitted_before"] or ZERO)
        self.collected += row["collected"] or ZERO
        self.remitted += row["remitted"] or ZERO


@dataclass
class Reconciliation:
    first: datetime.date
    last: datetime.date
    by_collector: list[ReconciliationRow[User]] = field(default_factory=list)
    by_community: list[ReconciliationRow[Community]] = field(default_factory=list)
    total: ReconciliationRow[None] = field(default_factory=lambda: ReconciliationRow(key=None))


def reconciliation(first: datetime.date, last: datetime.date) -> Reconciliation:
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
    by_collector: dict[int, ReconciliationRow[User]] = {}
    by_community: dict[int, ReconciliationRow[Community]] = {}
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
    in it, and the arrears at its end (the sum of the households' arrears on its last day)."""

    month: datetime.date
    rent_due: Decimal = ZERO
    collected: Decimal = ZERO
    arrears: Decimal = ZERO
    tenancies: int = 0

    @property
    def collected_share(self) -> Decimal | None:
        """Collected as a share of the rent due in the month (None when nothing fell due)."""
        return (self.collected / self.rent_due) if self.rent_due else None


@dataclass
class CommunityProgress:
    community: Community
    months: list[MonthProgress] = field(default_factory=list)


@dataclass
class Progress:
    months: list[datetime.date]  # the months, as dates of their 1st
    communities: list[CommunityProgress] = field(default_factory=list)  # by name
    total: list[MonthProgress] = field(default_factory=list)  # the whole network, per month


def progress_by_month(first: datetime.date, last: datetime.date, *, communities: Communities | None = None) -> Progress:
    """Arrears and collection, month by month from the month of `first` to the month of `last`,
    per community and for the network: for a table and a chart. A tenancy counts from the month
    of its opening balance; its arrears at a month's end are its `Balance` on that day, from the
    receipts read here. Two queries."""
    months = list(month_range(month_start(first), month_start(last)))
    tenancies = Tenancy.objects.select_related("community")
    receipts = Receipt.objects.filter(NOT_VOID, date__lte=month_end(months[-1]))
    if communities is not None:
        tenancies = tenancies.filter(community__in=communities)
        receipts = receipts.filter(tenancy__community__in=communities)
    paid: dict[tuple[int, datetime.date], Decimal] = {}  # (tenancy id, month) -> receipts dated in that month
    for sums in (
        receipts.order_by().annotate(month=TruncMonth("date")).values("tenancy", "month").annotate(total=Sum("amount"))
    ):
        paid[(sums["tenancy"], sums["month"])] = sums["total"]
    first_index = month_index(months[0])
    # What each tenancy paid before the first month, whatever the date.
    paid_before: dict[int, Decimal] = {}
    for (tenancy_id, month), amount in paid.items():
        if month_index(month) < first_index:
            paid_before[tenancy_id] = paid_before.get(tenancy_id, ZERO) + amount
    by_community: dict[int, tuple[Community, dict[datetime.date, MonthProgress]]] = {}
    total = {month: MonthProgress(month=month) for month in months}
    for tenancy in tenancies:
        of_community = by_community.setdefault(
            tenancy.community_id, (tenancy.community, {m: MonthProgress(month=m) for m in months})
        )[1]
        cumulative = paid_before.get(tenancy.pk, ZERO)
        for month in months:
            collected = paid.get((tenancy.pk, month), ZERO)
            cumulative += collected
            end = month_end(month)
            if end < tenancy.opening_on:
                continue
            balance = Balance(tenancy=tenancy, day=end, paid=cumulative)
            due = balance.rent_due - tenancy.rent_due(month - datetime.timedelta(days=1))
            for row in (of_community[month], total[month]):
                row.rent_due += due
                row.collected += collected
                row.arrears += balance.arrears
                row.tenancies += 1
    return Progress(
        months=months,
        communities=[
            CommunityProgress(community=community, months=[of_community[m] for m in months])
            for community, of_community in sorted(by_community.values(), key=lambda item: item[0].name)
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
    def label(self) -> Promise:
        return LINE_LABELS[self.kind]


@dataclass
class Statement:
    tenancy: Tenancy
    day: datetime.date
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        return self.lines[-1].balance

    @property
    def arrears(self) -> Decimal:
        return max(ZERO, self.balance)

    @property
    def advance(self) -> Decimal:
        return max(ZERO, -self.balance)


def tenancy_statement(tenancy: Tenancy, day: datetime.date) -> Statement:
    """A household's statement up to `day`: the opening balance, each month's rent on its 1st, and
    every receipt (voided ones shown but not counted), in date order — on a 1st the rent comes
    before the receipts — each line with the tenancy's `Balance` after it. One query."""
    statement = Statement(tenancy=tenancy, day=day)
    paid = ZERO
    statement.lines.append(
        StatementLine(
            date=tenancy.opening_on,
            kind=LineKind.OPENING,
            charge=tenancy.opening_balance,
            balance=Balance(tenancy=tenancy, day=tenancy.opening_on, paid=paid).balance,
        )
    )
    events: list[tuple[datetime.date, int, int, Receipt | None]] = [
        (add_months(tenancy.first_due_month, k), 0, k, None) for k in range(tenancy.months_due(day))
    ]
    for posted in (
        Receipt.objects.filter(tenancy=tenancy, date__lte=day)
        .select_related("collector", "letter", "void")
        .order_by("date", "id")
    ):
        events.append((posted.date, 1, posted.pk, posted))
    for date, _order, _key, receipt in sorted(events, key=lambda e: e[:3]):
        if receipt is None:
            statement.lines.append(
                StatementLine(
                    date=date,
                    kind=LineKind.RENT,
                    month=date,
                    charge=tenancy.monthly_rent,
                    balance=Balance(tenancy=tenancy, day=date, paid=paid).balance,
                )
            )
            continue
        voided = hasattr(receipt, "void")
        if not voided:
            paid += receipt.amount
        statement.lines.append(
            StatementLine(
                date=date,
                kind=LineKind.RECEIPT,
                receipt=receipt,
                voided=voided,
                payment=ZERO if voided else receipt.amount,
                balance=Balance(tenancy=tenancy, day=date, paid=paid).balance,
            )
        )
    return statement

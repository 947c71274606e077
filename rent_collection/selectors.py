"""Reads that feed the rent pages, receipts and reports. Each runs a fixed number of queries,
whatever the number of tenancies, receipts or letters.

Arrears. One rule, stated once by `Balance`: a tenancy's balance on a day is its opening
balance, plus the rent fallen due after it up to that day (on the 1st of each month, at the rent
in force in that month, and none after the tenancy ended: see `Tenancy.rent_due`), minus its
receipts dated up to that day, plus those of them voided up to that day. A positive balance is
arrears; a negative one is rent paid in advance (credit). A void counts from its own date, not
the receipt's: up to the day before, the receipt counted as money taken, so a figure of a period
that closed before the void stays what it was. Every figure of arrears — a household's, a
community's, the network's, a statement line's, a month's end in the progress report, what a
receipt finds owed — is a `Balance`: `tenancy_balance` reads one tenancy's, `tenancy_balances`
many at once, and the statement and the progress report build theirs from the receipts they have
already read.

What each figure counts by: rent by the month it fell due for (the rent month), money taken by the
receipt's date, a void by its own date, money remitted by the transfer's date.

Cash in hand. What a collector took on receipts, less those voided, minus what of it they remitted
to CODI; a receipt counts as remitted from the transfer date of the remittance that includes it."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db.models import Count, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, prefetch_related_objects
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext_lazy as _

from songkhla_network import promptpay, sql
from songkhla_network.models import Community, Person, User
from songkhla_network.qr import qr_data_uri, qr_svg
from songkhla_network.thai import month_end, month_range, month_start

from .models import (
    COLLECTING_ROLES,
    CodiLetter,
    LetterCollector,
    Receipt,
    ReceiptVoid,
    Remittance,
    RentChange,
    Tenancy,
    TransferAccount,
    month_index,
)

ZERO = Decimal("0.00")
NOT_VOID = Q(void__isnull=True)
ONE_DAY = datetime.timedelta(days=1)

# Which communities a read is limited to: Community rows, their ids, or a queryset giving either.
Communities = Iterable[Any]


# Arrears.


@dataclass(frozen=True)
class Balance:
    """A tenancy's account on `day`:

        balance = opening + rent_due − paid

    `opening` is what the household owed at the end of the tenancy's opening day, `rent_due` the
    rent fallen due after it up to `day` (each month at the rent in force in it), `paid` what its
    receipts dated up to `day` add up to, less those of them voided up to `day`. Arrears are the
    balance when positive, credit (rent paid in advance) the balance when negative; each is 0
    otherwise. The arithmetic is written once, in `balance_of`, `arrears_in` and `credit_in`
    below, which the month-by-month tables call without a Balance for each household and month.

    The rent due and the balance are worked out once per Balance. Django's cached_property, not
    Python 3.11's, which takes a lock on each first read."""

    tenancy: Tenancy
    day: datetime.date
    paid: Decimal

    @property
    def opening(self) -> Decimal:
        return self.tenancy.opening_balance

    @cached_property
    def rent_due(self) -> Decimal:
        return self.tenancy.rent_due(self.day)

    @cached_property
    def balance(self) -> Decimal:
        return balance_of(self.opening, self.rent_due, self.paid)

    @property
    def arrears(self) -> Decimal:
        return arrears_in(self.balance)

    @property
    def credit(self) -> Decimal:
        return credit_in(self.balance)

    @property
    def rent(self) -> Decimal:
        """The monthly rent in force in the month of `day`."""
        return self.tenancy.rent_in(self.day)

    @property
    def ended(self) -> bool:
        """Whether the tenancy had ended by `day`."""
        return self.tenancy.has_ended(self.day)


# A Balance's arithmetic, apart, for the month-by-month tables, which work out thousands of balances
# (a household's at each month's end) without a Balance for each.


def balance_of(opening: Decimal, rent_due: Decimal, paid: Decimal) -> Decimal:
    """A tenancy's balance: what it owed at its opening, plus the rent fallen due since, less what
    it paid."""
    return opening + rent_due - paid


def arrears_in(balance: Decimal) -> Decimal:
    """The arrears of a balance: the balance when positive, else 0."""
    return max(ZERO, balance)


def credit_in(balance: Decimal) -> Decimal:
    """The credit (rent paid in advance) of a balance: the balance's opposite when negative, else 0."""
    return max(ZERO, -balance)


def load_rents(tenancies: Sequence[Tenancy], *, among: QuerySet[Tenancy]) -> None:
    """Load the rent series of `tenancies`, read from `among`, in one query (one even when there
    are none: a page asks as many queries for a household with tenancies as for one without)."""
    _set_rents(tenancies, RentChange.objects.filter(tenancy__in=among.values("pk")))


def _set_rents(tenancies: Sequence[Tenancy], rents: Iterable[RentChange]) -> None:
    """Give each of `tenancies` its rents among `rents` (in their order) as `loaded_rents`."""
    by_tenancy: dict[int, list[RentChange]] = {tenancy.pk: [] for tenancy in tenancies}
    for rent in rents:
        if rent.tenancy_id in by_tenancy:
            by_tenancy[rent.tenancy_id].append(rent)
    for tenancy in tenancies:
        tenancy.loaded_rents = by_tenancy[tenancy.pk]


def _rents_of(tenancy: Tenancy) -> None:
    """Load one tenancy's rents, unless a selector already did: one query at most."""
    if "loaded_rents" not in tenancy.__dict__:
        prefetch_related_objects([tenancy], "rents")


def _paid(until: datetime.date | None) -> Any:
    """The `paid` of a balance, as an aggregate over a tenancy's receipts: those dated up to
    `until` less those of them voided up to `until`; with no `until`, those not voided, whatever
    their dates. Shared by `tenancy_paid` and `tenancy_balances`, so one tenancy read alone and
    read among many count the same receipts."""
    if until is None:
        return Coalesce(Sum("receipts__amount", filter=Q(receipts__void__isnull=True)), ZERO)
    received = Coalesce(Sum("receipts__amount", filter=Q(receipts__date__lte=until)), ZERO)
    voided = Coalesce(Sum("receipts__amount", filter=Q(receipts__void__date__lte=until)), ZERO)
    return received - voided


def tenancy_paid(tenancy: Tenancy, *, until: datetime.date | None = None) -> Decimal:
    """What the tenancy's receipts dated up to `until` add up to, less those voided up to `until`;
    with no `until`, its receipts not voided, whatever their date. One query."""
    paid: Decimal = Tenancy.objects.filter(pk=tenancy.pk).aggregate(paid=_paid(until))["paid"]
    return paid


def tenancy_balance(tenancy: Tenancy, day: datetime.date) -> Balance:
    """The tenancy's balance on `day`. One query, and one for its rents if not loaded yet."""
    _rents_of(tenancy)
    return Balance(tenancy=tenancy, day=day, paid=tenancy_paid(tenancy, until=day))


def tenancy_balances(
    day: datetime.date,
    *,
    tenancies: QuerySet[Tenancy] | None = None,
    communities: Communities | None = None,
    in_arrears_only: bool = False,
) -> list[Balance]:
    """`tenancy_balance` on `day` of each tenancy given (all, or those of `communities`), tenant,
    community and rents loaded, by community, plot and id; only those in arrears if asked. Two
    queries."""
    queryset = Tenancy.objects.all() if tenancies is None else tenancies
    if communities is not None:
        queryset = queryset.filter(community__in=communities)
    # Ordered here: a query that sums (GROUP BY) leaves the model's default ordering out.
    queryset = queryset.select_related("tenant", "community").order_by("community__name", "plot", "id")
    read = list(queryset.annotate(paid=_paid(day)))
    load_rents(read, among=queryset)
    balances = [Balance(tenancy=tenancy, day=day, paid=tenancy.paid) for tenancy in read]
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
    """Arrears on `day` per community with tenancies (by name) and for the whole network, of the
    tenancies whose arrears were known by `day` (opening day up to it); the arrears of a community
    are the sum of its households' arrears, so one household's advance rent never hides another's
    debt (advances are summed apart, as `credit`). Two queries."""
    known = Tenancy.objects.filter(opening_on__lte=day)
    return arrears_of(day, tenancy_balances(day, tenancies=known, communities=communities))


def arrears_of(day: datetime.date, balances: Iterable[Balance]) -> ArrearsSummary:
    """`arrears_summary` on `day` from the balances on `day` read already (tenancy_balances), of
    the tenancies whose arrears were known by `day` among them. No query."""
    summary = ArrearsSummary(day=day)
    rows: dict[int, ArrearsRow] = {}
    for balance in balances:
        tenancy = balance.tenancy
        if tenancy.opening_on > day:
            continue
        rows.setdefault(tenancy.community_id, ArrearsRow(community=tenancy.community)).add(balance)
        summary.total.add(balance)
    summary.communities = sorted(rows.values(), key=lambda r: r.community.name if r.community else "")
    return summary


def network_arrears(day: datetime.date) -> ArrearsRow:
    """The whole network's arrears on `day`, as one ArrearsRow. Two queries."""
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
    balance, then each month's rent from the first month due after it, each at the rent in force
    in that month, on into months not yet due. Returns what was owed on the day, the advance part,
    and the first and last rent months it reaches. A rent changes only from the current month on,
    so the months of the payments of earlier days stay where they were. No query when the
    tenancy's rents are loaded."""
    owed = Balance(tenancy=tenancy, day=day, paid=paid_before).arrears
    start, end = paid_before, paid_before + amount - Decimal("0.01")  # first and last satang paid

    def month_at(position: Decimal) -> datetime.date | None:
        if position < tenancy.opening_balance:
            return None
        return tenancy.month_paid_by(position - tenancy.opening_balance)

    return PaymentCover(
        owed=owed, advance=max(ZERO, amount - owed), covers_from=month_at(start), covers_to=month_at(end)
    )


def receipt_preview(tenancy: Tenancy, *, day: datetime.date, amount: Decimal) -> PaymentCover:
    """What a receipt of `amount` on `day` would say: owed, advance and months, before posting.
    One query, and one for the tenancy's rents if not loaded yet."""
    _rents_of(tenancy)
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


def _authorising(collector: User, community: Community, day: datetime.date) -> QuerySet[LetterCollector]:
    return (
        LetterCollector.objects.filter(
            collector=collector, communities=community, letter__valid_from__lte=day, letter__valid_to__gte=day
        )
        .select_related("letter")
        .order_by("-letter__valid_from", "-letter__id")
    )


def authorising_assignment(*, collector: User, community: Community, day: datetime.date) -> LetterCollector | None:
    """The assignment that lets `collector` collect in `community` on `day` (the newest letter
    if several do), or None. One query."""
    return _authorising(collector, community, day).first()


def authorising_assignment_and_account(
    *, collector: User, community: Community, day: datetime.date
) -> tuple[LetterCollector | None, "TransferAccount | None"]:
    """`authorising_assignment`, and the collector's own PromptPay account in force (see
    `collector_account`) when they may collect there: households pay by transfer only a
    collector who may take their money. One query, the account read with the assignment."""
    newest = TransferAccount.objects.filter(
        kind=TransferAccount.Kind.COLLECTOR, collector=OuterRef("collector")
    ).order_by("-posted_at", "-id")
    assignment = (
        _authorising(collector, community, day)
        .annotate(
            account_pk=Subquery(newest.values("pk")[:1]),
            account_promptpay_id=Subquery(newest.values("promptpay_id")[:1]),
            account_name=Subquery(newest.values("name")[:1]),
        )
        .first()
    )
    if assignment is None or not getattr(assignment, "account_promptpay_id", None):
        return assignment, None
    account = TransferAccount(
        pk=getattr(assignment, "account_pk"),  # noqa: B009 - an annotation, unknown to the type checker
        kind=TransferAccount.Kind.COLLECTOR,
        collector=collector,
        promptpay_id=getattr(assignment, "account_promptpay_id"),  # noqa: B009
        name=getattr(assignment, "account_name"),  # noqa: B009
    )
    return assignment, account


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
    `days_left` and the persons it names (`collectors`, each with its `collector`) loaded. Two
    queries."""
    letters = list(
        CodiLetter.objects.filter(
            valid_from__lte=day, valid_to__gte=day, valid_to__lte=day + datetime.timedelta(days=within_days)
        )
        .prefetch_related(Prefetch("collectors", queryset=LetterCollector.objects.select_related("collector")))
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


@dataclass
class ReceiptOnDay:
    """A receipt as it stood at the end of a day: its void and its remittance only if dated by
    then (a later void or transfer is not yet known on that day)."""

    receipt: Receipt
    void: ReceiptVoid | None
    remittance: Remittance | None


@dataclass
class ReceiptsReport:
    """The receipts dated in `first`..`last` as they stood at its end, and the voids dated in it
    (of receipts of any date):

        received − voided = collected

    `received` counts by the receipts' date, `voided` by the voids' own date."""

    first: datetime.date
    last: datetime.date
    receipts: list[ReceiptOnDay] = field(default_factory=list)
    voids: list[ReceiptVoid] = field(default_factory=list)

    @property
    def received(self) -> Decimal:
        return sum((row.receipt.amount for row in self.receipts), ZERO)

    @property
    def voided(self) -> Decimal:
        return sum((void.receipt.amount for void in self.voids), ZERO)

    @property
    def collected(self) -> Decimal:
        return self.received - self.voided


def receipts_report(within: QuerySet[Receipt], first: datetime.date, last: datetime.date) -> ReceiptsReport:
    """The receipts among `within` dated in `first`..`last`, newest first, each as it stood at the
    end of `last`, and the voids of receipts among `within` dated in the period, newest first. The
    same whenever it is asked for once `last` has passed. Two queries."""
    report = ReceiptsReport(first=first, last=last)
    for receipt in receipts(within=within, first=first, last=last):
        void = getattr(receipt, "void", None)
        line = getattr(receipt, "remittance_line", None)
        report.receipts.append(
            ReceiptOnDay(
                receipt=receipt,
                void=void if void is not None and void.date <= last else None,
                remittance=line.remittance if line is not None and line.remittance.transfer_date <= last else None,
            )
        )
    report.voids = list(
        ReceiptVoid.objects.filter(receipt__in=within.values("pk"), date__range=(first, last))
        .select_related("receipt__tenancy__tenant", "receipt__tenancy__community", "receipt__collector")
        .order_by("-date", "-id")
    )
    return report


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


TRANSFER = "remittance_line__remittance__transfer_date"


def _held_on(day: datetime.date) -> Q:
    """Receipts in the collector's hands at the end of `day`: dated by then, neither voided nor
    remitted by then."""
    return (
        Q(date__lte=day)
        & (Q(void__isnull=True) | Q(void__date__gt=day))
        & (Q(remittance_line__isnull=True) | Q(**{f"{TRANSFER}__gt": day}))
    )


@dataclass
class CashInHand:
    """A collector's cash on a day: `collected` (receipts dated by then, less those voided by
    then) − `remitted` (those in remittances transferred by then) = `in_hand`."""

    collector: User
    collected: Decimal = ZERO
    remitted: Decimal = ZERO
    unremitted_receipts: int = 0
    oldest_unremitted: datetime.date | None = None
    days_waiting: int | None = None  # days the oldest unremitted receipt has waited

    @property
    def in_hand(self) -> Decimal:
        return self.collected - self.remitted


def _cash_by_collector(day: datetime.date) -> QuerySet[Receipt, dict[str, Any]]:
    """Per collector, of their receipts dated up to `day`: what they came to, what of it was
    voided and what remitted by `day`, and how many are still in hand (_held_on) and the oldest's
    date."""
    return (
        Receipt.objects.filter(date__lte=day)
        .order_by()
        .values("collector")
        .annotate(
            received=Sum("amount"),
            voided=Sum("amount", filter=Q(void__date__lte=day)),
            remitted=Sum("amount", filter=Q(**{f"{TRANSFER}__lte": day})),
            waiting=Count("id", filter=_held_on(day)),
            oldest=Min("date", filter=_held_on(day)),
        )
    )


# Put together once (songkhla_network.sql.PreparedValues): the ORM took longer to put the
# dashboard's sums together than PostgreSQL to answer them.
_CASH_BY_COLLECTOR = sql.PreparedValues(_cash_by_collector, datetime.date)


def cash_in_hand(day: datetime.date) -> list[CashInHand]:
    """Per collector who ever took money (by name), at the end of `day`: collected, remitted, in
    hand, and how many days the oldest receipt still in hand has waited. Two queries, one when
    no receipt is dated by `day`."""
    totals = {row.pop("collector"): row for row in _CASH_BY_COLLECTOR.rows(day)}
    if not totals:
        return []
    result = []
    for user in User.objects.filter(pk__in=totals).order_by("first_name", "last_name", "username"):
        row = totals[user.pk]
        oldest = row["oldest"]
        result.append(
            CashInHand(
                collector=user,
                collected=(row["received"] or ZERO) - (row["voided"] or ZERO),
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
    """Money of a collector or a community over a period:

        in_hand_before + received − voided − remitted = in_hand_after

    `received` counts the receipts dated in the period, `voided` the voids dated in it (of
    receipts of any date), `remitted` the transfers dated in it; `collected` is received − voided."""

    key: Key  # a User, a Community, or None for the total
    in_hand_before: Decimal = ZERO
    received: Decimal = ZERO
    voided: Decimal = ZERO
    remitted: Decimal = ZERO

    @property
    def collected(self) -> Decimal:
        return self.received - self.voided

    @property
    def in_hand_after(self) -> Decimal:
        return self.in_hand_before + self.collected - self.remitted

    def add(self, row: dict[str, Any]) -> None:
        self.in_hand_before += (
            (row["received_before"] or ZERO) - (row["voided_before"] or ZERO) - (row["remitted_before"] or ZERO)
        )
        self.received += row["received"] or ZERO
        self.voided += row["voided"] or ZERO
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
    and in total, the cash in hand before the period, received in it (receipts dated in it),
    voided in it (voids dated in it), remitted in it (receipts in remittances transferred in it),
    and in hand at its end. Three queries."""
    # A receipt is never voided or remitted before its date, so nothing dated after `last` matters.
    rows = list(
        Receipt.objects.filter(date__lte=last)
        .order_by()
        .values("collector", "tenancy__community")
        .annotate(
            received_before=Sum("amount", filter=Q(date__lt=first)),
            received=Sum("amount", filter=Q(date__gte=first)),
            voided_before=Sum("amount", filter=Q(void__date__lt=first)),
            voided=Sum("amount", filter=Q(void__date__gte=first, void__date__lte=last)),
            remitted_before=Sum("amount", filter=Q(**{f"{TRANSFER}__lt": first})),
            remitted=Sum("amount", filter=Q(**{f"{TRANSFER}__gte": first, f"{TRANSFER}__lte": last})),
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
    """One month of a community (or of the network), or a whole period (`month` None):

        opening + brought_in + rent_due − collected = balance

    `opening` is the households' balance at the end of the month before (of those known by then),
    `brought_in` the opening arrears of the households first known in the month, `rent_due` the
    rent that fell due in it (by rent month), `collected` the receipts dated in it less the voids
    dated in it, `balance` the households' balance at its end: `arrears` (the sum of those who owe)
    less `credit` (the sum of those paid ahead)."""

    month: datetime.date | None
    opening: Decimal = ZERO
    brought_in: Decimal = ZERO
    rent_due: Decimal = ZERO
    received: Decimal = ZERO
    voided: Decimal = ZERO
    balance: Decimal = ZERO
    arrears: Decimal = ZERO
    credit: Decimal = ZERO
    tenancies: int = 0

    @property
    def collected(self) -> Decimal:
        return self.received - self.voided

    @property
    def collected_share(self) -> Decimal | None:
        """Collected as a share of the rent due in the month (None when nothing fell due)."""
        return (self.collected / self.rent_due) if self.rent_due else None

    @classmethod
    def over(cls, months: Sequence["MonthProgress"]) -> "MonthProgress":
        """The whole period of `months` (in order): opening of the first, sums in between, the
        balance, arrears and households at the end of the last."""
        first, last = months[0], months[-1]
        return cls(
            month=None,
            opening=first.opening,
            brought_in=sum((m.brought_in for m in months), ZERO),
            rent_due=sum((m.rent_due for m in months), ZERO),
            received=sum((m.received for m in months), ZERO),
            voided=sum((m.voided for m in months), ZERO),
            balance=last.balance,
            arrears=last.arrears,
            credit=last.credit,
            tenancies=last.tenancies,
        )


# What MonthProgress rows add up: all but the month.
_SUMMED = [f.name for f in fields(MonthProgress) if f.name != "month"]


@dataclass
class CommunityProgress:
    community: Community
    months: list[MonthProgress] = field(default_factory=list)

    @property
    def period(self) -> MonthProgress:
        return MonthProgress.over(self.months)


@dataclass
class Progress:
    months: list[datetime.date]  # the months, as dates of their 1st
    communities: list[CommunityProgress] = field(default_factory=list)  # by name
    total: list[MonthProgress] = field(default_factory=list)  # the whole network, per month

    @property
    def period(self) -> MonthProgress:
        """The whole network over the whole period."""
        return MonthProgress.over(self.total)


def progress_by_month(
    first: datetime.date,
    last: datetime.date,
    *,
    communities: Communities | None = None,
    tenancies: Sequence[Tenancy] | None = None,
) -> Progress:
    """Arrears and collection, month by month from the month of `first` to the month of `last`,
    per community and for the network: for a table and a chart. A tenancy counts from the month
    of its opening balance; its balance at a month's end is its `Balance` on that day, from the
    receipts and voids read here. Three queries; one when given the `tenancies` (those of
    `communities` opened by the end of the last month, each with its community and rents loaded,
    as tenancy_balances reads them)."""
    end = month_end(last)
    receipts = Receipt.objects.filter(date__lte=end)
    if communities is not None:
        receipts = receipts.filter(tenancy__community__in=communities)
    if tenancies is None:
        known = Tenancy.objects.select_related("community").filter(opening_on__lte=end)
        if communities is not None:
            known = known.filter(community__in=communities)
        tenancies = list(known)
        load_rents(tenancies, among=known)
    return _progress(first, last, tenancies, _sums_by_month(receipts))


def _sums_by_month(receipts: QuerySet[Receipt]) -> QuerySet[Receipt, dict[str, Any]]:
    """What `receipts` add up to per tenancy, month of their date (`month`) and month of their
    void (`void_month`, None if not voided), as rows of `tenancy`, `month`, `void_month`, `total`."""
    return (
        receipts.order_by()
        .annotate(month=TruncMonth("date"), void_month=TruncMonth("void__date"))
        .values("tenancy", "month", "void_month")
        .annotate(total=Sum("amount"))
    )


def _progress(
    first: datetime.date, last: datetime.date, tenancies: Iterable[Tenancy], by_month: Iterable[dict[str, Any]]
) -> Progress:
    """`progress_by_month` of the months of `first`..`last`, of the `tenancies` (community and
    rents loaded), from what their receipts dated by the end of the last month add up to
    (`by_month`, as `_sums_by_month` gives it). No query but that of `by_month`."""
    months = list(month_range(month_start(first), month_start(last)))
    first_index, end = month_index(months[0]), month_end(months[-1])
    # Per tenancy and month: the receipts dated in it, and those voided in it (by the void's date).
    received: dict[tuple[int, int], Decimal] = {}
    voided: dict[tuple[int, int], Decimal] = {}
    for sums in by_month:
        key = (sums["tenancy"], max(first_index - 1, month_index(sums["month"])))
        received[key] = received.get(key, ZERO) + sums["total"]
        if sums["void_month"] is not None and sums["void_month"] <= end:
            key = (sums["tenancy"], max(first_index - 1, month_index(sums["void_month"])))
            voided[key] = voided.get(key, ZERO) + sums["total"]
    by_community: dict[int, tuple[Community, dict[datetime.date, MonthProgress]]] = {}
    total = {month: MonthProgress(month=month) for month in months}
    ends = [(month, month_end(month), month_index(month)) for month in months]
    # The day before the first month, then each month's end: the days a tenancy's balance is taken on.
    days = [months[0] - ONE_DAY] + [end_of_month for _month, end_of_month, _index in ends]
    for tenancy in tenancies:
        if tenancy.community_id not in by_community:
            by_community[tenancy.community_id] = (tenancy.community, {m: MonthProgress(month=m) for m in months})
        of_community = by_community[tenancy.community_id][1]
        pk, opening_on, opening = tenancy.pk, tenancy.opening_on, tenancy.opening_balance
        dues = tenancy.rents_due_by(days)
        # Paid by the end of the month before the first, whatever the dates.
        paid = received.get((pk, first_index - 1), ZERO) - voided.get((pk, first_index - 1), ZERO)
        due_before, balance_before = dues[0], balance_of(opening, dues[0], paid)
        known_before = days[0] >= opening_on
        for (month, end_of_month, index), due in zip(ends, dues[1:], strict=True):
            if end_of_month < opening_on:
                continue
            in_month, out_month = received.get((pk, index), ZERO), voided.get((pk, index), ZERO)
            paid += in_month - out_month
            balance = balance_of(opening, due, paid)
            row = of_community[month]
            if known_before:
                row.opening += balance_before
                row.rent_due += due - due_before
            else:
                row.brought_in += opening
                row.rent_due += due
            row.received += in_month
            row.voided += out_month
            row.balance += balance
            row.arrears += arrears_in(balance)
            row.credit += credit_in(balance)
            row.tenancies += 1
            due_before, balance_before, known_before = due, balance, True
    # The network's months: its communities' added up (a community's arrears are its households').
    for _community, of_community in by_community.values():
        for month, row in of_community.items():
            for name in _SUMMED:
                setattr(total[month], name, getattr(total[month], name) + getattr(row, name))
    return Progress(
        months=months,
        communities=[
            CommunityProgress(community=community, months=[of_community[m] for m in months])
            for community, of_community in sorted(by_community.values(), key=lambda item: item[0].name)
        ],
        total=[total[m] for m in months],
    )


# The network's rent over months, as the dashboard and the CODI report show it.


def _network_tenancies(last: datetime.date, end: datetime.date) -> QuerySet[Tenancy]:
    """The tenancies the network's rent over months up to `last` counts: those opened by `end`
    (the end of the month of `last`) in the communities with a tenancy opened by `last`."""
    recorded = Tenancy.objects.filter(opening_on__lte=last).values("community")
    return Tenancy.objects.filter(opening_on__lte=end, community__in=recorded)


def _network_paid(last: datetime.date, end: datetime.date) -> QuerySet[Tenancy, tuple[int, Decimal]]:
    """(id, `paid` of its balance on `last`) of each of the tenancies `_network_tenancies` counts."""
    return _network_tenancies(last, end).order_by().values_list("pk").annotate(paid=_paid(last))


def _network_sums(last: datetime.date, end: datetime.date) -> QuerySet[Receipt, dict[str, Any]]:
    """`_sums_by_month` of the receipts dated by `end` of the tenancies `_network_tenancies` counts."""
    return _sums_by_month(Receipt.objects.filter(date__lte=end, tenancy__in=_network_tenancies(last, end)))


# Put together once (songkhla_network.sql.PreparedValues): the ORM took longer to put the
# dashboard's sums together than PostgreSQL to answer them.
_NETWORK_PAID = sql.PreparedValues(_network_paid, datetime.date, datetime.date)
_NETWORK_SUMS = sql.PreparedValues(_network_sums, datetime.date, datetime.date)


def _tenancies_written_out(pks: Sequence[int]) -> list[Tenancy]:
    """The tenancies of `pks` by community, plot and id, each with its tenant, community and
    rents loaded, as `tenancy_balances` reads them (the tenancies of a community share one
    Community). Two queries, written out (songkhla_network.sql)."""
    rows = sql.fetch(
        f"""
        SELECT {sql.columns(Tenancy, "t")}, {sql.columns(Person, "p")}, {sql.columns(Community, "c")}
        FROM {Tenancy._meta.db_table} t
        JOIN {Person._meta.db_table} p ON p.id = t.tenant_id
        JOIN {Community._meta.db_table} c ON c.id = t.community_id
        WHERE t.id IN ({sql.placeholders(pks)})
        ORDER BY c.name, t.plot, t.id
        """,
        pks,
    )
    tenancies = sql.instances(Tenancy, rows)
    people = sql.instances(Person, rows, sql.width(Tenancy))
    read = sql.instances(Community, rows, sql.width(Tenancy) + sql.width(Person))
    communities: dict[int, Community] = {}
    for tenancy, person, community in zip(tenancies, people, read, strict=True):
        Tenancy.tenant.field.set_cached_value(tenancy, person)
        Tenancy.community.field.set_cached_value(tenancy, communities.setdefault(community.pk, community))
    rents = sql.fetch(
        f"SELECT {sql.columns(RentChange, 'r')} FROM {RentChange._meta.db_table} r"
        f" WHERE r.tenancy_id IN ({sql.placeholders(pks)}) ORDER BY r.tenancy_id, r.from_month",
        pks,
    )
    _set_rents(tenancies, sql.instances(RentChange, rents))
    return tenancies


def network_balances_and_progress(first: datetime.date, last: datetime.date) -> tuple[list[Balance], Progress]:
    """The network's rent over the months of `first`..`last`, as the dashboard and the CODI report
    show it: the `tenancy_balances` on `last` of the tenancies opened by the end of the month of
    `last` in the communities with a tenancy opened by `last` (`arrears_of` counts those opened by
    `last` alone), and the `progress_by_month` of those communities. The same figures as those
    two, read more cheaply: the paid of the balances and the receipts' sums put together once
    (sql.PreparedValues), the tenancies with their tenants, communities and rents written out.
    Four queries; one when no tenancy is counted."""
    end = month_end(last)
    paid: dict[int, Decimal] = dict(_NETWORK_PAID.rows(last, end))
    if not paid:
        return [], _progress(first, last, [], [])
    tenancies = _tenancies_written_out(list(paid))
    balances = [Balance(tenancy=tenancy, day=last, paid=paid[tenancy.pk]) for tenancy in tenancies]
    return balances, _progress(first, last, tenancies, _NETWORK_SUMS.rows(last, end))


class LineKind:
    OPENING = "opening"
    BROUGHT_FORWARD = "brought_forward"
    RENT = "rent"
    RECEIPT = "receipt"
    VOID = "void"
    END = "end"


LINE_LABELS = {
    LineKind.OPENING: _("Arrears brought forward"),
    LineKind.BROUGHT_FORWARD: _("Balance brought forward"),
    LineKind.RENT: _("Rent due"),
    LineKind.RECEIPT: _("Receipt"),
    LineKind.VOID: _("Receipt voided"),
    LineKind.END: _("Tenancy ended"),
}
# On one day: what was brought forward, then the rent due on it, the receipts, the voids, the end.
LINE_ORDER = {kind: order for order, kind in enumerate(LINE_LABELS)}


@dataclass
class StatementLine:
    date: datetime.date
    kind: str
    charge: Decimal = ZERO  # rent due, or a voided receipt's amount owed again
    payment: Decimal = ZERO
    balance: Decimal = ZERO  # after this line: arrears when positive, advance when negative
    month: datetime.date | None = None  # for rent lines
    receipt: Receipt | None = None  # for receipt and void lines
    voided: bool = False  # a receipt voided by the statement's last day (its void has a line too)

    @property
    def label(self) -> Promise:
        return LINE_LABELS[self.kind]


@dataclass
class Statement:
    """A household's account over the days `first`..`last`:

        opening + rent_due − paid + voided = closing

    `opening` is the balance brought forward (the opening arrears when the period starts by the
    day they were known), `rent_due` the rent of the months that fell due in the period, `paid`
    the receipts dated in it, `voided` the voids dated in it (each makes its receipt's amount
    owed again), `closing` the `Balance` at the end of `last`."""

    tenancy: Tenancy
    first: datetime.date
    last: datetime.date
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def day(self) -> datetime.date:
        return self.last

    @property
    def opening(self) -> Decimal:
        return self.lines[0].balance

    def _sum(self, kind: str, column: str) -> Decimal:
        return sum((getattr(line, column) for line in self.lines if line.kind == kind), ZERO)

    @property
    def rent_due(self) -> Decimal:
        return self._sum(LineKind.RENT, "charge")

    @property
    def paid(self) -> Decimal:
        return self._sum(LineKind.RECEIPT, "payment")

    @property
    def voided(self) -> Decimal:
        return self._sum(LineKind.VOID, "charge")

    @property
    def balance(self) -> Decimal:
        return self.lines[-1].balance

    @property
    def closing(self) -> Decimal:
        return self.balance

    @property
    def arrears(self) -> Decimal:
        return max(ZERO, self.balance)

    @property
    def advance(self) -> Decimal:
        return max(ZERO, -self.balance)


def tenancy_statement(tenancy: Tenancy, last: datetime.date, *, first: datetime.date | None = None) -> Statement:
    """A household's statement for the days `first`..`last` (from its opening day if `first` is
    not given or comes before it): the balance brought forward, each month's rent on its 1st at
    the rent in force, every receipt dated in the period, every void dated in it, and the end of
    the tenancy, in date order (on one day: the rent, then receipts, then voids), each line with
    the balance after it; the last is the tenancy's `Balance` on `last`. One query, and one for
    the tenancy's rents if not loaded yet."""
    _rents_of(tenancy)
    first = tenancy.opening_on if first is None or first <= tenancy.opening_on else first
    statement = Statement(tenancy=tenancy, first=first, last=last)
    posted = list(
        Receipt.objects.filter(tenancy=tenancy, date__lte=last)
        .select_related("collector", "letter", "void")
        .order_by("date", "id")
    )
    # The voids known by `last`, each with its receipt as read here.
    voids = [(r.void.date, r) for r in posted if hasattr(r, "void") and r.void.date <= last]
    if first == tenancy.opening_on:
        balance = tenancy.opening_balance
        statement.lines.append(StatementLine(date=first, kind=LineKind.OPENING, balance=balance))
    else:
        paid = sum((r.amount for r in posted if r.date < first), ZERO) - sum(
            (r.amount for day, r in voids if day < first), ZERO
        )
        balance = Balance(tenancy=tenancy, day=first - ONE_DAY, paid=paid).balance
        statement.lines.append(StatementLine(date=first, kind=LineKind.BROUGHT_FORWARD, balance=balance))
    after_first = first + ONE_DAY if first == tenancy.opening_on else first
    lines = [
        StatementLine(date=month, kind=LineKind.RENT, month=month, charge=rent)
        for month, rent in tenancy.rents_due(after_first, last)
    ]
    voided_by_last = {r.pk for _day, r in voids}
    lines += [
        StatementLine(date=r.date, kind=LineKind.RECEIPT, receipt=r, payment=r.amount, voided=r.pk in voided_by_last)
        for r in posted
        if r.date >= after_first
    ]
    lines += [
        StatementLine(date=day, kind=LineKind.VOID, receipt=r, charge=r.amount)
        for day, r in voids
        if day >= after_first
    ]
    if tenancy.ended_on is not None and after_first <= tenancy.ended_on <= last:
        lines.append(StatementLine(date=tenancy.ended_on, kind=LineKind.END))
    for line in sorted(lines, key=lambda x: (x.date, LINE_ORDER[x.kind], x.receipt.pk if x.receipt else 0)):
        balance += line.charge - line.payment
        line.balance = balance
        statement.lines.append(line)
    return statement


# PromptPay accounts and the QR codes that pay them.


def transfer_account(
    *, kind: str, collector: User | None = None, include_cleared: bool = False
) -> TransferAccount | None:
    """The account of `kind` (and `collector`) in force: the newest set. None when none was set,
    or when the newest takes a collector's account away (unless `include_cleared`). One query."""
    rows = TransferAccount.objects.filter(kind=kind, collector=collector).order_by("-posted_at", "-id")
    account = rows.first()
    if account is not None and not account.promptpay_id and not include_cleared:
        return None
    return account


def codi_account() -> TransferAccount | None:
    """CODI's account in force, into which collectors remit. One query."""
    return transfer_account(kind=TransferAccount.Kind.CODI)


def collector_account(collector: User) -> TransferAccount | None:
    """`collector`'s own account in force, into which their households may transfer. One query."""
    return transfer_account(kind=TransferAccount.Kind.COLLECTOR, collector=collector)


def transfer_accounts_in_force() -> tuple[TransferAccount | None, list[TransferAccount]]:
    """CODI's account in force, and each collector's (those taken away left out), by collector
    name. Two queries."""
    newest = (
        TransferAccount.objects.filter(kind=TransferAccount.Kind.COLLECTOR)
        .select_related("collector", "posted_by")
        .order_by("collector_id", "-posted_at", "-id")
        .distinct("collector_id")
    )
    accounts = sorted(
        (a for a in newest if a.promptpay_id),
        key=lambda a: (a.collector.get_full_name() or a.collector.username) if a.collector else "",
    )
    return codi_account(), accounts


def transfer_account_history(limit: int = 50) -> list[TransferAccount]:
    """The latest settings of every account, newest first. One query."""
    return list(TransferAccount.objects.select_related("collector", "posted_by").order_by("-posted_at", "-id")[:limit])


@dataclass(frozen=True)
class PaymentQr:
    """A PromptPay QR that pays `account` `amount` baht (any amount the payer types if None)."""

    account: TransferAccount
    amount: Decimal | None

    @cached_property
    def payload(self) -> str:
        return promptpay.payload(self.account.promptpay_id, self.amount)

    @cached_property
    def svg(self) -> str:
        return qr_svg(self.payload, label=str(_("PromptPay QR code")))

    @cached_property
    def data_uri(self) -> str:
        return qr_data_uri(self.payload)


def payment_qr(account: TransferAccount | None, amount: Decimal | None) -> PaymentQr | None:
    """The QR paying `account` `amount` baht (any amount when `amount` is None or not more than
    0), or None without an account."""
    if account is None or not account.promptpay_id:
        return None
    return PaymentQr(account=account, amount=amount if amount is not None and amount > 0 else None)

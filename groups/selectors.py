"""Reads that feed the savings pages, and what other areas may read of the savings groups (the
enterprise reads the levy here). Each runs a fixed number of queries, whatever the number of
members or rows."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum, Window

from songkhla_network.thai import add_months, month_end, months_between, to_satang

from .models import (
    ACTIVE_STATUSES,
    CollectionSheet,
    EntryKind,
    GroupStatus,
    GroupStatusChange,
    LedgerEntry,
    Member,
    Officer,
    SavingsGroup,
)

ZERO = Decimal("0.00")
LEVY_RATE = Decimal("0.05")


# The 5 % levy the savings groups owe the enterprise.


def levy_owed(deposits: Decimal) -> Decimal:
    """The levy on ONE group's net deposits for ONE month (the month the savings are for, each
    reversal netted against what it reverses): 5 % of them, rounded to the satang half up
    (songkhla_network.thai.to_satang).

    This is the only rounding of the levy. Every larger figure — a group over a period, the whole
    network, a posting to the enterprise's cash book — is the sum of these per group and month,
    never 5 % of a sum, so months levied one by one or all together come to the same baht."""
    return to_satang(deposits * LEVY_RATE)


@dataclass(frozen=True)
class MonthLevy:
    """One group's net deposits for one month, as the savings ledger holds them now."""

    group_id: int
    month: datetime.date
    deposits: Decimal

    @property
    def levy(self) -> Decimal:
        return levy_owed(self.deposits)


def levies_by_group_and_month(
    first: datetime.date, last: datetime.date, *, groups: Iterable[SavingsGroup] | None = None
) -> list[MonthLevy]:
    """Per group (optionally only `groups`) and per month first..last with deposit rows: the net
    deposits for the month and the levy they owe. A month whose deposits were all reversed is
    listed with 0. One query."""
    rows = LedgerEntry.objects.filter(kind=EntryKind.DEPOSIT, month__range=(first, last))
    if groups is not None:
        rows = rows.filter(group__in=list(groups))
    return [
        MonthLevy(group_id=group_id, month=month, deposits=total)
        for group_id, month, total in rows.order_by("group", "month")
        .values_list("group", "month")
        .annotate(total=Sum("amount"))
    ]


def levy_of(levies: Iterable[MonthLevy]) -> Decimal:
    """The levy of several groups or months: the sum of each group's and month's levy."""
    return sum((month.levy for month in levies), ZERO)


# The savings pages.


def members_with_money(
    group: SavingsGroup, *, month: datetime.date | None = None, as_of: datetime.date | None = None
) -> list[Member]:
    """The group's members with `balance` (all rows up to `as_of`), and, when `month` is given,
    `paid_this_month` (deposits for that month), `paid_to_date` (deposits for months up to it),
    `arrears` (up to and including the month) and `arrears_before` (up to the month before, what
    the treasurer asks for besides this month's commitment). Two queries: the members, and one
    pass over the group's rows."""
    members = list(group.members.select_related("person").order_by("number"))
    sums = {
        "balance": Sum("amount", filter=Q(date__lte=as_of)) if as_of else Sum("amount"),
    }
    if month is not None:
        sums["paid_this_month"] = Sum("amount", filter=Q(kind=EntryKind.DEPOSIT, month=month))
        sums["paid_to_date"] = Sum("amount", filter=Q(kind=EntryKind.DEPOSIT, month__lte=month))
    totals = {
        row.pop("member"): row
        for row in LedgerEntry.objects.filter(group=group).order_by().values("member").annotate(**sums)
    }
    for member in members:
        row = totals.get(member.pk, {})
        figures = {name: row.get(name) or ZERO for name in sums}
        if month is not None:
            paid_before = figures["paid_to_date"] - figures["paid_this_month"]
            figures["arrears"] = commitment_arrears(member, month, figures["paid_to_date"])
            figures["arrears_before"] = max(ZERO, commitment_due(member, add_months(month, -1)) - paid_before)
        for name, value in figures.items():
            setattr(member, name, value)
    return members


def commitment_due(member: Member, month: datetime.date) -> Decimal:
    """What the member promised from the month they joined to `month`, both included."""
    last = month if member.left_on is None else min(month, member.left_on.replace(day=1))
    return member.commitment * months_between(member.joined_on.replace(day=1), last)


def commitment_arrears(member: Member, month: datetime.date, paid_to_date: Decimal) -> Decimal:
    """Commitment due up to `month` minus `paid_to_date`, the deposits made for those months
    (never negative)."""
    return max(ZERO, commitment_due(member, month) - paid_to_date)


def passbook(member: Member) -> list[LedgerEntry]:
    """The member's rows in date order, each with the running balance after it and whether it
    has been reversed."""
    return list(
        member.entries.select_related("reverses", "posted_by")
        .annotate(
            running_balance=Window(Sum("amount"), order_by=["date", "id"]),
            is_reversed=Exists(LedgerEntry.objects.filter(reverses=OuterRef("pk"))),
        )
        .order_by("date", "id")
    )


def was_reversed(entry: LedgerEntry) -> bool:
    return LedgerEntry.objects.filter(reverses=entry).exists()


def status_history(group: SavingsGroup) -> list[GroupStatusChange]:
    """The group's dated steps, oldest first: the last is its status now."""
    return list(group.status_changes.order_by("date", "id"))


def current_officers(group: SavingsGroup) -> list[Officer]:
    return list(group.officers.select_related("person").filter(until__isnull=True))


def recent_sheets(group: SavingsGroup, count: int) -> list[CollectionSheet]:
    """The group's last `count` posted sheets, newest first, each with `figures` (who paid and
    how much, net of reversals: month_deposits). Two queries."""
    sheets = list(group.sheets.select_related("posted_by").order_by("-month")[:count])
    figures = month_deposits(group, [sheet.month for sheet in sheets])
    for sheet in sheets:
        sheet.figures = figures[sheet.month]  # type: ignore[attr-defined]  # read by the page
    return sheets


def posted_months(group: SavingsGroup, count: int) -> list[datetime.date]:
    """The months of the group's last `count` posted sheets, newest first."""
    return list(group.sheets.order_by("-month").values_list("month", flat=True)[:count])


def posted_sheet(group: SavingsGroup, month: datetime.date) -> CollectionSheet | None:
    return CollectionSheet.objects.select_related("posted_by").filter(group=group, month=month).first()


def members_active_in(group: SavingsGroup, month: datetime.date) -> list[Member]:
    """The group's members who belong to it in the month, by number."""
    return [m for m in group.members.select_related("person").order_by("number") if m.active_in(month)]


def current_members() -> QuerySet[Member]:
    """Every member who has not left, of every group, by group and number."""
    return (
        Member.objects.filter(left_on__isnull=True).select_related("person", "group").order_by("group__name", "number")
    )


def groups_by_name(groups: QuerySet[SavingsGroup]) -> list[SavingsGroup]:
    """The groups (readable ones: groups.access) with their communities, by name. One query."""
    return list(groups.select_related("community").order_by("name"))


def groups_by_pk(pks: Iterable[int]) -> dict[int, SavingsGroup]:
    """{pk: group, with its community} for the groups. One query."""
    return {group.pk: group for group in SavingsGroup.objects.filter(pk__in=list(pks)).select_related("community")}


def groups_founded(first: datetime.date, last: datetime.date) -> list[SavingsGroup]:
    """Groups with a 'founded' step dated first..last, in the order they were founded. One query."""
    changes = GroupStatusChange.objects.filter(status=GroupStatus.FOUNDED, date__range=(first, last))
    return [change.group for change in changes.select_related("group__community").order_by("date", "id")]


@dataclass
class GroupMoney:
    group: SavingsGroup
    opening: Decimal = ZERO
    deposits: Decimal = ZERO
    withdrawals: Decimal = ZERO
    closing: Decimal = ZERO
    members: int = 0
    levy: Decimal = ZERO  # the sum of levy_owed over the group's months


@dataclass
class NetworkMoney:
    first: datetime.date
    last: datetime.date
    groups: list[GroupMoney] = field(default_factory=list)
    # The network's deposits for each month that has any, from the rows the levy is read from.
    months: dict[datetime.date, Decimal] = field(default_factory=dict)

    def _total(self, name: str) -> Decimal:
        return sum((getattr(g, name) for g in self.groups), ZERO)

    @property
    def opening(self) -> Decimal:
        return self._total("opening")

    @property
    def deposits(self) -> Decimal:
        return self._total("deposits")

    @property
    def withdrawals(self) -> Decimal:
        return self._total("withdrawals")

    @property
    def closing(self) -> Decimal:
        return self._total("closing")

    @property
    def levy(self) -> Decimal:
        """The network's levy: the sum of every group's levy (each the sum of its months')."""
        return self._total("levy")

    @property
    def members(self) -> int:
        return sum(g.members for g in self.groups)


def network_money(
    first: datetime.date, last: datetime.date, groups: QuerySet[SavingsGroup] | None = None
) -> NetworkMoney:
    """Per group and in total, for the months `first`..`last`: the balance before the first month,
    deposits and withdrawals for the months (reversals netted against what they reverse), the
    balance at the end of the last month, and the 5 % enterprise levy those deposits owe (per
    group and month: levy_owed); and the network's deposits for each month. Four queries."""
    chosen = list(
        (SavingsGroup.objects.all() if groups is None else groups).select_related("community").order_by("name")
    )
    end = month_end(last)
    # Totals per group straight from the ledger: no join, so PostgreSQL streams the rows once.
    totals = {
        row.pop("group"): row
        for row in LedgerEntry.objects.filter(group__in=chosen)
        .order_by()
        .values("group")
        .annotate(
            opening=Sum("amount", filter=Q(date__lt=first)),
            deposits=Sum("amount", filter=Q(kind=EntryKind.DEPOSIT, month__range=(first, last))),
            withdrawals=Sum("amount", filter=Q(kind=EntryKind.WITHDRAWAL, month__range=(first, last))),
            closing=Sum("amount", filter=Q(date__lte=end)),
        )
    }
    levies: dict[int, list[MonthLevy]] = {}
    by_month: dict[datetime.date, Decimal] = {}
    for month in levies_by_group_and_month(first, last, groups=chosen):
        levies.setdefault(month.group_id, []).append(month)
        by_month[month.month] = by_month.get(month.month, ZERO) + month.deposits
    member_counts = dict(
        Member.objects.filter(group__in=chosen, joined_on__lte=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=end))
        .values_list("group")
        .annotate(n=Count("id"))
        .values_list("group", "n")
    )
    summary = NetworkMoney(first=first, last=last, months=by_month)
    for group in chosen:
        money = {name: value or ZERO for name, value in totals.get(group.pk, {}).items()}
        if not any(money.values()) and not member_counts.get(group.pk):
            continue
        summary.groups.append(
            GroupMoney(
                group=group,
                opening=money.get("opening", ZERO),
                deposits=money.get("deposits", ZERO),
                withdrawals=-money.get("withdrawals", ZERO),
                closing=money.get("closing", ZERO),
                members=member_counts.get(group.pk, 0),
                levy=levy_of(levies.get(group.pk, [])),
            )
        )
    return summary


@dataclass
class MonthDeposits:
    paid_count: int = 0
    total: Decimal = ZERO


def month_deposits(group: SavingsGroup, months: Iterable[datetime.date]) -> dict[datetime.date, MonthDeposits]:
    """{month: who paid and how much} for the group's deposits for each of `months`, however they
    came (the month's sheet, a late deposit, a reversal): a reversal keeps the kind and month of
    the row it reverses, so a reversed deposit counts neither in the total nor as a member who
    paid. The sheet page and the group page's list of sheets both read it, so one month shows one
    figure. One query."""
    figures = {month: MonthDeposits() for month in months}
    rows = (
        LedgerEntry.objects.filter(group=group, kind=EntryKind.DEPOSIT, month__in=list(figures))
        .order_by()
        .values_list("month", "member")
        .annotate(paid=Sum("amount"))
    )
    for month, _member, paid in rows:
        figures[month].total += paid
        figures[month].paid_count += paid > 0
    return figures


@dataclass
class StatusCounts:
    founded: list[SavingsGroup]
    revived: list[SavingsGroup]
    forming: list[SavingsGroup]

    @staticmethod
    def communities(groups: Iterable[SavingsGroup]) -> int:
        return len({g.community_id for g in groups})

    @property
    def founded_communities(self) -> int:
        return self.communities(self.founded)

    @property
    def revived_communities(self) -> int:
        return self.communities(self.revived)

    @property
    def forming_communities(self) -> int:
        return self.communities(self.forming)


def status_counts(first: datetime.date, last: datetime.date) -> StatusCounts:
    """Groups founded and revived with a dated change inside first..end of last, and groups whose
    status at the end of the period is still 'forming', each with its community."""
    end = month_end(last)
    changes = list(
        GroupStatusChange.objects.filter(date__lte=end).select_related("group__community").order_by("date", "id")
    )
    latest: dict[int, GroupStatusChange] = {}
    founded: dict[int, SavingsGroup] = {}
    revived: dict[int, SavingsGroup] = {}
    for change in changes:
        latest[change.group_id] = change
        if first <= change.date <= end:
            if change.status == GroupStatus.FOUNDED:
                founded[change.group_id] = change.group
            elif change.status == GroupStatus.REVIVED:
                revived[change.group_id] = change.group
    forming = [c.group for c in latest.values() if c.status == GroupStatus.FORMING]

    def by_name(groups: Iterable[SavingsGroup]) -> list[SavingsGroup]:
        return sorted(groups, key=lambda g: g.name)

    return StatusCounts(founded=by_name(founded.values()), revived=by_name(revived.values()), forming=by_name(forming))


def annotate_overview(groups: list[SavingsGroup]) -> list[SavingsGroup]:
    """Give each group its `balance`, `member_count` (members who have not left) and
    `current_status`, in three queries whatever the number of groups. Each figure has its own
    query: summing rows across a join with members would count every row once per member."""
    balances = dict(
        LedgerEntry.objects.filter(group__in=groups)
        .order_by()
        .values("group")
        .annotate(t=Sum("amount"))
        .values_list("group", "t")
    )
    counts = dict(
        Member.objects.filter(group__in=groups, left_on__isnull=True)
        .order_by()
        .values("group")
        .annotate(n=Count("id"))
        .values_list("group", "n")
    )
    statuses = current_statuses(groups)
    for group in groups:
        figures = {
            "balance": balances.get(group.pk, ZERO),
            "member_count": counts.get(group.pk, 0),
            "current_status": statuses.get(group.pk),
        }
        for name, value in figures.items():
            setattr(group, name, value)
    return groups


def current_statuses(groups: Iterable[SavingsGroup] | QuerySet[SavingsGroup]) -> dict[int, GroupStatusChange]:
    """{group id: latest status change} for the groups, in one query."""
    latest = {}
    for change in GroupStatusChange.objects.filter(group__in=groups).order_by("date", "id"):
        latest[change.group_id] = change
    return latest


def is_active(status_change: GroupStatusChange | None) -> bool:
    return status_change is not None and status_change.status in ACTIVE_STATUSES

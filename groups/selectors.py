"""Reads that feed the savings pages. Each runs a fixed number of queries, whatever the number of
members or rows."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum, Window

from songkhla_network.thai import add_months, month_end, months_between, to_satang

from .models import ACTIVE_STATUSES, EntryKind, GroupStatus, GroupStatusChange, LedgerEntry, Member, SavingsGroup

ZERO = Decimal("0.00")
LEVY_RATE = Decimal("0.05")


def members_with_money(group, *, month=None, as_of=None):
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
        for name in sums:
            setattr(member, name, row.get(name) or ZERO)
        if month is not None:
            member.arrears = commitment_arrears(member, month)
            member.arrears_before = max(
                ZERO, commitment_due(member, add_months(month, -1)) - (member.paid_to_date - member.paid_this_month)
            )
    return members


def commitment_due(member, month):
    """What the member promised from the month they joined to `month`, both included."""
    last = month if member.left_on is None else min(month, member.left_on.replace(day=1))
    return member.commitment * months_between(member.joined_on.replace(day=1), last)


def commitment_arrears(member, month):
    """Commitment due up to `month` minus the deposits made for those months (never negative)."""
    return max(ZERO, commitment_due(member, month) - member.paid_to_date)


def passbook(member):
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


@dataclass
class GroupMoney:
    group: SavingsGroup
    opening: Decimal = ZERO
    deposits: Decimal = ZERO
    withdrawals: Decimal = ZERO
    closing: Decimal = ZERO
    members: int = 0

    @property
    def levy(self):
        return to_satang(self.deposits * LEVY_RATE)


@dataclass
class NetworkMoney:
    first: object
    last: object
    groups: list = field(default_factory=list)

    def _total(self, name):
        return sum((getattr(g, name) for g in self.groups), ZERO)

    @property
    def opening(self):
        return self._total("opening")

    @property
    def deposits(self):
        return self._total("deposits")

    @property
    def withdrawals(self):
        return self._total("withdrawals")

    @property
    def closing(self):
        return self._total("closing")

    @property
    def levy(self):
        return self._total("levy")

    @property
    def members(self):
        return sum(g.members for g in self.groups)


def network_money(first, last, groups=None):
    """Per group and in total, for the months `first`..`last`: the balance before the first month,
    deposits and withdrawals for the months (reversals netted against what they reverse), the
    balance at the end of the last month, and the 5 % enterprise levy those deposits owe."""
    groups = list(
        (SavingsGroup.objects.all() if groups is None else groups).select_related("community").order_by("name")
    )
    end = month_end(last)
    # Totals per group straight from the ledger: no join, so PostgreSQL streams the rows once.
    totals = {
        row.pop("group"): row
        for row in LedgerEntry.objects.filter(group__in=groups)
        .order_by()
        .values("group")
        .annotate(
            opening=Sum("amount", filter=Q(date__lt=first)),
            deposits=Sum("amount", filter=Q(kind=EntryKind.DEPOSIT, month__range=(first, last))),
            withdrawals=Sum("amount", filter=Q(kind=EntryKind.WITHDRAWAL, month__range=(first, last))),
            closing=Sum("amount", filter=Q(date__lte=end)),
        )
    }
    member_counts = dict(
        Member.objects.filter(group__in=groups, joined_on__lte=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=end))
        .values_list("group")
        .annotate(n=Count("id"))
        .values_list("group", "n")
    )
    summary = NetworkMoney(first=first, last=last)
    for group in groups:
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
            )
        )
    return summary


@dataclass
class MonthDeposits:
    paid_count: int = 0
    total: Decimal = ZERO


def month_deposits(group, months):
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


def deposits_by_month(first, last):
    """{month: the network's deposits for it} for the months first..last that have any; reversals
    keep the kind and month of the row they reverse, so they net out. One query."""
    return dict(
        LedgerEntry.objects.filter(kind=EntryKind.DEPOSIT, month__range=(first, last))
        .order_by()
        .values_list("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    )


@dataclass
class StatusCounts:
    founded: list
    revived: list
    forming: list

    @staticmethod
    def communities(groups):
        return len({g.community_id for g in groups})

    @property
    def founded_communities(self):
        return self.communities(self.founded)

    @property
    def revived_communities(self):
        return self.communities(self.revived)

    @property
    def forming_communities(self):
        return self.communities(self.forming)


def status_counts(first, last):
    """Groups founded and revived with a dated change inside first..end of last, and groups whose
    status at the end of the period is still 'forming', each with its community."""
    end = month_end(last)
    changes = list(
        GroupStatusChange.objects.filter(date__lte=end).select_related("group__community").order_by("date", "id")
    )
    latest = {}
    founded, revived = {}, {}
    for change in changes:
        latest[change.group_id] = change
        if first <= change.date <= end:
            if change.status == GroupStatus.FOUNDED:
                founded[change.group_id] = change.group
            elif change.status == GroupStatus.REVIVED:
                revived[change.group_id] = change.group
    forming = [c.group for c in latest.values() if c.status == GroupStatus.FORMING]

    def by_name(groups):
        return sorted(groups, key=lambda g: g.name)

    return StatusCounts(founded=by_name(founded.values()), revived=by_name(revived.values()), forming=by_name(forming))


def annotate_overview(groups):
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
        group.balance = balances.get(group.pk, ZERO)
        group.member_count = counts.get(group.pk, 0)
        group.current_status = statuses.get(group.pk)
    return groups


def current_statuses(groups):
    """{group id: latest status change} for the groups, in one query."""
    latest = {}
    for change in GroupStatusChange.objects.filter(group__in=groups).order_by("date", "id"):
        latest[change.group_id] = change
    return latest


def is_active(status_change):
    return status_change is not None and status_change.status in ACTIVE_STATUSES

"""Reads that feed the savings pages, and what other areas may read of the savings groups (the
enterprise reads the levy here). Each runs a fixed number of queries, whatever the number of
members or rows."""

import datetime
import functools
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    Field,
    Max,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from songkhla_network import sql
from songkhla_network.models import Community, Person, User
from songkhla_network.thai import add_months, month_end, month_range, month_start, months_between, to_satang

from .interest import Instalment, due_by, rescheduled, schedule
from .models import (
    ACTIVE_STATUSES,
    SAVING,
    CollectionSheet,
    Commitment,
    EntryKind,
    FundEntry,
    FundEntryKind,
    GroupBalance,
    GroupRules,
    GroupSaving,
    GroupStatus,
    GroupStatusChange,
    LedgerEntry,
    Loan,
    LoanEntry,
    LoanEntryKind,
    LoanReschedule,
    Member,
    MemberBalance,
    Officer,
    SavingsGroup,
    ShareOut,
    YearEnd,
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
    """One group's net deposits for one month, as the savings ledger holds them on a day."""

    group_id: int
    month: datetime.date
    deposits: Decimal

    @property
    def levy(self) -> Decimal:
        return levy_owed(self.deposits)


def levies_by_group_and_month(
    first: datetime.date,
    last: datetime.date,
    *,
    groups: Iterable[SavingsGroup] | None = None,
    as_of: datetime.date | None = None,
) -> list[MonthLevy]:
    """Per group (optionally only `groups`) and per month first..last with deposit rows: the net
    deposits for the month and the levy they owe, from the rows dated up to `as_of` (a period's
    report gives its last day, so a deposit paid after it does not change it), or from every row
    the ledger holds now (as_of None: what the enterprise posts). A month whose deposits were all
    reversed is listed with 0. A balance a moving member carries across is no new saving and owes
    no levy. One query, on the groups' savings by day paid (models.GroupSaving), not the ledger,
    written out (songkhla_network.sql: the ORM took longer to put it together than PostgreSQL to
    answer it, on the network summary and the dashboard)."""
    group_ids = None if groups is None else [group.pk for group in groups]
    if group_ids == []:
        return []
    where = ["month BETWEEN %s AND %s"]
    params: list[Any] = [first, last]
    if group_ids is not None:
        where.append(f"group_id IN ({sql.placeholders(group_ids)})")
        params += group_ids
    if as_of is not None:
        where.append("paid_on <= %s")
        params.append(as_of)
    rows = sql.fetch(
        f"""
        SELECT group_id, month, SUM(deposits) FROM {GroupSaving._meta.db_table}
        WHERE {" AND ".join(where)} GROUP BY group_id, month ORDER BY group_id, month
        """,
        params,
    )
    as_month = sql.converter(GroupSaving, "month")
    return [
        MonthLevy(group_id=group_id, month=as_month(month), deposits=sql.money(total))
        for group_id, month, total in rows
    ]


def levy_of(levies: Iterable[MonthLevy]) -> Decimal:
    """The levy of several groups or months: the sum of each group's and month's levy."""
    return sum((month.levy for month in levies), ZERO)


# Terms over time: a member's dated commitments, their group's dated life, and when a month's
# commitment falls due.


@dataclass(frozen=True)
class MonthDue:
    month: datetime.date
    commitment: Decimal  # in force in the month


@dataclass(frozen=True)
class DueSpan:
    """Months in a row that fall due at one commitment: `first` and the `count` months from it."""

    first: datetime.date
    count: int
    commitment: Decimal  # in force in each of them


# What with_terms loads, kept on the objects it was given, oldest first: plain lists, read many
# times a page (Django's prefetch cache makes a queryset on every read).
_COMMITMENTS = "_loaded_commitments"
_STEPS = "_loaded_steps"


def with_terms(members: list[Member]) -> list[Member]:
    """Load what due_spans reads — each member's commitments and their group's status steps — in
    two queries whatever the number of members (three when their groups are not loaded yet;
    members read through `group.members` share the group, and its steps are read once). Read
    afresh each time: what an earlier call loaded on the same objects may have changed since.
    Written out (songkhla_network.sql): every savings page reads them."""
    if not members:
        return members
    prefetch_related_objects([m for m in members if not Member.group.is_cached(m)], "group")
    by_member: dict[int, list[Commitment]] = {member.pk: [] for member in members}
    for commitment in sql.instances(Commitment, sql.fetch(*_commitments_sql(list(by_member)))):
        by_member[commitment.member_id].append(commitment)
    groups = {member.group_id: member.group for member in members}
    by_group: dict[int, list[GroupStatusChange]] = {pk: [] for pk in groups}
    for step in sql.instances(GroupStatusChange, sql.fetch(*_steps_sql(list(groups)))):
        by_group[step.group_id].append(step)
    for pk, group in groups.items():
        setattr(group, _STEPS, by_group[pk])
    for member in members:
        setattr(member, _COMMITMENTS, by_member[member.pk])
        if member.group is not groups[member.group_id]:  # another object of the same group
            setattr(member.group, _STEPS, by_group[member.group_id])
    return members


def _commitments_sql(member_ids: list[int]) -> tuple[str, list[int]]:
    return (
        f"SELECT {sql.columns(Commitment, 'c')} FROM {Commitment._meta.db_table} c"
        f" WHERE c.member_id IN ({sql.placeholders(member_ids)}) ORDER BY c.from_month",
        member_ids,
    )


def _steps_sql(group_ids: list[int]) -> tuple[str, list[int]]:
    return (
        f"SELECT {sql.columns(GroupStatusChange, 's')} FROM {GroupStatusChange._meta.db_table} s"
        f" WHERE s.group_id IN ({sql.placeholders(group_ids)}) ORDER BY s.date, s.id",
        group_ids,
    )


def _commitments(member: Member) -> list[Commitment]:
    """The member's commitments, oldest first, as with_terms loaded them (or one query)."""
    loaded: list[Commitment] | None = getattr(member, _COMMITMENTS, None)
    return loaded if loaded is not None else sorted(member.commitments.all(), key=lambda c: c.from_month)


def _steps(group: SavingsGroup) -> list[GroupStatusChange]:
    """The group's dated steps, oldest first, as with_terms loaded them (or one query)."""
    loaded: list[GroupStatusChange] | None = getattr(group, _STEPS, None)
    if loaded is not None:
        return loaded
    return sorted(group.status_changes.all(), key=lambda step: (step.date, step.id))


def status_on(group: SavingsGroup, day: datetime.date) -> str | None:
    """The group's status on a day (None before its first step), from its steps as with_terms
    loaded them (or one query)."""
    steps = [step for step in _steps(group) if step.date <= day]
    return steps[-1].status if steps else None


def due_spans(member: Member, as_of: datetime.date) -> list[DueSpan]:
    """The months whose commitment the member owes on the day `as_of`, as spans of months in a row
    at one commitment. This is the one rule for when a month falls due, and every page that shows
    arrears reads it (its Thai wording is jinja2/groups/_due_rule.jinja):

    - a month falls due once it has ended, from the first day of the next month: until then the
      member may still pay at the meeting, whatever day the group meets;
    - only if on its last day the member belonged to the group (joined by then and not left) and
      the group was active (founded or revived, by its dated steps): a dormant month, the months
      before joining and the month of leaving and after are not due;
    - the amount is the commitment in force in that month (Commitment), none before the first.

    Between two changes of a term (a commitment, a step of the group's life: each applies from its
    month on) every month is alike, so the rule is applied once per stretch between changes, not
    once per month: its cost is that of the member's terms, not of the length of their history.

    Reads member.commitments and member.group.status_changes (with_terms loads them for many)."""
    commitments = _commitments(member)
    if not commitments:
        return []
    steps = _steps(member.group)
    first = max(month_start(member.joined_on), commitments[0].from_month)
    # Months before the one as_of falls in are over; the month of leaving is not due.
    stop = month_start(as_of) if member.left_on is None else min(month_start(as_of), month_start(member.left_on))
    # A step dated in a month decides the status at that month's end: it applies from its month.
    changes = sorted({c.from_month for c in commitments} | {month_start(step.date) for step in steps} | {first, stop})
    bounds = [month for month in changes if first <= month <= stop]
    spans: list[DueSpan] = []
    in_force, step, status = 0, 0, None
    for start, end in zip(bounds, bounds[1:], strict=False):
        while in_force + 1 < len(commitments) and commitments[in_force + 1].from_month <= start:
            in_force += 1
        while step < len(steps) and month_start(steps[step].date) <= start:
            status = steps[step].status
            step += 1
        if status in ACTIVE_STATUSES:
            spans.append(DueSpan(start, months_between(start, end) - 1, commitments[in_force].amount))
    return spans


def months_due(member: Member, as_of: datetime.date) -> list[MonthDue]:
    """The months whose commitment the member owes on `as_of` (due_spans, the rule), one by one,
    each with the commitment in force in it."""
    return [
        MonthDue(add_months(span.first, k), span.commitment)
        for span in due_spans(member, as_of)
        for k in range(span.count)
    ]


def commitment_due(member: Member, as_of: datetime.date, spans: Sequence[DueSpan] | None = None) -> Decimal:
    """What the member has promised for the months due on `as_of` (due_spans). `spans`: their
    due_spans on `as_of` or on any later day, when already worked out: the months due on a day are
    those of a later day's spans before the month the day falls in."""
    stop = month_start(as_of)
    total = ZERO
    for span in due_spans(member, as_of) if spans is None else spans:
        if span.first >= stop:
            break
        total += span.commitment * min(span.count, months_between(span.first, stop) - 1)
    return total


def arrears(member: Member, *, as_of: datetime.date, paid: Decimal, spans: Sequence[DueSpan] | None = None) -> Decimal:
    """Commitment due on `as_of` minus `paid`, the member's deposits for the months up to the one
    shown (never negative). `spans` as for commitment_due."""
    return max(ZERO, commitment_due(member, as_of, spans) - paid)


def due_as_of(month: datetime.date, today: datetime.date) -> datetime.date:
    """The day a month's figures are read on: the day after it ended, or today while it lasts."""
    return min(today, add_months(month, 1))


def commitment_in_force(member: Member, month: datetime.date) -> Decimal | None:
    """The member's commitment in force in `month` (None before their first)."""
    amounts = [c.amount for c in _commitments(member) if c.from_month <= month]
    return amounts[-1] if amounts else None


def commitment_changes_after(member: Member, month: datetime.date) -> list[Commitment]:
    """The member's commitments that start after `month`: changes already agreed for later."""
    return [c for c in _commitments(member) if c.from_month > month]


def commitment_series(member: Member) -> list[Commitment]:
    """The member's commitments, oldest first."""
    return list(_commitments(member))


# The savings pages.


def _this_month() -> datetime.date:
    return month_start(timezone.localdate())


# What _with_money sums from the savings rows, by member, in the order _sums_sql gives them.
_SUMS = ("balance", "paid_this_month", "paid_to_date")


def _sums_sql(by: str, month: datetime.date, today: datetime.date) -> tuple[str, list[Any]]:
    """The statement of each member's sums (_SUMS) over the savings rows whose column `by` is its
    last parameter, and its parameters but that last: written out, as members_with_money is read
    by every savings page."""
    saving, saving_params = sql.condition(LedgerEntry, SAVING)
    statement = f"""
        SELECT member_id, SUM(amount) FILTER (WHERE date <= %s),
            SUM(amount) FILTER (WHERE {saving} AND month = %s),
            SUM(amount) FILTER (WHERE {saving} AND month <= %s)
        FROM {LedgerEntry._meta.db_table} WHERE {by} = %s GROUP BY member_id
    """
    return statement, [today, *saving_params, month, *saving_params, month]


def _with_money(
    members: list[Member], totals: Mapping[int, Sequence[Any]], month: datetime.date, today: datetime.date
) -> list[Member]:
    """Give each member their figures for `month` (see members_with_money) from their sums
    (_SUMS, by member's id; none for a member without rows) and with_terms' two queries."""
    with_terms(members)
    as_of = due_as_of(month, today)
    for member in members:
        sums = totals.get(member.pk, (None,) * len(_SUMS))
        figures: dict[str, Decimal | None] = {name: sql.money(value) for name, value in zip(_SUMS, sums, strict=True)}
        paid_to_date, paid_this_month = figures["paid_to_date"] or ZERO, figures["paid_this_month"] or ZERO
        spans = due_spans(member, max(as_of, month))  # once for both
        figures["arrears"] = arrears(member, as_of=as_of, paid=paid_to_date, spans=spans)
        figures["arrears_before"] = arrears(member, as_of=month, paid=paid_to_date - paid_this_month, spans=spans)
        figures["commitment"] = commitment_in_force(member, month)
        for name, value in figures.items():
            setattr(member, name, value)
        member.later_commitments = commitment_changes_after(member, month)  # type: ignore[attr-defined]
    return members


def members_with_money(
    group: SavingsGroup, *, month: datetime.date | None = None, today: datetime.date | None = None
) -> list[Member]:
    """The group's members, by number, each with their figures for `month` (this month unless
    given), as the records stand on `today`:

    - `balance`: every row dated up to today;
    - `commitment`: the commitment in force in the month (None before their first),
      `later_commitments`: changes agreed from a later month;
    - `paid_this_month`, `paid_to_date`: deposits for the month, for the months up to it (by the
      month a saving is for; a balance carried across from another group is not counted);
    - `arrears`: commitment due (months_due) at the end of the month, or today while it lasts,
      minus paid_to_date; `arrears_before`: the same for the months before it, what the
      treasurer asks for besides this month's commitment.

    Three queries, written out (songkhla_network.sql): the members with their people and their
    sums, their commitments, the group's steps."""
    today = today or timezone.localdate()
    month = month or _this_month()
    sums, params = _sums_sql("group_id", month, today)
    rows = sql.fetch(
        f"""
        SELECT {sql.columns(Member, "m")}, {sql.columns(Person, "p")}, s.*
        FROM {Member._meta.db_table} m
        JOIN {Person._meta.db_table} p ON p.id = m.person_id
        LEFT JOIN ({sums}) s ON s.member_id = m.id
        WHERE m.group_id = %s ORDER BY m.number
        """,
        [*params, group.pk, group.pk],
    )
    members = sql.instances(Member, rows)
    people = sql.instances(Person, rows, sql.width(Member))
    for member, person in zip(members, people, strict=True):
        Member.group.field.set_cached_value(member, group)
        Member.person.field.set_cached_value(member, person)
    first_sum = sql.width(Member) + sql.width(Person) + 1  # after s.member_id
    totals = {row[first_sum - 1]: row[first_sum:] for row in rows if row[first_sum - 1] is not None}
    return _with_money(members, totals, month, today)


def member_with_money(
    member: Member, *, month: datetime.date | None = None, today: datetime.date | None = None
) -> Member:
    """One member with the figures members_with_money gives (the passbook's)."""
    today = today or timezone.localdate()
    month = month or _this_month()
    sums, params = _sums_sql("member_id", month, today)
    totals = {row[0]: row[1:] for row in sql.fetch(sums, [*params, member.pk])}
    return _with_money([member], totals, month, today)[0]


@dataclass(frozen=True)
class Counterpart:
    """The passbook at the other end of a move: the member's in their former or new group."""

    group_id: int
    member_id: int
    group_name: str


@dataclass(frozen=True)
class PassbookRow:
    """A row of a member's passbook, as the page reads it."""

    pk: int
    date: datetime.date
    kind: str
    month: datetime.date
    amount: Decimal
    reason: str
    posted_by: str  # the user who posted it, as their name reads
    posted_at: datetime.datetime
    reverses_date: datetime.date | None  # a reversal: the date of the row it reverses
    is_reversed: bool
    brought_from: Counterpart | None  # a balance carried in from the member's former group
    taken_to: Counterpart | None  # a balance carried out to their new group
    running_balance: Decimal  # after this row
    share_of_year: datetime.date | None = None  # a year-end share added to savings: the year's last month

    @property
    def is_reversal(self) -> bool:
        return self.reverses_date is not None

    @property
    def item(self) -> str:
        """What the row is, as the page names it: a reversal, a balance brought from or taken to
        another group, or else a deposit or a withdrawal (its kind)."""
        if self.is_reversal:
            return "reversal"
        if self.brought_from:
            return "brought"
        if self.taken_to:
            return "taken"
        if self.share_of_year:
            return "share"
        return self.kind


def _passbook_rows(member_pk: int) -> QuerySet[Any, dict[str, Any]]:
    """The query of passbook's rows: a member's rows, in date order, as plain values."""
    return (
        LedgerEntry.objects.filter(member_id=member_pk)
        .annotate(
            running_balance=Window(Sum("amount"), order_by=["date", "id"]),
            is_reversed=Exists(LedgerEntry.objects.filter(reverses=OuterRef("pk"))),
        )
        .order_by("date", "id")
        .values(
            "pk",
            "date",
            "kind",
            "month",
            "amount",
            "reason",
            "posted_by",
            "posted_at",
            "is_reversed",
            "running_balance",
            "reverses__date",
            "posted_by__first_name",
            "posted_by__last_name",
            "posted_by__username",
            "share__year_end__last_month",
            *(
                f"{side}__{name}"
                for side in ("transfer_of", "transferred_to")
                for name in ("group", "member", "group__name")
            ),
        )
    )


# The ORM took longer to put the passbook's query together than PostgreSQL to answer it: it is
# put together once (songkhla_network.sql.PreparedValues).
_PASSBOOK = sql.PreparedValues(_passbook_rows)


def passbook(member: Member) -> list[PassbookRow]:
    """The member's rows in date order, each with the running balance after it and whether it
    has been reversed; a balance carried across names the group it came from or went to. One
    query, read as plain values: a long passbook is read on every visit, and building a model
    object for each row and each row it joins cost more than the query."""
    rows = _PASSBOOK.rows(member.pk)
    names: dict[int, str] = {}  # each user's name as User.__str__ gives it, made once per user

    def name(row: dict[str, Any]) -> str:
        if row["posted_by"] not in names:
            user = User(
                first_name=row["posted_by__first_name"],
                last_name=row["posted_by__last_name"],
                username=row["posted_by__username"],
            )
            names[row["posted_by"]] = str(user)
        return names[row["posted_by"]]

    def counterpart(row: dict[str, Any], side: str) -> Counterpart | None:
        if row[f"{side}__group"] is None:
            return None
        return Counterpart(row[f"{side}__group"], row[f"{side}__member"], row[f"{side}__group__name"])

    return [
        PassbookRow(
            pk=row["pk"],
            date=row["date"],
            kind=row["kind"],
            month=row["month"],
            amount=row["amount"],
            reason=row["reason"],
            posted_by=name(row),
            posted_at=row["posted_at"],
            reverses_date=row["reverses__date"],
            is_reversed=row["is_reversed"],
            brought_from=counterpart(row, "transfer_of"),
            taken_to=counterpart(row, "transferred_to"),
            running_balance=row["running_balance"],
            share_of_year=row["share__year_end__last_month"],
        )
        for row in rows
    ]


def was_reversed(entry: LedgerEntry) -> bool:
    return LedgerEntry.objects.filter(reverses=entry).exists()


def status_history(group: SavingsGroup) -> list[GroupStatusChange]:
    """The group's dated steps, oldest first: the last is its status now (as with_terms loaded
    them, or one query)."""
    return list(_steps(group))


def current_officers(group: SavingsGroup) -> list[Officer]:
    rows = sql.fetch(
        f"""
        SELECT {sql.columns(Officer, "o")}, {sql.columns(Person, "p")}
        FROM {Officer._meta.db_table} o JOIN {Person._meta.db_table} p ON p.id = o.person_id
        WHERE o.group_id = %s AND o.until IS NULL ORDER BY o.position, o.since
        """,
        [group.pk],
    )
    officers = sql.instances(Officer, rows)
    for officer, person in zip(officers, sql.instances(Person, rows, sql.width(Officer)), strict=True):
        Officer.group.field.set_cached_value(officer, group)
        Officer.person.field.set_cached_value(officer, person)
    return officers


def recent_sheets(group: SavingsGroup, count: int) -> list[CollectionSheet]:
    """The group's last `count` posted sheets, newest first, each with `figures` (who paid and
    how much, net of reversals: month_deposits). Two queries."""
    sheets = _sheets(group, "ORDER BY s.month DESC LIMIT %s", [count])
    figures = month_deposits(group, [sheet.month for sheet in sheets])
    for sheet in sheets:
        sheet.figures = figures[sheet.month]  # type: ignore[attr-defined]  # read by the page
    return sheets


def posted_months(group: SavingsGroup, count: int) -> list[datetime.date]:
    """The months of the group's last `count` posted sheets, newest first."""
    return list(group.sheets.order_by("-month").values_list("month", flat=True)[:count])


def posted_sheet(group: SavingsGroup, month: datetime.date) -> CollectionSheet | None:
    """The group's sheet for the month with who posted it, if it is posted. Written out
    (songkhla_network.sql), as _sheets."""
    sheets = _sheets(group, "AND s.month = %s", [month])
    return sheets[0] if sheets else None


def _sheets(group: SavingsGroup, rest: str, params: list[Any]) -> list[CollectionSheet]:
    """The group's sheets that the rest of the statement (a condition, an order) picks, with its
    parameters, each with the user who posted it."""
    rows = sql.fetch(
        f"""
        SELECT {sql.columns(CollectionSheet, "s")}, {sql.columns(User, "u")}
        FROM {CollectionSheet._meta.db_table} s JOIN {User._meta.db_table} u ON u.id = s.posted_by_id
        WHERE s.group_id = %s {rest}
        """,
        [group.pk, *params],
    )
    sheets = sql.instances(CollectionSheet, rows)
    for sheet, user in zip(sheets, sql.instances(User, rows, sql.width(CollectionSheet)), strict=True):
        CollectionSheet.group.field.set_cached_value(sheet, group)
        CollectionSheet.posted_by.field.set_cached_value(sheet, user)
    return sheets


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
    """One group's savings over a period. The ledger by payment date: the balance before the first
    day, what came in and went out on the days of the period (a reversal on its own date, a
    balance carried across by a moving member in the one group and out of the other), the balance
    at the end; opening + deposits - withdrawals = closing. Apart, by the month a saving is for:
    the deposits for the period's months paid by its end, and the 5 % levy they owe."""

    group: SavingsGroup
    opening: Decimal = ZERO
    deposits: Decimal = ZERO
    withdrawals: Decimal = ZERO
    closing: Decimal = ZERO
    members: int = 0
    # Deposits for the period's months, paid by the period's end, and the sum of levy_owed over
    # the group's months (None when network_money was asked to leave the levy out).
    saved_for_months: Decimal | None = ZERO
    levy: Decimal | None = ZERO

    @property
    def reconciles(self) -> bool:
        return self.opening + self.deposits - self.withdrawals == self.closing


@dataclass
class NetworkMoney:
    first: datetime.date
    last: datetime.date
    groups: list[GroupMoney] = field(default_factory=list)
    # The network's deposits for each month that has any, by the month a saving is for: the rows
    # the levy is read from.
    months: dict[datetime.date, Decimal] = field(default_factory=dict)
    # What came in less what went out on the days of each month that has any, every group's
    # together, by payment date: the balance at each month's end is the opening plus these.
    moved: dict[datetime.date, Decimal] = field(default_factory=dict)
    with_levy: bool = True  # False: network_money left the levy (and saved_for_months) out

    def _total(self, name: str) -> Decimal:
        return sum((getattr(g, name) for g in self.groups), ZERO)

    def _levy_total(self, name: str) -> Decimal:
        if not self.with_levy:
            raise ValueError(f"network_money(levy=False) left {name} out")
        return self._total(name)

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
    def saved_for_months(self) -> Decimal:
        return self._levy_total("saved_for_months")

    @property
    def levy(self) -> Decimal:
        """The network's levy: the sum of every group's levy (each the sum of its months')."""
        return self._levy_total("levy")

    @property
    def members(self) -> int:
        return sum(g.members for g in self.groups)

    @property
    def reconciles(self) -> bool:
        return self.opening + self.deposits - self.withdrawals == self.closing and all(
            g.reconciles for g in self.groups
        )

    def month_ends(self) -> list[tuple[datetime.date, Decimal]]:
        """Every month of the period with every group's savings at its end, by payment date."""
        balance, ends = self.opening, []
        for month in month_range(self.first, self.last):
            balance += self.moved.get(month, ZERO)
            ends.append((month, balance))
        return ends


def network_money(
    first: datetime.date, last: datetime.date, groups: Iterable[SavingsGroup] | None = None, *, levy: bool = True
) -> NetworkMoney:
    """Per group and in total, for the months `first`..`last`, by payment date (the date on each
    row): the balance before the first day, deposits and withdrawals dated in the period (a
    reversal counts on its own date, with the kind of the row it reverses), the balance at the end
    of the last month, so that opening + deposits - withdrawals = closing; the members at the end;
    what moved in each month. By the month a saving is for, apart: the deposits for the period's
    months and the 5 % levy they owe the enterprise (per group and month: levy_owed), and the
    network's deposits for each month, from the rows dated up to the end of the last month.

    Read from the month-end balances (models.GroupBalance, GroupSaving), never the ledger's rows:
    the groups with their balances before the period and at its end, their members and what moved
    in the period; what moved in each month; their savings for the months. Three queries whatever
    the length of the ledger, written out (songkhla_network.sql): through the ORM, putting them
    together and building a hundred groups took most of the network summary's CPU. With `levy`
    False (a page that shows neither) the levy and the deposits for the period's months are left
    out."""
    first, last = month_start(first), month_start(last)
    end = month_end(last)
    group_ids = None if groups is None else [group.pk for group in groups]
    summary = NetworkMoney(first=first, last=last, with_levy=levy)
    if group_ids == []:
        return summary
    only, only_params = ("", []) if group_ids is None else (f"IN ({sql.placeholders(group_ids)})", group_ids)
    balances, members = GroupBalance._meta.db_table, Member._meta.db_table
    in_period = f"month BETWEEN %s AND %s {f'AND group_id {only}' if only else ''}"
    rows = sql.fetch(
        f"""
        SELECT {sql.columns(SavingsGroup, "g")}, {sql.columns(Community, "c")},
            (SELECT b.closing FROM {balances} b WHERE b.group_id = g.id AND b.month < %s
                ORDER BY b.month DESC LIMIT 1),
            (SELECT b.closing FROM {balances} b WHERE b.group_id = g.id AND b.month <= %s
                ORDER BY b.month DESC LIMIT 1),
            (SELECT COUNT(*) FROM {members} m WHERE m.group_id = g.id AND m.joined_on <= %s
                AND (m.left_on IS NULL OR m.left_on > %s)),
            moves.money_in, moves.money_out
        FROM {SavingsGroup._meta.db_table} g JOIN {Community._meta.db_table} c ON c.id = g.community_id
        LEFT JOIN (
            SELECT group_id, SUM(money_in) AS money_in, SUM(money_out) AS money_out FROM {balances}
            WHERE {in_period} GROUP BY group_id
        ) moves ON moves.group_id = g.id
        {f"WHERE g.id {only}" if only else ""}
        ORDER BY g.name
        """,
        [first, last, end, end, first, last, *only_params, *only_params],
    )
    chosen = sql.instances(SavingsGroup, rows)
    for group, community in zip(chosen, sql.instances(Community, rows, sql.width(SavingsGroup)), strict=True):
        SavingsGroup.community.field.set_cached_value(group, community)
    figures = sql.width(SavingsGroup) + sql.width(Community)
    as_month = sql.converter(GroupBalance, "month")
    summary.moved = {
        as_month(month): sql.money(net)
        for month, net in sql.fetch(
            f"SELECT month, SUM(money_in - money_out) FROM {balances} WHERE {in_period} GROUP BY month",
            [first, last, *only_params],
        )
    }
    levies: dict[int, list[MonthLevy]] = {}
    if levy:
        for month_levy in levies_by_group_and_month(first, last, groups=chosen if only else None, as_of=end):
            levies.setdefault(month_levy.group_id, []).append(month_levy)
            summary.months[month_levy.month] = summary.months.get(month_levy.month, ZERO) + month_levy.deposits
    else:
        # levies_by_group_and_month's rows, summed per month rather than per group and month.
        summary.months = {
            as_month(month): sql.money(total)
            for month, total in sql.fetch(
                f"""
                SELECT month, SUM(deposits) FROM {GroupSaving._meta.db_table}
                WHERE {in_period} AND paid_on <= %s GROUP BY month
                """,
                [first, last, *only_params, end],
            )
        }
    for group, row in zip(chosen, rows, strict=True):
        opening, closing, member_count, deposits, withdrawals = row[figures:]
        opening, closing, deposits, withdrawals = map(sql.money, (opening, closing, deposits, withdrawals))
        if not any((opening, deposits, withdrawals, closing)) and not member_count:
            continue
        months = levies.get(group.pk, [])
        summary.groups.append(
            GroupMoney(
                group=group,
                opening=opening,
                deposits=deposits,
                withdrawals=withdrawals,
                closing=closing,
                members=member_count,
                saved_for_months=sum((m.deposits for m in months), ZERO) if levy else None,
                levy=levy_of(months) if levy else None,
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
    paid. A balance a moving member carried across is no saving for a month and is left out. The
    sheet page and the group page's list of sheets both read it, so one month shows one figure.
    One query."""
    figures = {month: MonthDeposits() for month in months}
    if not figures:
        return figures
    saving, saving_params = sql.condition(LedgerEntry, SAVING)
    rows = sql.fetch(
        f"""
        SELECT month, SUM(paid), COUNT(*) FILTER (WHERE paid > 0) FROM (
            SELECT month, member_id, SUM(amount) AS paid FROM {LedgerEntry._meta.db_table}
            WHERE {saving} AND group_id = %s AND month IN ({sql.placeholders(list(figures))})
            GROUP BY month, member_id
        ) AS by_member GROUP BY month
        """,
        [*saving_params, group.pk, *figures],
    )
    as_month = sql.converter(LedgerEntry, "month")
    for month, total, paid_count in rows:
        figures[as_month(month)] = MonthDeposits(total=sql.money(total), paid_count=paid_count)
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
    # Written out (songkhla_network.sql): the ORM took longer to build two hundred changes with
    # their groups and communities than PostgreSQL took to read them.
    rows = sql.fetch(
        f"""
        SELECT {sql.columns(GroupStatusChange, "s")}, {sql.columns(SavingsGroup, "g")}, {sql.columns(Community, "c")}
        FROM {GroupStatusChange._meta.db_table} s
        JOIN {SavingsGroup._meta.db_table} g ON g.id = s.group_id
        JOIN {Community._meta.db_table} c ON c.id = g.community_id
        WHERE s.date <= %s ORDER BY s.date, s.id
        """,
        [end],
    )
    changes = sql.instances(GroupStatusChange, rows)
    groups = sql.instances(SavingsGroup, rows, sql.width(GroupStatusChange))
    communities = sql.instances(Community, rows, sql.width(GroupStatusChange) + sql.width(SavingsGroup))
    for change, group, community in zip(changes, groups, communities, strict=True):
        GroupStatusChange.group.field.set_cached_value(change, group)
        SavingsGroup.community.field.set_cached_value(group, community)
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
    """Give each group its `balance` (every row of its ledger: its last month-end balance),
    `member_count` (members who have not left) and `current_status`, in three queries whatever the
    number of groups or rows. Each figure has its own query: counting members across a join would
    count every one once per balance."""
    latest = GroupBalance.objects.filter(group=OuterRef("pk")).order_by("-month").values("closing")
    balances = dict(
        SavingsGroup.objects.filter(pk__in=[group.pk for group in groups])
        .annotate(balance=Subquery(latest[:1]))
        .values_list("pk", "balance")
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
            "balance": balances.get(group.pk) or ZERO,
            "member_count": counts.get(group.pk, 0),
            "current_status": statuses.get(group.pk),
        }
        for name, value in figures.items():
            setattr(group, name, value)
    return groups


def current_statuses(groups: Iterable[SavingsGroup] | None = None) -> dict[int, GroupStatusChange]:
    """{group id: latest status change} for the groups (every group's when None), in one query,
    written out (songkhla_network.sql: the dashboard's two hundred changes took the ORM longer
    to build than PostgreSQL to read)."""
    group_ids = None if groups is None else [group.pk for group in groups]
    if group_ids == []:
        return {}
    only = "" if group_ids is None else f"WHERE s.group_id IN ({sql.placeholders(group_ids)})"
    rows = sql.fetch(
        f"SELECT {sql.columns(GroupStatusChange, 's')} FROM {GroupStatusChange._meta.db_table} s {only}"
        " ORDER BY s.date, s.id",
        group_ids or [],
    )
    return {change.group_id: change for change in sql.instances(GroupStatusChange, rows)}


def is_active(status_change: GroupStatusChange | None) -> bool:
    return status_change is not None and status_change.status in ACTIVE_STATUSES


# Membership at the meeting.


def next_member_number(group: SavingsGroup) -> int:
    """The number a new member of the group is offered: one more than any number it has given,
    former members' included (a number is never given twice). One query."""
    return (group.members.aggregate(n=Max("number"))["n"] or 0) + 1


def people_to_join(group: SavingsGroup, name: str, *, limit: int = 20) -> list[Person]:
    """People in the records of the group's community whose name holds every word of `name`
    (first or last name), who are not members of the group now; their data not erased. One query."""
    words = name.split()
    if not words:
        return []
    people = joinable_people(group)
    for word in words[:5]:
        people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return list(people.order_by("first_name", "last_name", "pk")[:limit])


def joinable_people(group: SavingsGroup) -> QuerySet[Person]:
    """Who may be added to the group as they are already in the records (people_to_join, any
    name): what a posted choice is checked against."""
    current = Member.objects.filter(group=group, left_on__isnull=True).values("person")
    return Person.objects.filter(community=group.community, erased_at__isnull=True).exclude(pk__in=current)


def groups_to_move_to(member: Member) -> list[SavingsGroup]:
    """The groups a member may move to: every other group that is active (founded or revived)
    now, by name. Two queries."""
    others = list(SavingsGroup.objects.exclude(pk=member.group_id).select_related("community").order_by("name"))
    statuses = current_statuses(others)
    return [group for group in others if is_active(statuses.get(group.pk))]


# Month-end balances (models.MemberBalance, GroupBalance, GroupSaving): what the ledger's rows give,
# for services.balances_rebuild to write and balance_differences to compare with what is stored.


def _month_moves(owner: str) -> QuerySet[LedgerEntry, tuple[int, datetime.date, Decimal, Decimal]]:
    """(owner, month, in, out) for each owner (member or group) and month with rows, by payment
    date: the rule of network_money (a reversal on its own date, with the kind it reverses)."""
    return (
        LedgerEntry.objects.annotate(paid_month=TruncMonth("date"))
        .order_by()
        .values(owner, "paid_month")
        .annotate(
            money_in=Coalesce(Sum("amount", filter=Q(kind=EntryKind.DEPOSIT)), Value(ZERO)),
            money_out=Coalesce(Sum(-F("amount"), filter=Q(kind=EntryKind.WITHDRAWAL)), Value(ZERO)),
        )
        .values_list(owner, "paid_month", "money_in", "money_out")
    )


Row = tuple[Any, ...]


def ledger_balances(model: type[Model]) -> tuple[list[str], str, Sequence[Any]]:
    """What the ledger's rows give for the month-end table `model` (MemberBalance, GroupBalance or
    GroupSaving), as (its columns, a SELECT of its rows in the order of their key, its params): one
    pass over the ledger, the closing of each month a running sum in the database."""
    if model is GroupSaving:
        rows = (
            LedgerEntry.objects.filter(SAVING)
            .order_by()
            .values("group", "month", "date")
            .annotate(deposits=Sum("amount"))
            .values_list("group", "month", "date", "deposits")
        )
        sql, params = rows.query.sql_with_params()
        return ["group_id", "month", "paid_on", "deposits"], f'SELECT * FROM ({sql}) "saved" ORDER BY 1, 2, 3', params
    owner = "member" if model is MemberBalance else "group"
    sql, params = _month_moves(owner).query.sql_with_params()
    key = connection.ops.quote_name(owner)
    select = (
        f'SELECT {key}, "paid_month", "money_in", "money_out", '
        f'SUM("money_in" - "money_out") OVER (PARTITION BY {key} ORDER BY "paid_month") '
        f'FROM ({sql}) "moves" ORDER BY 1, 2'
    )
    return [f"{owner}_id", "month", "money_in", "money_out", "closing"], select, params


@dataclass(frozen=True)
class BalanceDifference:
    """A row of a month-end table (`model`) that differs from what the ledger's rows give: its key
    (owner id, month[, day paid]) and its figures as stored (`kept`) and from the rows (`ledger`),
    None where there is no such row."""

    model: type[Model]
    key: Row
    kept: Row | None
    ledger: Row | None


def _as_python(model: type[Model], columns: list[str], row: Row) -> Row:
    """A row read by hand as the model's fields read it (a month as a date, an amount in satang)."""
    values: list[Any] = []
    for column, value in zip(columns, row, strict=True):
        model_field = model._meta.get_field(column.removesuffix("_id"))
        assert isinstance(model_field, Field)
        if isinstance(value, datetime.datetime):  # PostgreSQL truncates a date to a timestamp
            value = value.date()
        value = model_field.to_python(value)
        values.append(to_satang(value) if isinstance(value, Decimal) else value)
    return tuple(values)


def _stored_rows(model: type[Model], columns: list[str], width: int) -> Iterator[Row]:
    return model._default_manager.order_by(*columns[:width]).values_list(*columns).iterator(chunk_size=5000)


def _ledger_rows(model: type[Model], columns: list[str], select: str, params: Sequence[Any]) -> Iterator[Row]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(select, params)
        while chunk := cursor.fetchmany(5000):
            for row in chunk:
                yield _as_python(model, columns, row)


def balance_differences(model: type[Model]) -> Iterator[BalanceDifference]:
    """The rows of the month-end table `model` that differ from what the ledger's rows give
    (ledger_balances), in the order of their key: a row missing, a row too many, or a figure that
    differs. Reads both in step, a chunk at a time, whatever their size."""
    columns, select, params = ledger_balances(model)
    width = 3 if model is GroupSaving else 2
    kept_rows, ledger_rows = _stored_rows(model, columns, width), _ledger_rows(model, columns, select, params)
    kept, ledger = next(kept_rows, None), next(ledger_rows, None)
    while kept is not None or ledger is not None:
        if ledger is None or (kept is not None and kept[:width] < ledger[:width]):
            assert kept is not None
            yield BalanceDifference(model, kept[:width], kept[width:], None)
            kept = next(kept_rows, None)
        elif kept is None or ledger[:width] < kept[:width]:
            yield BalanceDifference(model, ledger[:width], None, ledger[width:])
            ledger = next(ledger_rows, None)
        else:
            if kept[width:] != ledger[width:]:
                yield BalanceDifference(model, kept[:width], kept[width:], ledger[width:])
            kept, ledger = next(kept_rows, None), next(ledger_rows, None)


# The group's rules (models.GroupRules).


def rules_series(group: SavingsGroup) -> list[GroupRules]:
    """Every version of the group's rules, oldest first, each with its kinds of loan and welfare
    loaded. Three queries."""
    return list(
        group.rules.select_related("recorded_by").prefetch_related("loan_kinds", "welfare_kinds").order_by("from_month")
    )


def rules_on(group: SavingsGroup, month: datetime.date) -> GroupRules | None:
    """The group's rules in force in `month`: the version from the latest month up to it (None
    before the group's first). A change from a later month never alters an earlier one's."""
    return (
        group.rules.filter(from_month__lte=month_start(month))
        .prefetch_related("loan_kinds", "welfare_kinds")
        .order_by("-from_month")
        .first()
    )


# Loans (models.Loan) and the group's fund.


class LoanState:
    APPLIED = "applied"  # waiting for two officers' approval
    APPROVED = "approved"  # approved by two, not paid out yet
    PAID_OUT = "paid_out"


APPROVALS_NEEDED = 2


def approvers(loan: Loan) -> set[int]:
    """The people (Person ids) whose approval of the loan is recorded."""
    return {approval.officer.person_id for approval in loan.approvals.all()}


class EntryRow(NamedTuple):
    """A loan's money row as loan_position reads it, without a model object: the network's
    portfolio reads tens of thousands (loan_portfolios)."""

    pk: int
    kind: str
    date: datetime.date
    month: datetime.date
    amount: Decimal
    reverses_id: int | None


def disbursement(loan: Loan, as_of: datetime.date | None = None) -> LoanEntry | None:
    """The row that paid the loan out (by the end of `as_of`, if given), unless there is none or
    it was reversed by then."""
    payout = _standing([e for e in loan.entries.all() if as_of is None or e.date <= as_of], LoanEntryKind.DISBURSEMENT)
    return payout if payout is None or isinstance(payout, LoanEntry) else None


def entry_rows(entries: QuerySet[LoanEntry]) -> defaultdict[int, list[EntryRow]]:
    """{loan id: its rows among `entries`, oldest first, as EntryRow}: loan_position's rows without
    a model object for each. One query."""
    rows: defaultdict[int, list[EntryRow]] = defaultdict(list)
    for loan_pk, pk, kind, date, month, amount, reverses in entries.order_by("date", "pk").values_list(
        "loan", "pk", "kind", "date", "month", "amount", "reverses"
    ):
        rows[loan_pk].append(EntryRow(pk, kind, date, month, amount, reverses))
    return rows


def _entry_rows_sql(group: SavingsGroup, as_of: datetime.date) -> defaultdict[int, list[EntryRow]]:
    """entry_rows of the group's loan rows dated up to `as_of`, by a statement written out."""
    found = sql.fetch(
        f"SELECT e.loan_id, e.id, e.kind, e.date, e.month, e.amount, e.reverses_id FROM {LoanEntry._meta.db_table} e"
        " WHERE e.group_id = %s AND e.date <= %s ORDER BY e.date, e.id",
        [group.pk, as_of],
    )
    as_date, as_month, as_amount = (sql.converter(LoanEntry, name) for name in ("date", "month", "amount"))
    rows: defaultdict[int, list[EntryRow]] = defaultdict(list)
    for loan_pk, pk, kind, date, month, amount, reverses in found:
        rows[loan_pk].append(EntryRow(pk, kind, as_date(date), as_month(month), as_amount(amount), reverses))
    return rows


def _standing(rows: Sequence[LoanEntry | EntryRow], kind: str) -> LoanEntry | EntryRow | None:
    """Of a loan's rows, the first of `kind` that is no reversal and was not reversed among them."""
    of_kind = [e for e in rows if e.kind == kind]
    reversed_ids = {e.reverses_id for e in of_kind if e.reverses_id}
    return next((e for e in of_kind if e.reverses_id is None and e.pk not in reversed_ids), None)


def loan_state(loan: Loan) -> str:
    if disbursement(loan) is not None:
        return LoanState.PAID_OUT
    return LoanState.APPROVED if len(approvers(loan)) >= APPROVALS_NEEDED else LoanState.APPLIED


def loans_of(group: SavingsGroup, as_of: datetime.date) -> list[Loan]:
    """The group's loans, newest first, each with its borrower, guarantors, approvals, money
    rows and reschedulings loaded, its `state` (loan_state) and its `position` on `as_of`
    (loan_position). Six queries."""
    loans = list(
        group.loans.select_related("member__person")
        .prefetch_related("guarantees__member__person", "approvals__officer__person", "entries", "reschedules")
        .order_by("-applied_on", "-id")
    )
    for loan in loans:  # read by the pages
        loan.state = loan_state(loan)  # type: ignore[attr-defined]
        loan.position = loan_position(loan, as_of)  # type: ignore[attr-defined]
    return loans


def loan_for_page(group: SavingsGroup, pk: int) -> Loan | None:
    """The loan with what its page shows: who posted each money row, who rescheduled it."""
    return (
        group.loans.select_related("member__person", "applied_by")
        .prefetch_related(
            "guarantees__member__person",
            "approvals__officer__person",
            "approvals__recorded_by",
            Prefetch("entries", queryset=LoanEntry.objects.select_related("posted_by")),
            Prefetch("reschedules", queryset=LoanReschedule.objects.select_related("recorded_by")),
        )
        .filter(pk=pk)
        .first()
    )


def officers_in_office(group: SavingsGroup, day: datetime.date) -> QuerySet[Officer]:
    """The group's officers in office on `day` (a form's choices)."""
    return (
        group.officers.select_related("person")
        .filter(since__lte=day)
        .filter(Q(until__isnull=True) | Q(until__gte=day))
        .order_by("position", "since")
    )


def officers_on(group: SavingsGroup, day: datetime.date) -> list[Officer]:
    """The group's officers in office on `day`."""
    return list(officers_in_office(group, day))


def savings_on(member: Member, day: datetime.date) -> Decimal:
    """The member's savings on `day`: every row dated up to it."""
    return member.entries.filter(date__lte=day).aggregate(total=Sum("amount"))["total"] or ZERO


@dataclass(frozen=True)
class Fund:
    """A group's fund at the end of a day (group_fund): where its money is (cash in hand and loans
    outstanding) and whose it is (the members' savings, the welfare fund, the reserve, and the
    profit not shared out yet). Cash is counted from the money that came in and went out, not as
    the difference, so the identity `balances` checks two independent sums:
    cash + lent_out = savings + welfare + reserve + undistributed."""

    day: datetime.date
    savings: Decimal  # the members' savings: every savings row dated up to the day
    credited: Decimal  # of which year-end shares added to savings: no cash came in with them
    paid_out: Decimal  # loans paid out
    principal: Decimal  # principal repaid
    interest: Decimal  # interest repaid
    fines: Decimal  # fines paid
    written_off: Decimal  # principal written off
    costs: Decimal  # the group's costs
    welfare_paid: Decimal  # welfare payouts
    to_welfare: Decimal  # year-ends' allocations to the welfare fund
    to_reserve: Decimal  # year-ends' allocations to the reserve
    shared_out: Decimal  # year-ends' profit shared out (every allocation)
    shared_in_cash: Decimal  # of which the year-ends paid out in cash

    @property
    def lent_out(self) -> Decimal:
        """Loans outstanding: principal paid out, not repaid and not written off."""
        return self.paid_out - self.principal - self.written_off

    @property
    def income(self) -> Decimal:
        """Interest and fines earned."""
        return self.interest + self.fines

    @property
    def welfare(self) -> Decimal:
        """The welfare fund: what the year-ends gave it, less what it paid."""
        return self.to_welfare - self.welfare_paid

    @property
    def reserve(self) -> Decimal:
        return self.to_reserve

    @property
    def undistributed(self) -> Decimal:
        """Profit not shared out yet: interest and fines earned, less costs and loans written off,
        less what the year-ends shared out."""
        return self.income - self.costs - self.written_off - self.shared_out

    @property
    def cash(self) -> Decimal:
        """Cash in hand: the savings paid in and out, the loans' rows, the costs, the welfare and
        the year-ends' payouts."""
        return (
            self.savings
            - self.credited
            - self.paid_out
            + self.principal
            + self.income
            - self.costs
            - self.welfare_paid
            - self.shared_in_cash
        )

    @property
    def total(self) -> Decimal:
        """The fund: its cash and what it has lent out."""
        return self.cash + self.lent_out

    @property
    def owed(self) -> Decimal:
        """Whose the fund is: the members' savings, the welfare fund, the reserve and the profit
        not shared out yet."""
        return self.savings + self.welfare + self.reserve + self.undistributed

    @property
    def balances(self) -> bool:
        return self.total == self.owed

    @property
    def used(self) -> bool:
        """Whether the fund holds anything but the members' savings: a loan, a cost, welfare or a
        share-out."""
        return bool(self.paid_out or self.costs or self.welfare_paid or self.shared_out or self.income)


@functools.cache
def _fund_sql() -> str:
    """The one statement group_fund runs: each table's sums by kind, with the group's id and the
    day as its parameters (the same pair, four times). Written out because the ORM took longer
    to put the sixteen sums together than PostgreSQL took to work them out: a quarter of the
    group page's CPU."""

    def by_kind(kinds: Iterable[str]) -> str:
        return ", ".join(f"COALESCE(SUM(amount) FILTER (WHERE kind = '{kind}'), 0)" for kind in kinds)

    where = "WHERE group_id = %s AND {} <= %s"
    return f"""
        SELECT * FROM
        (SELECT COALESCE(SUM(amount), 0), COALESCE(SUM(amount) FILTER (WHERE share_id IS NOT NULL), 0)
            FROM {LedgerEntry._meta.db_table} {where.format("date")}) AS savings,
        (SELECT {by_kind(LoanEntryKind.values)} FROM {LoanEntry._meta.db_table} {where.format("date")}) AS loans,
        (SELECT {by_kind(FundEntryKind.values)} FROM {FundEntry._meta.db_table} {where.format("date")}) AS paid,
        (SELECT COALESCE(SUM(welfare_fund), 0), COALESCE(SUM(reserve), 0), COALESCE(SUM(profit), 0),
            COALESCE(SUM(committee + community), 0),
            COALESCE(SUM(dividend + interest_refund) FILTER (WHERE shares_paid_as = '{ShareOut.CASH}'), 0)
            FROM {YearEnd._meta.db_table} {where.format("posted_on")}) AS year_ends
    """


def group_fund(group: SavingsGroup, day: datetime.date) -> Fund:
    """The group's fund at the end of `day`, from its savings rows, its loans' rows, its costs and
    welfare payouts dated up to it (each reversal netted against what it reverses) and the
    year-ends posted by then. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_fund_sql(), [group.pk, day] * 4)
        row = cursor.fetchone()
    # Sums of amounts to the satang (SQLite, the demo's embedded database, gives them as floats).
    sums = iter(Decimal(str(value)).quantize(ZERO) for value in row)
    savings, credited = next(sums), next(sums)
    loans = {kind: next(sums) for kind in LoanEntryKind.values}
    paid = {kind: next(sums) for kind in FundEntryKind.values}
    to_welfare, to_reserve, shared_out, committee_and_community, members_in_cash = sums
    return Fund(
        day=day,
        savings=savings,
        credited=credited,
        paid_out=loans[LoanEntryKind.DISBURSEMENT],
        principal=loans[LoanEntryKind.PRINCIPAL],
        interest=loans[LoanEntryKind.INTEREST],
        fines=loans[LoanEntryKind.FINE],
        written_off=loans[LoanEntryKind.WRITTEN_OFF],
        costs=paid[FundEntryKind.COST],
        welfare_paid=paid[FundEntryKind.WELFARE],
        to_welfare=to_welfare,
        to_reserve=to_reserve,
        shared_out=shared_out,
        shared_in_cash=committee_and_community + members_in_cash,
    )


def fund_cash(group: SavingsGroup, day: datetime.date) -> Decimal:
    """The cash the group's fund holds at the end of `day` (group_fund). Two queries."""
    return group_fund(group, day).cash


@dataclass(frozen=True)
class LoanPosition:
    """Where a loan paid out stands on a day (loan_position): what was repaid, what is still owed
    and what fell due without being paid, by `schedule`, the schedule in force that day (the
    loan's own, as rescheduled by the reschedulings from that day's month or before)."""

    loan: Loan
    paid_out_on: datetime.date
    schedule: list[Instalment]
    principal_paid: Decimal
    interest_paid: Decimal
    as_of: datetime.date
    written_off: Decimal = ZERO
    late_months: int = 0  # the months ended by as_of whose instalments were not repaid by their end
    fines_paid: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        """The principal still owed: neither repaid nor written off."""
        return self.loan.amount - self.principal_paid - self.written_off

    @property
    def fines_owed(self) -> Decimal:
        """The loan's fine (copied from the group's rules when it was made) for each late month,
        less the fines paid; charged while principal is owed (a loan repaid in full or written off
        owes no more fines)."""
        if self.outstanding <= 0:
            return ZERO
        return max(ZERO, self.late_months * self.loan.late_fine - self.fines_paid)

    def owed_by(self, month: datetime.date) -> tuple[Decimal, Decimal]:
        """(principal, interest) of the instalments up to `month`'s not yet repaid. A loan whose
        principal is repaid in full owes nothing more: interest runs only while principal is owed
        (repaying early saves the later months' interest)."""
        if self.outstanding <= 0:
            return ZERO, ZERO
        principal, interest = due_by(self.schedule, month)
        return max(ZERO, principal - self.principal_paid), max(ZERO, interest - self.interest_paid)

    @property
    def arrears(self) -> Decimal:
        """What fell due (the instalments of the months ended by as_of) and was not repaid."""
        principal, interest = self.owed_by(add_months(month_start(self.as_of), -1))
        return principal + interest

    @property
    def days_overdue(self) -> int:
        """Days since the end of the month of the oldest instalment not wholly repaid, once that
        month has ended (0 when none is late). An instalment falls due at the end of its month, as
        a month's commitment does (due_spans)."""
        if self.outstanding <= 0:
            return 0
        principal = interest = ZERO
        for instalment in self.schedule:
            principal += instalment.principal
            interest += instalment.interest
            if principal > self.principal_paid or interest > self.interest_paid:
                late = (self.as_of - month_end(instalment.month)).days
                return max(0, late)
        return 0


def write_off(loan: Loan) -> LoanEntry | None:
    """The loan's write-off, unless there is none or it was reversed (from its rows, loaded with it
    or one query). A loan is written off once while it stands."""
    entry = _standing(list(loan.entries.all()), LoanEntryKind.WRITTEN_OFF)
    return entry if isinstance(entry, LoanEntry) else None


def _paid(rows: Sequence[LoanEntry | EntryRow], kind: str, before: datetime.date | None = None) -> Decimal:
    """What the rows of `kind` (dated before `before`, if given) add up to, reversals netted."""
    return sum((e.amount for e in rows if e.kind == kind and (before is None or e.date < before)), ZERO)


def _late_months(schedule: list[Instalment], rows: Sequence[LoanEntry | EntryRow], as_of: datetime.date) -> int:
    """How many of the schedule's months ended by `as_of` with their instalments (and those
    before) not wholly repaid by the month's end: the months a late fine is charged for."""
    repaid = sorted((e.date, e.amount) for e in rows if e.kind in (LoanEntryKind.PRINCIPAL, LoanEntryKind.INTEREST))
    late, due, paid, index = 0, ZERO, ZERO, 0
    for instalment in schedule:
        end = month_end(instalment.month)
        if end >= as_of:
            break
        due += instalment.total
        while index < len(repaid) and repaid[index][0] <= end:
            paid += repaid[index][1]
            index += 1
        late += due > paid
    return late


def loan_position(
    loan: Loan,
    as_of: datetime.date,
    entries: Sequence[LoanEntry | EntryRow] | None = None,
    reschedules: Sequence[LoanReschedule] | None = None,
) -> LoanPosition | None:
    """A loan's position at the end of `as_of` from its money rows dated up to it (loaded with it,
    or one query), by its schedule (groups.interest, first instalment in the month after it was
    paid out) as rescheduled, in order, by each of its reschedulings from a month up to `as_of`'s
    (loaded with it, or one query; groups.interest.rescheduled, with what was repaid on the days
    before each one's month): a position on a day before a rescheduling's month is as it was
    without it. None before it was paid out. The one rule for what a borrower owes: the sheet,
    the loan's page, the passbook and the group's fund read it. `entries`, `reschedules`: the
    loan's rows and reschedulings when read already."""
    rows = [e for e in (loan.entries.all() if entries is None else entries) if e.date <= as_of]
    payout = _standing(rows, LoanEntryKind.DISBURSEMENT)
    if payout is None:
        return None
    in_force = schedule(loan.amount, loan.monthly_rate, loan.months, loan.method, add_months(payout.month, 1))
    changes = loan.reschedules.all() if reschedules is None else reschedules
    for change in sorted(changes, key=lambda change: change.from_month):
        if change.from_month > as_of:
            break
        in_force = rescheduled(
            in_force,
            change.from_month,
            _paid(rows, LoanEntryKind.PRINCIPAL, before=change.from_month),
            _paid(rows, LoanEntryKind.INTEREST, before=change.from_month),
            change.months,
            loan.monthly_rate,
            loan.method,
        )
    return LoanPosition(
        loan=loan,
        paid_out_on=payout.date,
        late_months=_late_months(in_force, rows, as_of) if loan.late_fine else 0,
        fines_paid=_paid(rows, LoanEntryKind.FINE),
        schedule=in_force,
        principal_paid=_paid(rows, LoanEntryKind.PRINCIPAL),
        interest_paid=_paid(rows, LoanEntryKind.INTEREST),
        written_off=_paid(rows, LoanEntryKind.WRITTEN_OFF),
        as_of=as_of,
    )


def loan_positions(group: SavingsGroup, as_of: datetime.date) -> dict[int, list[LoanPosition]]:
    """{member id: the positions of their loans paid out and not repaid in full (nor written off)}
    on `as_of`. Two queries, three when a loan was rescheduled; one when the group has no loan."""
    positions: dict[int, list[LoanPosition]] = {}
    # Written out (songkhla_network.sql): the open sheet reads them on every visit.
    found = sql.fetch(
        f"""
        SELECT {sql.columns(Loan, "l")},
            EXISTS (SELECT 1 FROM {LoanReschedule._meta.db_table} r WHERE r.loan_id = l.id)
        FROM {Loan._meta.db_table} l WHERE l.group_id = %s ORDER BY l.applied_on, l.id
        """,
        [group.pk],
    )
    if not found:
        return positions
    loans = sql.instances(Loan, found)
    rescheduled = [loan.pk for loan, row in zip(loans, found, strict=True) if row[-1]]
    reschedules: dict[int, list[LoanReschedule]] = {loan.pk: [] for loan in loans}
    if rescheduled:
        for change in sql.instances(
            LoanReschedule,
            sql.fetch(
                f"SELECT {sql.columns(LoanReschedule, 'r')} FROM {LoanReschedule._meta.db_table} r"
                f" WHERE r.loan_id IN ({sql.placeholders(rescheduled)}) ORDER BY r.id",
                rescheduled,
            ),
        ):
            reschedules[change.loan_id].append(change)
    for loan in loans:
        Loan.group.field.set_cached_value(loan, group)
    rows = _entry_rows_sql(group, as_of)
    for loan in loans:
        position = loan_position(loan, as_of, rows.get(loan.pk, []), reschedules[loan.pk])
        if position is not None and position.outstanding > 0:
            positions.setdefault(loan.member_id, []).append(position)
    return positions


def repayment_split(position: LoanPosition, month: datetime.date, amount: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(fine, interest, principal) of a repayment of `amount` collected for `month`: the late fines
    owed first, then the interest owed by that month's instalment, then principal; more than the
    instalments owe goes to the principal (repaying early). The interest stays as the schedule
    says. Raises ValueError when the amount is more than the fines, principal and interest still
    owed."""
    fine = min(amount, position.fines_owed)
    _principal_owed, interest_owed = position.owed_by(month)
    interest = min(amount - fine, interest_owed)
    principal = amount - fine - interest
    if principal > position.outstanding:
        raise ValueError("more than the loan owes")
    return fine, interest, principal


def owed_at_meeting(position: LoanPosition, month: datetime.date) -> Decimal:
    """What a loan's box on `month`'s sheet asks for: the fines owed and what its instalments up
    to that month still owe."""
    principal, interest = position.owed_by(month)
    return position.fines_owed + principal + interest


def repaid_at(sheet: CollectionSheet) -> dict[int, Decimal]:
    """{member id: what they repaid of their loans (principal, interest, fines)} at a sheet's
    meeting, each reversal netted. One query."""
    rows = sql.fetch(
        f"""
        SELECT l.member_id, SUM(e.amount)
        FROM {LoanEntry._meta.db_table} e JOIN {Loan._meta.db_table} l ON l.id = e.loan_id
        WHERE e.sheet_id = %s GROUP BY l.member_id
        """,
        [sheet.pk],
    )
    return {member: sql.money(total) for member, total in rows}


def member_loans(member: Member, as_of: datetime.date) -> tuple[list[tuple[Loan, LoanPosition | None]], list[Loan]]:
    """The member's loans, newest first, each with its position on `as_of` (None before it was
    paid out), and the loans they guarantee. One query, three when there is any."""
    loans = list(
        Loan.objects.filter(Q(member=member) | Q(guarantees__member=member))
        .distinct()
        .select_related("member__person")
        .prefetch_related("entries", "reschedules")
        .order_by("-applied_on", "-id")
    )
    return (
        [(loan, loan_position(loan, as_of)) for loan in loans if loan.member_id == member.pk],
        [loan for loan in loans if loan.member_id != member.pk],
    )


PAR_DAYS = 30


@dataclass(frozen=True)
class Portfolio:
    """The loans of some groups (or the network) on a day (loan_portfolio)."""

    as_of: datetime.date
    loans: int  # paid out, with principal still owed
    outstanding: Decimal  # the principal still owed on them
    at_risk: Decimal  # the principal still owed on those more than PAR_DAYS days overdue

    @property
    def par30(self) -> Decimal | None:
        """Portfolio at risk, in percent to two decimals (half up): at_risk divided by outstanding. None
        when nothing is lent out."""
        return to_satang(self.at_risk * 100 / self.outstanding) if self.outstanding else None

    @classmethod
    def added_up(cls, as_of: datetime.date, portfolios: Iterable["Portfolio"]) -> "Portfolio":
        """The portfolios of several groups on `as_of` as one (loan_portfolios)."""
        portfolios = list(portfolios)
        return cls(
            as_of=as_of,
            loans=sum(p.loans for p in portfolios),
            outstanding=sum((p.outstanding for p in portfolios), ZERO),
            at_risk=sum((p.at_risk for p in portfolios), ZERO),
        )


def loan_portfolios(as_of: datetime.date, groups: Iterable[SavingsGroup] | None = None) -> dict[int, Portfolio]:
    """{group id: its loans outstanding and portfolio at risk on `as_of`} (PAR30: the principal still
    owed on loans more than 30 days overdue, by loan_position, divided by all principal still owed),
    for each of `groups` (or of the network's groups) with a loan outstanding that day, from the
    rows dated up to `as_of`.

    The network's dashboard reads every loan of every group: what it found is kept in the cache
    under the day and the last loan row and rescheduling written (money rows are only ever added,
    so a new one is a new key). One query when nothing was written since, three more otherwise (one
    when no loan is paid out), whatever
    the number of groups and loans."""
    group_pks = None if groups is None else sorted(group.pk for group in groups)
    stamp = sql.fetch(
        f"SELECT (SELECT MAX(id) FROM {LoanEntry._meta.db_table}),"
        f" (SELECT MAX(id) FROM {LoanReschedule._meta.db_table})",
        [],
    )[0]
    which = "all" if group_pks is None else hashlib.sha256(",".join(map(str, group_pks)).encode()).hexdigest()[:16]
    key = "loan_portfolios:{}:{}:{}:{}".format(as_of.isoformat(), which, *stamp)
    if (kept := cache.get(key)) is not None:
        return kept
    portfolios = _loan_portfolios(as_of, group_pks)
    cache.set(key, portfolios, timeout=24 * 60 * 60)
    return portfolios


def _loan_portfolios(as_of: datetime.date, group_pks: list[int] | None) -> dict[int, Portfolio]:
    loans = Loan.objects.filter(entries__kind=LoanEntryKind.DISBURSEMENT, entries__date__lte=as_of).distinct()
    if group_pks is not None:
        loans = loans.filter(group__in=group_pks)
    lent = list(loans.prefetch_related("reschedules").order_by("pk"))
    rows = entry_rows(LoanEntry.objects.filter(loan__in=[loan.pk for loan in lent], date__lte=as_of)) if lent else {}
    figures: dict[int, tuple[int, Decimal, Decimal]] = {}
    for loan in lent:
        position = loan_position(loan, as_of, rows.get(loan.pk, []))
        if position is None or position.outstanding <= 0:
            continue
        count, outstanding, at_risk = figures.get(loan.group_id, (0, ZERO, ZERO))
        late = position.days_overdue > PAR_DAYS
        figures[loan.group_id] = (
            count + 1,
            outstanding + position.outstanding,
            at_risk + (position.outstanding if late else ZERO),
        )
    return {
        group: Portfolio(as_of=as_of, loans=count, outstanding=outstanding, at_risk=at_risk)
        for group, (count, outstanding, at_risk) in figures.items()
    }


def loan_portfolio(as_of: datetime.date, groups: Iterable[SavingsGroup] | None = None) -> Portfolio:
    """Loans outstanding and the portfolio at risk on `as_of` of `groups` or of the whole network:
    loan_portfolios added up. Three queries."""
    return Portfolio.added_up(as_of, loan_portfolios(as_of, groups).values())


# The group's year-ends and its payments from the fund.


def closed_up_to_by_group(group_pks: list[int]) -> dict[int, datetime.date]:
    """{group id: the last day of its last year closed} for those of the groups that closed one.
    One query."""
    return dict(
        YearEnd.objects.filter(group__in=group_pks)
        .order_by()
        .values("group")
        .annotate(last=Max("closes_on"))
        .values_list("group", "last")
    )


def welfare_paid(first: datetime.date, last: datetime.date, groups: Iterable[SavingsGroup] | None = None) -> Decimal:
    """Welfare the groups (or the whole network) paid to their members on the days from `first`
    to `last`, each reversal netted on its own date. One query."""
    if groups is None:
        return sum((paid for _group, paid in _WELFARE_PAID.rows(first, last)), ZERO)
    return _welfare_paid(first, last).filter(group__in=list(groups)).aggregate(total=Sum("amount"))["total"] or ZERO


def _welfare_paid(first: datetime.date, last: datetime.date) -> QuerySet[FundEntry]:
    return FundEntry.objects.filter(kind=FundEntryKind.WELFARE, date__range=(first, last))


# The network's (the dashboard's), put together once: by group, added up in Python.
_WELFARE_PAID = sql.PreparedValues(
    lambda first, last: _welfare_paid(first, last).order_by().values_list("group").annotate(paid=Sum("amount")),
    datetime.date,
    datetime.date,
)

"""Writes to the savings groups: the ledger, the group's life, and membership (joining, a new
commitment, leaving, moving to another group). Each function runs in one transaction and either
writes everything it was asked to or nothing; simple_history keeps who changed what. Every row
enters the ledger through entries_post, which adds it to the month-end balances in the same
transaction.

Terms change from this month on, never before: a commitment from an earlier month, a member
leaving on a day of an earlier month, a status step dated in an earlier month (once the group has
members) would change what members owed in months already over, and are refused."""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Model, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from songkhla_network.append_only import AlreadyPosted
from songkhla_network.models import Person, User
from songkhla_network.thai import add_months, be_date, be_month, format_baht, format_quantity, month_start, to_satang

from . import selectors
from .models import (
    ACTIVE_STATUSES,
    ALLOCATION_FIELDS,
    NEXT_STATUSES,
    CollectionSheet,
    Commitment,
    EntryKind,
    FundEntry,
    GroupBalance,
    GroupRules,
    GroupSaving,
    GroupStatus,
    GroupStatusChange,
    LedgerEntry,
    Loan,
    LoanApproval,
    LoanEntry,
    LoanEntryKind,
    LoanGuarantor,
    LoanKind,
    LoanReschedule,
    Member,
    MemberBalance,
    MonthBalance,
    Officer,
    SavingsGroup,
    WelfareKind,
    YearEnd,
)

ZERO = Decimal("0.00")


def _check_group_accepts(group: SavingsGroup, day: datetime.date) -> None:
    if group.status_on(day) not in ACTIVE_STATUSES:
        raise ValidationError(
            _(
                "%(group)s is not an active group on this date: "
                "deposits are recorded only for founded or revived groups."
            )
            % {"group": group}
        )


def _balance(member: Member) -> Decimal:
    return member.entries.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def _check_not_left(members: Iterable[Member]) -> None:
    left = [m for m in members if m.left_on is not None]
    if left:
        raise ValidationError(
            _("%(members)s left the group and had their savings paid out: no deposit is taken for them.")
            % {"members": ", ".join(f"{m.person} ({be_date(m.left_on)})" for m in left)}
        )


# The ledger's rows and their month-end balances.

Move = tuple[Decimal, Decimal]  # (money in, money out) of a month


@transaction.atomic(savepoint=False)
def entries_post(*, entries: Sequence[LedgerEntry]) -> list[LedgerEntry]:
    """Write rows into the savings ledger. Every row enters it here, and here, in the same
    transaction, is added to the month-end balances (balances_add): the balances say what the rows
    say, or neither is written."""
    # The groups' rows locked before anything is read: a year-end being posted (it locks the
    # group) cannot miss these rows, nor these rows land in the year it closes.
    locked = SavingsGroup.objects.select_for_update(no_key=True).filter(pk__in={e.group_id for e in entries})
    list(locked.order_by("pk").values_list("pk", flat=True))
    _check_years_open(entries)
    _check_fund_cash(entries)
    rows = LedgerEntry.objects.bulk_create(entries)
    balances_add(entries=rows)
    return rows


def cash_to_pay_out(group: SavingsGroup, day: datetime.date, today: datetime.date) -> Decimal:
    """What the group's fund may pay out on `day`: the cash it held that day or holds today,
    whichever is less (money paid out on a day past must not leave a later day short)."""
    return min(selectors.fund_cash(group, day), selectors.fund_cash(group, today))


def _fund_used(group_pks: list[int]) -> bool:
    """Whether any of the groups has lent, paid a cost or welfare, or shared out a year: until
    then its cash is its members' savings. One query."""
    return SavingsGroup.objects.filter(
        Q(Exists(Loan.objects.filter(group=OuterRef("pk"))))
        | Q(Exists(FundEntry.objects.filter(group=OuterRef("pk"))))
        | Q(Exists(YearEnd.objects.filter(group=OuterRef("pk")))),
        pk__in=group_pks,
    ).exists()


def _check_years_open(entries: Sequence[LedgerEntry]) -> None:
    """check_year_open for rows of any groups: one query."""
    first_day: dict[int, datetime.date] = {}
    for entry in entries:
        first_day[entry.group_id] = min(first_day.get(entry.group_id, entry.date), entry.date)
    _refuse_closed_years(first_day)


def check_year_open(group: SavingsGroup, day: datetime.date) -> None:
    """Refuse, with a message, a money row of `group` dated `day` when the year it falls in is
    closed (the database refuses it too: migration 0011). One query."""
    _refuse_closed_years({group.pk: day})


def _refuse_closed_years(first_day: dict[int, datetime.date]) -> None:
    """Raise when any group's row dated `first_day[group id]` falls in a year it has closed."""
    closed = selectors.closed_up_to_by_group(list(first_day))
    for group_id, day in first_day.items():
        if group_id in closed and day <= closed[group_id]:
            raise ValidationError(
                _("The group's year up to %(date)s is closed: no money row may be dated in it.")
                % {"date": be_date(closed[group_id])},
                code="closed_year",
            )


def _check_fund_cash(entries: Sequence[LedgerEntry]) -> None:
    """Money paid out of a group's savings (a withdrawal, a deposit reversed) must be in its fund's
    cash on the day and today: what members lent to each other is not in the box until it is
    repaid. The groups are locked first, in the order balances_add locks them, so a loan paid out
    and a withdrawal at once cannot both take the same cash."""
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    first_day: dict[int, datetime.date] = {}
    for entry in entries:
        if entry.amount < 0:
            out[entry.group_id] += -entry.amount
            first_day[entry.group_id] = min(first_day.get(entry.group_id, entry.date), entry.date)
    if not out or not _fund_used(list(out)):
        return  # the cash is the members' savings, and no member takes out more than theirs
    groups = {e.group_id for e in entries}
    locked = SavingsGroup.objects.select_for_update(no_key=True).filter(pk__in=groups).order_by("pk")
    by_pk = {group.pk: group for group in locked}
    today = timezone.localdate()
    for group_id, amount in out.items():
        group = by_pk[group_id]
        cash = cash_to_pay_out(group, first_day[group_id], today)
        if amount > cash:
            raise ValidationError(
                _(
                    "The fund of %(group)s holds only %(cash)s baht in cash (the rest is lent out): "
                    "%(amount)s baht cannot be paid out until loans are repaid."
                )
                % {"group": group, "cash": format_baht(cash), "amount": format_baht(amount)},
                code="cash",
            )


def balances_add(*, entries: Iterable[LedgerEntry]) -> None:
    """Add rows just written to the ledger to the month-end balances (models.MonthBalance): their
    member's and their group's, in the month of the date on each row (a reversal on its own date,
    with the kind of the row it reverses), and a deposit that is a saving (not a balance carried
    across) to its group's savings for its month, paid on its date (models.GroupSaving). Only
    entries_post calls it, in the transaction that writes the rows; balances_rebuild is the only
    other writer of these tables.

    Each month's closing is stored, so the network's figures read a row per group whatever the
    length of its history; a row dated in an earlier month therefore also moves the closing of
    every later month already stored (rare: rows are dated when money changes hands). The rows'
    groups are locked meanwhile, in one order and FOR NO KEY UPDATE (which still lets rows that
    point to them be written), so two postings in one group are added one after the other. A fixed
    number of queries, whatever the number of rows."""
    members: dict[tuple[int, datetime.date], Move] = {}
    groups: dict[tuple[int, datetime.date], Move] = {}
    savings: dict[tuple[int, datetime.date, datetime.date], Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        month = month_start(entry.date)
        money_in, money_out = (entry.amount, ZERO) if entry.kind == EntryKind.DEPOSIT else (ZERO, -entry.amount)
        for book, owner in ((members, entry.member_id), (groups, entry.group_id)):
            before_in, before_out = book.get((owner, month), (ZERO, ZERO))
            book[(owner, month)] = (before_in + money_in, before_out + money_out)
        if entry.is_saving:
            savings[(entry.group_id, entry.month, entry.date)] += entry.amount
    if not groups:
        return
    locked = SavingsGroup.objects.select_for_update(no_key=True).filter(pk__in={owner for owner, _m in groups})
    list(locked.order_by("pk").values_list("pk", flat=True))
    _balances_move(MemberBalance, "member_id", members)
    _balances_move(GroupBalance, "group_id", groups)
    _savings_add(savings)


def _balances_move(model: type[MonthBalance], owner: str, moves: dict[tuple[int, datetime.date], Move]) -> None:
    """Add `moves` {(owner id, month): (in, out)} to `model`'s rows: to each month's in and out,
    and to its closing and every later stored month's closing what moved up to it. A month with no
    row yet starts from the closing of the last one before it. One query to read, two to write."""
    since = min(month for _owner, month in moves)
    by_owner: dict[int, dict[datetime.date, Move]] = defaultdict(dict)
    for (owner_id, month), move in moves.items():
        by_owner[owner_id][month] = move
    last_before = (
        model._default_manager.filter(**{owner: OuterRef(owner)}, month__lt=since).order_by("-month").values("month")
    )
    stored: dict[int, list[MonthBalance]] = defaultdict(list)
    for row in (
        model._default_manager.filter(**{f"{owner}__in": list(by_owner)})
        .filter(Q(month__gte=since) | Q(month=Subquery(last_before[:1])))
        .order_by(owner, "month")
    ):
        stored[getattr(row, owner)].append(row)
    new: list[MonthBalance] = []
    changed: list[MonthBalance] = []
    for owner_id, owner_moves in by_owner.items():
        rows = stored[owner_id]
        before = rows.pop(0).closing if rows and rows[0].month < since else ZERO  # the last closing, as stored
        rows_by_month = {row.month: row for row in rows}
        moved = ZERO  # what the moves up to the month add to its closing
        for month in sorted(set(owner_moves) | set(rows_by_month)):
            money_in, money_out = owner_moves.get(month, (ZERO, ZERO))
            moved += money_in - money_out
            kept = rows_by_month.get(month)
            if kept is None:
                fields = {owner: owner_id, "month": month, "money_in": money_in, "money_out": money_out}
                new.append(model(**fields, closing=before + moved))
                continue
            before = kept.closing
            kept.money_in += money_in
            kept.money_out += money_out
            kept.closing += moved
            changed.append(kept)
    model._default_manager.bulk_create(new)
    model._default_manager.bulk_update(changed, ["money_in", "money_out", "closing"])


def _savings_add(savings: dict[tuple[int, datetime.date, datetime.date], Decimal]) -> None:
    """Add deposits {(group id, month, day paid): amount} to the groups' savings. One query to
    read, two to write."""
    if not savings:
        return
    stored = {
        (row.group_id, row.month, row.paid_on): row
        for row in GroupSaving.objects.order_by().filter(
            group__in={key[0] for key in savings},
            month__in={key[1] for key in savings},
            paid_on__in={key[2] for key in savings},
        )
    }
    new, changed = [], []
    for (group_id, month, paid_on), deposits in savings.items():
        row = stored.get((group_id, month, paid_on))
        if row is None:
            new.append(GroupSaving(group_id=group_id, month=month, paid_on=paid_on, deposits=deposits))
        else:
            row.deposits += deposits
            changed.append(row)
    GroupSaving.objects.bulk_create(new)
    GroupSaving.objects.bulk_update(changed, ["deposits"])


BALANCE_MODELS: tuple[type[Model], ...] = (MemberBalance, GroupBalance, GroupSaving)


@transaction.atomic
def balances_rebuild() -> dict[type[Model], int]:
    """Make the month-end balances again from the ledger's rows (selectors.ledger_balances: what
    the rows give, in one pass over the ledger per table), after a bulk load of rows or to repair
    what `rebuild_balances --check` found; returns the rows written per table. Every group is
    locked meanwhile, as balances_add locks them, so no posting runs while the ledger is read."""
    list(SavingsGroup.objects.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))
    written = {}
    for model in BALANCE_MODELS:
        model._default_manager.all().delete()
        columns, select, params = selectors.ledger_balances(model)
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) {select}", params)
            written[model] = cursor.rowcount
    return written


@transaction.atomic
def sheet_post(
    *,
    group: SavingsGroup,
    month: datetime.date,
    paid_on: datetime.date,
    amounts: dict[int, Decimal],
    user: User,
    repayments: dict[int, Decimal] | None = None,
) -> CollectionSheet:
    """Post a month's collection sheet: one deposit row per member with an amount, and the loans'
    repayments collected at the same meeting, all or nothing.

    `amounts` maps member ids to positive Decimals, `repayments` loan ids to positive Decimals:
    each is split into the interest its instalments owe by the month, then principal
    (selectors.repayment_split), as rows of the loan. Raises AlreadyPosted when the group's sheet
    for the month exists (a double tap, the back button or a second phone), ValidationError when
    a member is not an active member of the group in that month or a repayment is more than its
    loan owes.
    """
    month = month_start(month)
    _check_group_accepts(group, paid_on)
    # Locked (in one order, so two sheets never wait on each other) while checked, so nobody leaves
    # with their savings paid out while their deposit is being posted.
    members = {m.pk: m for m in group.members.filter(pk__in=amounts).select_for_update().order_by("pk")}
    strangers = sorted(set(amounts) - set(members))
    if strangers:
        raise ValidationError(_("Some of the people on the sheet are not members of this group. Nothing was saved."))
    inactive = [m for m in members.values() if not m.active_in(month)]
    if inactive:
        raise ValidationError(
            _("%(members)s did not belong to the group in %(month)s.")
            % {"members": ", ".join(str(m.person) for m in inactive), "month": be_month(month)}
        )
    _check_not_left(members.values())
    for amount in [*amounts.values(), *(repayments or {}).values()]:
        if amount is None or amount <= 0:
            raise ValidationError(_("Every amount on the sheet must be more than 0 baht."))
    try:
        with transaction.atomic():
            sheet = CollectionSheet.objects.create(group=group, month=month, paid_on=paid_on, posted_by=user)
    except IntegrityError:
        raise AlreadyPosted(CollectionSheet.objects.get(group=group, month=month)) from None
    if repayments:
        _repayments_post(sheet, repayments, user)
    entries_post(
        entries=[
            LedgerEntry(
                group=group,
                member_id=member_id,
                kind=EntryKind.DEPOSIT,
                month=month,
                date=paid_on,
                amount=amount,
                sheet=sheet,
                posted_by=user,
            )
            for member_id, amount in sorted(amounts.items(), key=lambda item: members[item[0]].number)
        ]
    )
    return sheet


def _post_once(entry: LedgerEntry) -> LedgerEntry:
    """Save a single-form entry; its request_key makes a resubmitted form a no-op."""
    try:
        with transaction.atomic():
            entries_post(entries=[entry])
    except IntegrityError:
        if entry.request_key and (existing := LedgerEntry.objects.filter(request_key=entry.request_key).first()):
            raise AlreadyPosted(existing) from None
        raise
    return entry


@transaction.atomic
def deposit_post(
    *,
    member: Member,
    month: datetime.date,
    date: datetime.date,
    amount: Decimal,
    user: User,
    request_key: UUID | None = None,
) -> LedgerEntry:
    """A deposit outside a sheet: a late payment, or a member paying ahead. Never for a member who
    has left (their savings were paid out when they left)."""
    month = month_start(month)
    member = Member.objects.select_for_update(of=("self",)).select_related("person", "group").get(pk=member.pk)
    if not member.active_in(month):
        raise ValidationError(
            _("%(member)s did not belong to the group in %(month)s.")
            % {"member": member.person, "month": be_month(month)}
        )
    _check_not_left([member])
    _check_group_accepts(member.group, date)
    return _post_once(
        LedgerEntry(
            group_id=member.group_id,
            member=member,
            kind=EntryKind.DEPOSIT,
            month=month,
            date=date,
            amount=amount,
            posted_by=user,
            request_key=request_key,
        )
    )


@transaction.atomic
def withdrawal_post(
    *,
    member: Member,
    date: datetime.date,
    amount: Decimal,
    reason: str,
    user: User,
    request_key: UUID | None = None,
) -> LedgerEntry:
    """A withdrawal, never more than the member's balance: the member row is locked while the
    balance is read so two withdrawals at once cannot both pass."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if request_key and (existing := LedgerEntry.objects.filter(request_key=request_key).first()):
        raise AlreadyPosted(existing)
    balance = _balance(member)
    if amount > balance:
        raise ValidationError(
            {"amount": _("The balance is only %(balance)s baht.") % {"balance": format_baht(balance)}}
        )
    return _post_once(
        LedgerEntry(
            group_id=member.group_id,
            member=member,
            kind=EntryKind.WITHDRAWAL,
            month=month_start(date),
            date=date,
            amount=-amount,
            reason=reason,
            posted_by=user,
            request_key=request_key,
        )
    )


@transaction.atomic
def entry_reverse(*, entry: LedgerEntry, date: datetime.date, reason: str, user: User) -> LedgerEntry:
    """Undo a posted row with a row of opposite sign that points to it and says why. A row is
    reversed at most once, a reversal is never reversed, and a deposit whose money has since been
    withdrawn cannot be reversed below a zero balance. The rows of a member who has left, and a
    balance carried across to another group, stay as they are: the member's savings were settled
    with them. So does a year-end share added to savings (its year is closed)."""
    member = Member.objects.select_for_update().get(pk=entry.member_id)
    entry = LedgerEntry.objects.get(pk=entry.pk)
    if entry.is_reversal:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new row instead."))
    if entry.is_transfer:
        raise ValidationError(_("A balance carried across to another group is not reversed on its own."))
    if entry.share_id is not None:
        raise ValidationError(
            _("A share of a closed year's profit stays as the general meeting approved it: it is not reversed.")
        )
    if member.left_on is not None:
        raise ValidationError(
            _("%(member)s left the group on %(date)s and their savings were settled: their rows stay as they are.")
            % {"member": member.person, "date": be_date(member.left_on)}
        )
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise AlreadyPosted(entry.reversal)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the row is reversed.")})
    if date < entry.date:
        raise ValidationError({"date": _("A reversal cannot be dated before the row it reverses.")})
    if entry.amount > 0 and _balance(member) - entry.amount < 0:
        raise ValidationError(
            _("Reversing this deposit would leave a negative balance: the money has been withdrawn since.")
        )
    return _post_once(
        LedgerEntry(
            group_id=entry.group_id,
            member=member,
            kind=entry.kind,
            month=entry.month,
            date=date,
            amount=-entry.amount,
            reverses=entry,
            reason=reason.strip(),
            posted_by=user,
        )
    )


# The group's life.


def status_steps_check(*, group: SavingsGroup, steps: list[tuple[str, datetime.date]], today: datetime.date) -> None:
    """Raise ValidationError unless `steps` [(status, date)], added after the steps the group
    already has, follow the order of a group's life (models.NEXT_STATUSES: forming → founded →
    dormant → revived → dormant …, or founded from the start), each dated after the one before
    and not in the future; and, once the group has members, none dated before this month (a step
    in a month already over would change what its members owed then). The admin's rows are
    checked here too."""
    last = group.status_changes.order_by("-date", "-id").first() if group.pk else None
    previous, previous_date = (last.status, last.date) if last else (None, None)
    has_members = bool(group.pk) and group.members.exists()
    for status, date in sorted(steps, key=lambda step: step[1]):
        label = GroupStatus(status).label
        if status not in NEXT_STATUSES[previous]:
            if previous is None:
                message = _("A group's first step is forming or founded, not %(status)s.") % {"status": label}
            else:
                message = _(
                    "A group that is %(previous)s cannot become %(status)s: a group's steps go "
                    "forming, founded, then dormant and revived in turn."
                ) % {"previous": GroupStatus(previous).label, "status": label}
            raise ValidationError({"status": message}, code="order")
        if previous_date is not None and date <= previous_date:
            raise ValidationError(
                {
                    "date": _("A step comes after the group's last step, of %(date)s.")
                    % {"date": be_date(previous_date)}
                },
                code="date_order",
            )
        if date > today:
            raise ValidationError({"date": _("This date is in the future.")}, code="future")
        if has_members and date < month_start(today):
            raise ValidationError(
                {
                    "date": _(
                        "A step dated before this month would change what members owed in months already "
                        "over: date it from %(date)s on."
                    )
                    % {"date": be_date(month_start(today))}
                },
                code="past_month",
            )
        previous, previous_date = status, date


@transaction.atomic
def group_status_change(
    *, group: SavingsGroup, status: str, date: datetime.date, note: str = "", today: datetime.date | None = None
) -> GroupStatusChange:
    """Record the group's next step, if it follows its last one (status_steps_check). The group
    row is locked meanwhile, so two steps recorded at once are checked one after the other."""
    group = SavingsGroup.objects.select_for_update().get(pk=group.pk)
    status_steps_check(group=group, steps=[(status, date)], today=today or timezone.localdate())
    return GroupStatusChange.objects.create(group=group, status=status, date=date, note=note)


# Membership, at the group's meeting.


def _check_from_this_month(month: datetime.date, today: datetime.date, field: str) -> None:
    if month < month_start(today):
        raise ValidationError(
            {
                field: _("From %(month)s on at the earliest: months already over keep the commitment they had.")
                % {"month": be_month(month_start(today))}
            },
            code="past_month",
        )


def _check_number(group: SavingsGroup, number: int) -> None:
    taken = group.members.filter(number=number).select_related("person").first()
    if taken is not None:
        raise ValidationError(
            {
                "number": _("Number %(number)s is %(person)s's; the next free number is %(next)s.")
                % {"number": number, "person": taken.person, "next": selectors.next_member_number(group)}
            },
            code="number_taken",
        )


@transaction.atomic
def member_join(
    *,
    group: SavingsGroup,
    joined_on: datetime.date,
    first_month: datetime.date,
    commitment: Decimal,
    number: int | None = None,
    person: Person | None = None,
    new_person: dict[str, str] | None = None,
    today: datetime.date | None = None,
) -> Member:
    """A new member of the group: someone already in the records of the group's community
    (`person`), or a new person in it (`new_person`: title, first_name, last_name, phone), with the
    number given (the next free one when None) and their first commitment, in force from
    `first_month` (this month or later, not before the month they join). The group row is locked,
    so two members added at once never get the same number; a person is a current member of a
    group once."""
    today = today or timezone.localdate()
    group = SavingsGroup.objects.select_for_update().get(pk=group.pk)
    if joined_on > today:
        raise ValidationError({"joined_on": _("This date is in the future.")}, code="future")
    first_month = month_start(first_month)
    _check_from_this_month(first_month, today, "first_month")
    if first_month < month_start(joined_on):
        raise ValidationError(
            {"first_month": _("The first commitment cannot start before the month the member joins.")},
            code="before_joining",
        )
    if commitment <= 0:
        raise ValidationError({"commitment": _("The monthly commitment must be more than 0 baht.")})
    if (person is None) == (new_person is None):
        raise ValidationError(_("Choose a person from the records or type a new one's name, not both."))
    if person is not None:
        if person.community_id != group.community_id or person.erased_at is not None:
            raise ValidationError({"person": _("This person is not in the records of the group's community.")})
        if group.members.filter(person=person, left_on__isnull=True).exists():
            raise ValidationError({"person": _("This person is already a member of the group.")}, code="member")
    if number is None:
        number = selectors.next_member_number(group)
    _check_number(group, number)
    if person is None:
        person = Person.objects.create(community=group.community, **(new_person or {}))
    member = Member.objects.create(group=group, person=person, number=number, joined_on=joined_on)
    Commitment.objects.create(member=member, from_month=first_month, amount=commitment)
    return member


@transaction.atomic
def commitment_change(
    *,
    member: Member,
    from_month: datetime.date,
    amount: Decimal,
    today: datetime.date | None = None,
) -> Commitment:
    """The member's commitment becomes `amount` from `from_month` (this month or later) until their
    next change already agreed, if any; the months before keep theirs. A second change from the
    same month replaces the first (that month is not due yet). Refused for a member who has left
    and for the amount already in force."""
    today = today or timezone.localdate()
    member = Member.objects.select_for_update(of=("self",)).select_related("person").get(pk=member.pk)
    from_month = month_start(from_month)
    _check_from_this_month(from_month, today, "from_month")
    if member.left_on is not None:
        raise ValidationError(
            _("%(member)s left the group on %(date)s.") % {"member": member.person, "date": be_date(member.left_on)},
            code="left",
        )
    if from_month < month_start(member.joined_on):
        raise ValidationError(
            {"from_month": _("The member joined in %(month)s.") % {"month": be_month(member.joined_on)}}
        )
    if amount <= 0:
        raise ValidationError({"amount": _("The monthly commitment must be more than 0 baht.")})
    series = list(member.commitments.order_by("from_month"))
    before = [c for c in series if c.from_month < from_month]
    same = next((c for c in series if c.from_month == from_month), None)
    in_force = same or (before[-1] if before else None)
    if in_force is not None and in_force.amount == amount:
        raise ValidationError(
            {
                "amount": _("The commitment in %(month)s is already %(amount)s baht.")
                % {"month": be_month(from_month), "amount": format_baht(amount)}
            },
            code="unchanged",
        )
    if same is not None:
        same.amount = amount
        same.save()
        return same
    return Commitment.objects.create(member=member, from_month=from_month, amount=amount)


def _check_leaving_day(member: Member, day: datetime.date, today: datetime.date, field: str) -> None:
    if day > today:
        raise ValidationError({field: _("This date is in the future.")}, code="future")
    if day < month_start(today):
        raise ValidationError(
            {
                field: _(
                    "From %(date)s on at the earliest: leaving on a day of a month already over would "
                    "change what the member owed then."
                )
                % {"date": be_date(month_start(today))}
            },
            code="past_month",
        )
    if day < member.joined_on:
        raise ValidationError({field: _("A member cannot leave before joining.")}, code="before_joining")
    last_row = member.entries.order_by("-date").values_list("date", flat=True).first()
    if last_row is not None and day < last_row:
        raise ValidationError(
            {
                field: _("The passbook has a row of %(date)s: the day of leaving cannot be before it.")
                % {"date": be_date(last_row)}
            },
            code="before_last_row",
        )


def _lock_current(member: Member, request_key: UUID | None) -> Member:
    """The member row, locked; AlreadyPosted when this form was posted before, ValidationError when
    the member has left since."""
    member = Member.objects.select_for_update(of=("self",)).select_related("person", "group").get(pk=member.pk)
    if request_key and (existing := LedgerEntry.objects.filter(request_key=request_key).first()):
        raise AlreadyPosted(existing)
    if member.left_on is not None:
        raise ValidationError(
            _("%(member)s left the group on %(date)s.") % {"member": member.person, "date": be_date(member.left_on)},
            code="left",
        )
    return member


@transaction.atomic
def member_leave(
    *,
    member: Member,
    left_on: datetime.date,
    user: User,
    request_key: UUID | None = None,
    today: datetime.date | None = None,
) -> LedgerEntry | None:
    """The member leaves the group on `left_on` (a day of this month, not before their last row):
    their whole balance is paid out to them by a withdrawal of that day, in the same step, and
    returned; with no balance there is nothing to pay out and None is returned. The month they
    leave in and the months after are not due. A form posted twice leaves once (AlreadyPosted)."""
    today = today or timezone.localdate()
    member = _lock_current(member, request_key)
    _check_leaving_day(member, left_on, today, "left_on")
    balance = _balance(member)
    member.left_on = left_on
    member.save()
    if balance <= 0:
        return None
    return _post_once(
        LedgerEntry(
            group_id=member.group_id,
            member=member,
            kind=EntryKind.WITHDRAWAL,
            month=month_start(left_on),
            date=left_on,
            amount=-balance,
            reason=_("Savings paid out on leaving the group"),
            posted_by=user,
            request_key=request_key,
        )
    )


@transaction.atomic
def member_move(
    *,
    member: Member,
    to_group: SavingsGroup,
    date: datetime.date,
    user: User,
    number: int | None = None,
    commitment: Decimal | None = None,
    request_key: UUID | None = None,
    today: datetime.date | None = None,
) -> Member:
    """The member leaves their group on `date` (a day of this month) and joins `to_group` the same
    day with a new number (the next free one unless given) and a commitment from this month (the
    one in force now unless given). Their balance goes with them: a withdrawal in the old group and
    a deposit in the new one that points to it (transfer_of), neither a saving for a month nor
    levied. Returns the new membership. A form posted twice moves once (AlreadyPosted)."""
    today = today or timezone.localdate()
    member = _lock_current(member, request_key)
    to_group = SavingsGroup.objects.select_for_update().get(pk=to_group.pk)
    if to_group.pk == member.group_id:
        raise ValidationError({"to_group": _("Choose another group than the member's own.")})
    _check_leaving_day(member, date, today, "date")
    if to_group.status_on(date) not in ACTIVE_STATUSES:
        raise ValidationError(
            {"to_group": _("%(group)s is not an active group on this date.") % {"group": to_group}}, code="inactive"
        )
    if to_group.members.filter(person=member.person, left_on__isnull=True).exists():
        raise ValidationError({"to_group": _("This person is already a member of that group.")})
    if commitment is None:
        commitment = selectors.commitment_in_force(member, month_start(date)) or to_group.default_commitment
    elif commitment <= 0:
        raise ValidationError({"commitment": _("The monthly commitment must be more than 0 baht.")})
    if number is None:
        number = selectors.next_member_number(to_group)
    _check_number(to_group, number)
    balance = _balance(member)
    member.left_on = date
    member.save()
    moved = Member.objects.create(group=to_group, person=member.person, number=number, joined_on=date)
    Commitment.objects.create(member=moved, from_month=month_start(date), amount=commitment)
    if balance > 0:
        out = _post_once(
            LedgerEntry(
                group_id=member.group_id,
                member=member,
                kind=EntryKind.WITHDRAWAL,
                month=month_start(date),
                date=date,
                amount=-balance,
                reason=_("Moved to %(group)s") % {"group": to_group},
                posted_by=user,
                request_key=request_key,
            )
        )
        entries_post(
            entries=[
                LedgerEntry(
                    group=to_group,
                    member=moved,
                    kind=EntryKind.DEPOSIT,
                    month=month_start(date),
                    date=date,
                    amount=balance,
                    transfer_of=out,
                    reason=_("Moved from %(group)s") % {"group": member.group},
                    posted_by=user,
                )
            ]
        )
    return moved


# The group's rules.

HUNDRED = Decimal("100")
RULES_TERMS = ("year_ends_in", "late_fine", *ALLOCATION_FIELDS, "note")
LOAN_TERMS = ("times_savings", "ceiling", "monthly_rate", "method", "longest_term", "guarantors")
WELFARE_TERMS = ("amount", "months_of_membership")


def _terms_of(
    rules: GroupRules, loan_kinds: Iterable[LoanKind], welfare_kinds: Iterable[WelfareKind]
) -> tuple[object, ...]:
    """What a version of the rules says, to tell a change from the same rules again."""
    return (
        tuple(getattr(rules, name) for name in RULES_TERMS if name != "note"),
        sorted((k.purpose, *(getattr(k, name) for name in LOAN_TERMS)) for k in loan_kinds),
        sorted((k.purpose, *(getattr(k, name) for name in WELFARE_TERMS)) for k in welfare_kinds),
    )


@transaction.atomic
def rules_change(
    *,
    group: SavingsGroup,
    from_month: datetime.date,
    terms: dict[str, object],
    loan_kinds: dict[str, dict[str, object]],
    welfare_kinds: dict[str, dict[str, object]],
    user: User,
    today: datetime.date | None = None,
) -> GroupRules:
    """The group's rules become `terms` (RULES_TERMS), with the kinds of loan and welfare given
    ({purpose: their terms}), from `from_month` (this month or later) until a change already agreed
    for later, if any; the months before keep the rules they had, and a loan keeps the terms it
    was made on. A second change from the same month replaces the first (that month has not ended).
    Refused when the shares of the profit do not add up to 100 percent, and when nothing changes."""
    today = today or timezone.localdate()
    from_month = month_start(from_month)
    if from_month < month_start(today):
        raise ValidationError(
            {
                "from_month": _("From %(month)s on at the earliest: months already over keep the rules they had.")
                % {"month": be_month(month_start(today))}
            },
            code="past_month",
        )
    shares = sum((Decimal(str(terms[name])) for name in ALLOCATION_FIELDS), Decimal(0))
    if shares != HUNDRED:
        raise ValidationError(
            _("The shares of the profit add up to %(total)s percent; they must add up to 100.")
            % {"total": format_quantity(shares)},
            code="not_100",
        )
    SavingsGroup.objects.select_for_update().get(pk=group.pk)  # one change of a group's rules at a time
    new = GroupRules(group=group, from_month=from_month, recorded_by=user, **{k: terms[k] for k in RULES_TERMS})
    new_loans = [LoanKind(purpose=p, **{k: t[k] for k in LOAN_TERMS}) for p, t in loan_kinds.items()]
    new_welfare = [WelfareKind(purpose=p, **{k: t[k] for k in WELFARE_TERMS}) for p, t in welfare_kinds.items()]
    in_force = selectors.rules_on(group, from_month)
    if in_force is not None and _terms_of(
        in_force, in_force.loan_kinds.all(), in_force.welfare_kinds.all()
    ) == _terms_of(new, new_loans, new_welfare):
        raise ValidationError(
            _("These are already the group's rules in %(month)s.") % {"month": be_month(from_month)}, code="unchanged"
        )
    if in_force is not None and in_force.from_month == from_month:
        in_force.delete()  # replaced while its month lasts: no month has been under it yet
    new.full_clean(exclude=["group", "recorded_by"])
    new.save()
    kinds: list[LoanKind | WelfareKind] = [*new_loans, *new_welfare]
    for kind in kinds:
        kind.rules = new
        kind.full_clean(exclude=["rules"])
    LoanKind.objects.bulk_create(new_loans)
    WelfareKind.objects.bulk_create(new_welfare)
    return new


# Loans.


@transaction.atomic
def loan_apply(
    *,
    member: Member,
    purpose: str,
    amount: Decimal,
    months: int,
    guarantors: Sequence[Member],
    applied_on: datetime.date,
    reason: str,
    user: User,
    request_key: UUID | None = None,
    today: datetime.date | None = None,
) -> Loan:
    """A member applies for a loan of a kind the group's rules offer on the day: at most the
    kind's multiple of their savings that day and its ceiling, over at most its longest term, with
    as many guarantors as it needs (members of the group other than the borrower). The loan takes
    the kind's interest and method, and keeps them whatever the rules say later."""
    today = today or timezone.localdate()
    if request_key and (existing := Loan.objects.filter(request_key=request_key).first()):
        raise AlreadyPosted(existing)
    member = Member.objects.select_for_update(of=("self",)).select_related("person", "group").get(pk=member.pk)
    group = member.group
    if applied_on > today:
        raise ValidationError({"applied_on": _("This day has not come yet.")})
    if member.left_on is not None or member.joined_on > applied_on:
        raise ValidationError(
            {"member": _("%(member)s is not a member of the group on that day.") % {"member": member.person}}
        )
    rules = selectors.rules_on(group, applied_on)
    if rules is None:
        raise ValidationError(
            _("The group has no rules in force on %(date)s: agree them first (the group's rules).")
            % {"date": be_date(applied_on)},
            code="no_rules",
        )
    kind = next((k for k in rules.loan_kinds.all() if k.purpose == purpose), None)
    if kind is None:
        raise ValidationError({"purpose": _("The group's rules in force do not offer this kind of loan.")})
    if months > kind.longest_term:
        raise ValidationError(
            {"months": _("At most %(months)s months for this kind of loan.") % {"months": kind.longest_term}}
        )
    chosen = {g.pk: g for g in guarantors}
    if member.pk in chosen:
        raise ValidationError({"guarantors": _("The borrower cannot guarantee their own loan.")})
    found = list(Member.objects.filter(pk__in=list(chosen), group=group, left_on__isnull=True))
    if len(found) != len(chosen):
        raise ValidationError({"guarantors": _("Guarantors are members of the group who have not left it.")})
    if len(found) < kind.guarantors:
        raise ValidationError(
            {"guarantors": _("This kind of loan needs %(count)s guarantors.") % {"count": kind.guarantors}}
        )
    savings = selectors.savings_on(member, applied_on)
    limit = min(to_satang(savings * kind.times_savings), kind.ceiling)
    if amount > limit:
        raise ValidationError(
            {
                "amount": _(
                    "At most %(limit)s baht: %(times)s times the member's savings of %(savings)s baht, "
                    "and never more than %(ceiling)s baht."
                )
                % {
                    "limit": format_baht(limit),
                    "times": format_quantity(kind.times_savings),
                    "savings": format_baht(savings),
                    "ceiling": format_baht(kind.ceiling),
                }
            }
        )
    loan = Loan.objects.create(
        group=group,
        member=member,
        purpose=purpose,
        amount=amount,
        months=months,
        monthly_rate=kind.monthly_rate,
        late_fine=rules.late_fine,
        method=kind.method,
        applied_on=applied_on,
        reason=reason.strip(),
        applied_by=user,
        request_key=request_key,
    )
    LoanGuarantor.objects.bulk_create([LoanGuarantor(loan=loan, member=g) for g in found])
    return loan


def _lock_loan(loan: Loan) -> Loan:
    return Loan.objects.select_for_update(of=("self",)).select_related("member__person").get(pk=loan.pk)


@transaction.atomic
def loan_approve(
    *, loan: Loan, officer: Officer, approved_on: datetime.date, user: User, today: datetime.date | None = None
) -> LoanApproval:
    """One of the group's officers, in office that day, approves the loan: not its borrower nor
    one of its guarantors, and once per person. Nothing is approved after the loan was paid out."""
    today = today or timezone.localdate()
    loan = _lock_loan(loan)
    if selectors.disbursement(loan) is not None:
        raise ValidationError(_("The loan has been paid out already."), code="paid_out")
    if not (loan.applied_on <= approved_on <= today):
        raise ValidationError(
            {
                "approved_on": _("From the day of the application, %(date)s, to today.")
                % {"date": be_date(loan.applied_on)}
            }
        )
    in_office = {o.pk for o in selectors.officers_on(loan.group, approved_on)}
    if officer.pk not in in_office:
        raise ValidationError({"officer": _("Choose an officer of the group in office on that day.")})
    barred = {loan.member.person_id} | set(loan.guarantees.values_list("member__person", flat=True))
    if officer.person_id in barred:
        raise ValidationError({"officer": _("The borrower and the guarantors cannot approve the loan.")})
    if officer.person_id in selectors.approvers(loan):
        raise ValidationError({"officer": _("%(person)s has approved the loan already.") % {"person": officer.person}})
    return LoanApproval.objects.create(loan=loan, officer=officer, approved_on=approved_on, recorded_by=user)


@transaction.atomic
def loan_disburse(
    *,
    loan: Loan,
    date: datetime.date,
    user: User,
    request_key: UUID | None = None,
    today: datetime.date | None = None,
) -> LoanEntry:
    """Pay the loan out from the group's fund, once: after two officers approved it, to a member
    still in the group, on a day the group is active, and never more than the cash the fund held
    that day nor holds today (the group's row is locked, so two payouts cannot both pass)."""
    today = today or timezone.localdate()
    group = SavingsGroup.objects.select_for_update().get(pk=loan.group_id)
    loan = _lock_loan(loan)
    if request_key and (existing := LoanEntry.objects.filter(request_key=request_key).first()):
        raise AlreadyPosted(existing)
    if (paid := selectors.disbursement(loan)) is not None:
        raise AlreadyPosted(paid)
    approved = [a for a in loan.approvals.select_related("officer") if a.approved_on <= date]
    if len({a.officer.person_id for a in approved}) < selectors.APPROVALS_NEEDED:
        raise ValidationError(
            _("Two officers of the group must approve the loan before it is paid out."), code="approvals"
        )
    if not (loan.applied_on <= date <= today):
        raise ValidationError(
            {"date": _("From the day of the application, %(date)s, to today.") % {"date": be_date(loan.applied_on)}}
        )
    if loan.member.left_on is not None:
        raise ValidationError(_("%(member)s has left the group.") % {"member": loan.member.person})
    _check_group_accepts(group, date)
    check_year_open(group, date)
    cash = cash_to_pay_out(group, date, today)
    if loan.amount > cash:
        raise ValidationError(
            _("The fund holds only %(cash)s baht in cash: the loan of %(amount)s baht cannot be paid out.")
            % {"cash": format_baht(cash), "amount": format_baht(loan.amount)},
            code="cash",
        )
    return LoanEntry.objects.create(
        group=group,
        loan=loan,
        kind=LoanEntryKind.DISBURSEMENT,
        month=month_start(date),
        date=date,
        amount=loan.amount,
        posted_by=user,
        request_key=request_key,
    )


@transaction.atomic
def repayments_add(*, sheet: CollectionSheet, repayments: dict[int, Decimal], user: User) -> None:
    """Repayments collected at the meeting of a sheet already posted ({loan id: amount}), as the
    sheet would have posted them (_repayments_post): the demo's year of loans is recorded so."""
    _repayments_post(sheet, repayments, user)


def _repayments_post(sheet: CollectionSheet, repayments: dict[int, Decimal], user: User) -> None:
    """The loans' repayments collected at a sheet's meeting: an interest row and a principal row
    for each (selectors.repayment_split), dated the day collected, for the sheet's month. The
    loans are locked while their positions are read."""
    loans = {
        loan.pk: loan
        for loan in Loan.objects.filter(group=sheet.group, pk__in=list(repayments))
        .select_for_update(of=("self",))
        .select_related("member__person")
        .prefetch_related("entries", "reschedules")  # read after the lock: two queries, not two a loan
        .order_by("pk")
    }
    if set(loans) != set(repayments):
        raise ValidationError(_("Some of the loans on the sheet are not this group's. Nothing was saved."))
    rows = []
    for loan_pk, amount in repayments.items():
        loan = loans[loan_pk]
        if selectors.write_off(loan) is not None:
            # Even dated before the write-off: what it wrote off would then be more than was owed.
            raise ValidationError(
                _(
                    "The loan of %(member)s was written off: a leader reverses the write-off before a "
                    "repayment is recorded. Nothing was saved."
                )
                % {"member": loan.member.person},
                code="written_off",
            )
        position = selectors.loan_position(loan, sheet.paid_on)
        try:
            if position is None:
                raise ValueError("not paid out")
            fine, interest, principal = selectors.repayment_split(position, sheet.month, amount)
        except ValueError:
            raise ValidationError(
                _("The repayment of %(amount)s baht is more than the loan of %(member)s owes. Nothing was saved.")
                % {"amount": format_baht(amount), "member": loan.member.person},
                code="repayment",
            ) from None
        parts = ((LoanEntryKind.FINE, fine), (LoanEntryKind.INTEREST, interest), (LoanEntryKind.PRINCIPAL, principal))
        for kind, part in parts:
            if part > 0:
                rows.append(
                    LoanEntry(
                        group=sheet.group,
                        loan=loan,
                        kind=kind,
                        month=sheet.month,
                        date=sheet.paid_on,
                        amount=part,
                        sheet=sheet,
                        posted_by=user,
                    )
                )
    LoanEntry.objects.bulk_create(rows)


@transaction.atomic
def loan_entry_reverse(
    *, entry: LoanEntry, date: datetime.date, reason: str, user: User, today: datetime.date | None = None
) -> LoanEntry:
    """Undo a loan's money row with a row of the opposite amount that points to it and says why:
    a repayment typed wrong, a payout recorded by mistake (only while nothing was repaid on it),
    or a write-off (a leader's decision: the view lets only leaders reverse it). A row is reversed
    once, a reversal never. Money given back must be in the fund's cash on the day and today, as
    for a payout; a write-off reversed moves no money, and the loan owes again from that day."""
    today = today or timezone.localdate()
    group = SavingsGroup.objects.select_for_update().get(pk=entry.group_id)
    loan = _lock_loan(entry.loan)
    entry = LoanEntry.objects.get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new row instead."))
    if LoanEntry.objects.filter(reverses=entry).exists():
        raise AlreadyPosted(entry.reversal)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the row is reversed.")})
    if not (entry.date <= date <= today):
        raise ValidationError({"date": _("A reversal cannot be dated before the row it reverses.")})
    check_year_open(group, date)
    if entry.kind == LoanEntryKind.DISBURSEMENT:
        repaid = loan.entries.exclude(kind=LoanEntryKind.DISBURSEMENT).aggregate(total=Sum("amount"))["total"]
        if repaid:
            raise ValidationError(
                _("Repayments were recorded on this loan: reverse them first, then the payout."), code="repaid"
            )
    elif entry.kind != LoanEntryKind.WRITTEN_OFF:
        cash = cash_to_pay_out(group, date, today)
        if entry.amount > cash:
            raise ValidationError(
                _("The fund holds only %(cash)s baht in cash: %(amount)s baht cannot be given back.")
                % {"cash": format_baht(cash), "amount": format_baht(entry.amount)},
                code="cash",
            )
    return LoanEntry.objects.create(
        group=group,
        loan=loan,
        kind=entry.kind,
        month=entry.month,
        date=date,
        amount=-entry.amount,
        reverses=entry,
        reason=reason.strip(),
        posted_by=user,
    )


@transaction.atomic
def loan_write_off(
    *,
    loan: Loan,
    date: datetime.date,
    reason: str,
    user: User,
    request_key: UUID | None = None,
    today: datetime.date | None = None,
) -> LoanEntry:
    """Write a loan off: a network leader's decision (the view lets only leaders), with a reason.
    One row, WRITTEN_OFF, of the principal still owed on `date` (selectors.loan_position):
    the loan then owes nothing, is late no more and is not on the sheet; the interest not paid is
    not earned. No money moves: the fund's loans outstanding and its profit not shared out both
    fall by the amount. Dated from the loan's last money row (its payout at the earliest) to
    today, in a year still open. Once while it stands; it is undone by its reversal
    (loan_entry_reverse). The group's row and the loan are locked, as for a payout."""
    today = today or timezone.localdate()
    group = SavingsGroup.objects.select_for_update().get(pk=loan.group_id)
    loan = _lock_loan(loan)
    if request_key and (existing := LoanEntry.objects.filter(request_key=request_key).first()):
        raise AlreadyPosted(existing)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the loan is written off.")})
    if selectors.write_off(loan) is not None:
        raise ValidationError(_("The loan is written off already."), code="written_off")
    payout = selectors.disbursement(loan)
    if payout is None:
        raise ValidationError(_("The loan has not been paid out."), code="not_paid_out")
    last = max(e.date for e in loan.entries.all())
    if not (last <= date <= today):
        raise ValidationError(
            {"date": _("From %(date)s, the day of the loan's last money row, to today.") % {"date": be_date(last)}}
        )
    check_year_open(group, date)
    position = selectors.loan_position(loan, date)
    if position is None or position.outstanding <= 0:
        raise ValidationError(_("The loan owes no principal: there is nothing to write off."), code="repaid")
    return LoanEntry.objects.create(
        group=group,
        loan=loan,
        kind=LoanEntryKind.WRITTEN_OFF,
        month=month_start(date),
        date=date,
        amount=position.outstanding,
        reason=reason.strip(),
        posted_by=user,
        request_key=request_key,
    )


@transaction.atomic
def loan_reschedule(
    *,
    loan: Loan,
    from_month: datetime.date,
    months: int,
    reason: str,
    user: User,
    today: datetime.date | None = None,
) -> LoanReschedule:
    """Reschedule what a loan still owes: a network leader's decision (the view lets only leaders),
    with a reason. From `from_month` (this month or later, and not before
    the loan's first instalment: months already over keep the schedule they had) the principal
    still owed then is repaid over `months` months (1 to 120) at the loan's rate and method, the
    months before settled by what was repaid then and the interest they left unpaid added to the
    first new month (groups.interest.rescheduled; selectors.loan_position applies it). Only a loan
    paid out, still owing principal today and not written off; once per loan and month."""
    today = today or timezone.localdate()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the loan is rescheduled.")})
    if isinstance(months, bool) or not 1 <= months <= 120:
        raise ValidationError({"months": _("Over 1 to 120 months.")})
    from_month = month_start(from_month)
    if from_month < month_start(today):
        raise ValidationError(
            {
                "from_month": _("From %(month)s on at the earliest: months already over keep the schedule they had.")
                % {"month": be_month(month_start(today))}
            },
            code="past_month",
        )
    loan = _lock_loan(loan)
    payout = selectors.disbursement(loan)
    if payout is None:
        raise ValidationError(_("The loan has not been paid out."), code="not_paid_out")
    if selectors.write_off(loan) is not None:
        raise ValidationError(_("The loan is written off: there is nothing to reschedule."), code="written_off")
    position = selectors.loan_position(loan, today)
    if position is None or position.outstanding <= 0:
        raise ValidationError(_("The loan owes no principal: there is nothing to reschedule."), code="repaid")
    first = add_months(payout.month, 1)
    if from_month < first:
        raise ValidationError(
            {
                "from_month": _("From %(month)s on at the earliest, the month of the loan's first instalment.")
                % {"month": be_month(first)}
            },
            code="before_first",
        )
    taken = _("The loan was already rescheduled from %(month)s.") % {"month": be_month(from_month)}
    if loan.reschedules.filter(from_month=from_month).exists():
        raise ValidationError({"from_month": taken}, code="taken")
    try:
        with transaction.atomic():
            return LoanReschedule.objects.create(
                loan=loan, from_month=from_month, months=months, reason=reason.strip(), recorded_by=user
            )
    except IntegrityError:
        raise ValidationError({"from_month": taken}, code="taken") from None

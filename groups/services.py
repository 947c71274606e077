"""Writes to the savings ledger. Each function runs in one transaction and either posts every row
it was asked to or none."""

import datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from songkhla_network.append_only import AlreadyPosted
from songkhla_network.models import User
from songkhla_network.thai import be_month, format_baht, month_start

from .models import ACTIVE_STATUSES, CollectionSheet, EntryKind, LedgerEntry, Member, SavingsGroup


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


@transaction.atomic
def sheet_post(
    *, group: SavingsGroup, month: datetime.date, paid_on: datetime.date, amounts: dict[int, Decimal], user: User
) -> CollectionSheet:
    """Post a month's collection sheet: one deposit row per member with an amount, all or nothing.

    `amounts` maps member ids to positive Decimals. Raises AlreadyPosted when the group's sheet
    for the month exists (a double tap, the back button or a second phone), ValidationError when
    a member is not an active member of the group in that month.
    """
    month = month_start(month)
    _check_group_accepts(group, paid_on)
    members = {m.pk: m for m in group.members.filter(pk__in=amounts)}
    strangers = sorted(set(amounts) - set(members))
    if strangers:
        raise ValidationError(_("Some of the people on the sheet are not members of this group. Nothing was saved."))
    inactive = [m for m in members.values() if not m.active_in(month)]
    if inactive:
        raise ValidationError(
            _("%(members)s did not belong to the group in %(month)s.")
            % {"members": ", ".join(str(m.person) for m in inactive), "month": be_month(month)}
        )
    for amount in amounts.values():
        if amount is None or amount <= 0:
            raise ValidationError(_("Every amount on the sheet must be more than 0 baht."))
    try:
        with transaction.atomic():
            sheet = CollectionSheet.objects.create(group=group, month=month, paid_on=paid_on, posted_by=user)
    except IntegrityError:
        raise AlreadyPosted(CollectionSheet.objects.get(group=group, month=month)) from None
    LedgerEntry.objects.bulk_create(
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
    )
    return sheet


def _post_once(entry: LedgerEntry) -> LedgerEntry:
    """Save a single-form entry; its request_key makes a resubmitted form a no-op."""
    try:
        with transaction.atomic():
            entry.save()
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
    """A deposit outside a sheet: a late payment, or a member paying ahead."""
    month = month_start(month)
    if not member.active_in(month):
        raise ValidationError(
            _("%(member)s did not belong to the group in %(month)s.")
            % {"member": member.person, "month": be_month(month)}
        )
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
    withdrawn cannot be reversed below a zero balance."""
    member = Member.objects.select_for_update().get(pk=entry.member_id)
    entry = LedgerEntry.objects.get(pk=entry.pk)
    if entry.is_reversal:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new row instead."))
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

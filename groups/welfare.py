"""The group's payments from its fund that are neither a member's saving nor a loan
(models.FundEntry): its costs (stationery, a meeting), which the year's profit is net of, and the
welfare it pays its members by the kinds in its rules, from the welfare fund the year-end
share-out fills. The services write them, each in one transaction with the group's row locked
and once per form; the selectors read them for the fund's page and the passbook. What the fund
holds is selectors.group_fund's arithmetic, never redone here."""

import datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from songkhla_network.append_only import AlreadyPosted
from songkhla_network.models import User
from songkhla_network.thai import add_months, be_date, format_baht, month_end, month_start

from . import selectors, services
from .models import ACTIVE_STATUSES, FundEntry, FundEntryKind, GroupStatus, Member, Officer, SavingsGroup, WelfareKind

# Who may have welfare: membership on a day.


def qualifies_on(member: Member, months: int) -> datetime.date:
    """The day the member has `months` whole months of membership: the day of the month they
    joined, `months` months on, or the last day of that month when it has no such day (joined
    15 January: 2 months on 15 March; joined 31 January: 1 month on 28 February). Membership is
    this one: a member who moved from another group starts again on the day they moved."""
    month = add_months(member.joined_on, months)
    return month.replace(day=min(member.joined_on.day, month_end(month).day))


def in_group_on(member: Member, day: datetime.date) -> bool:
    """Whether the member belongs to the group on `day`: joined by it and not left before it (the
    day they leave is still theirs)."""
    return member.joined_on <= day and (member.left_on is None or day <= member.left_on)


def kinds_for(member: Member, day: datetime.date) -> list[WelfareKind]:
    """The kinds of welfare the member qualifies for on `day`: those of the group's rules in force
    in the day's month whose months of membership they have (qualifies_on), while they belong to
    the group. Empty before the group's first rules. rules_on's queries, and the member's group
    if not loaded."""
    if not in_group_on(member, day):
        return []
    rules = selectors.rules_on(member.group, month_start(day))
    if rules is None:
        return []
    return [kind for kind in rules.welfare_kinds.all() if day >= qualifies_on(member, kind.months_of_membership)]


# Reads.


def fund_entries(group: SavingsGroup, day: datetime.date | None = None) -> list[FundEntry]:
    """The group's payments from its fund dated up to `day` (every one if None), newest first,
    reversals included, each with its member, approving officer and poster loaded and
    `is_reversed`: whether a reversal of it is dated up to `day`. One query."""
    rows = group.fund_entries.all()
    reversals = FundEntry.objects.filter(reverses=OuterRef("pk"))
    if day is not None:
        rows = rows.filter(date__lte=day)
        reversals = reversals.filter(date__lte=day)
    return list(
        rows.select_related("member__person", "approved_by__person", "posted_by", "reverses")
        .annotate(is_reversed=Exists(reversals))
        .order_by("-date", "-id")
    )


def fund_entry(group: SavingsGroup, pk: int) -> FundEntry | None:
    """One of the group's payments from its fund, with its member and `is_reversed`; None when the
    group has no such row. One query."""
    return (
        group.fund_entries.select_related("member__person")
        .annotate(is_reversed=Exists(FundEntry.objects.filter(reverses=OuterRef("pk"))))
        .filter(pk=pk)
        .first()
    )


def welfare_of(member: Member) -> list[FundEntry]:
    """The welfare paid to the member, oldest first, each with `is_reversed` (a payout reversed
    shows so; the reversal itself is not listed). For the passbook. One query."""
    return list(
        member.welfare.filter(kind=FundEntryKind.WELFARE, reverses__isnull=True)
        .select_related("approved_by__person")
        .annotate(is_reversed=Exists(FundEntry.objects.filter(reverses=OuterRef("pk"))))
        .order_by("date", "id")
    )


# Writes.


def _beside(field: str, message: str, code: str) -> ValidationError:
    """A refusal a form shows beside the box `field`, with its code."""
    return ValidationError({field: ValidationError(message, code=code)})


def _lock(group_pk: int) -> SavingsGroup:
    """The group's row, locked as loan_disburse locks it: what the fund may pay is read and paid
    by one payment at a time."""
    return SavingsGroup.objects.select_for_update().get(pk=group_pk)


def _check_once(request_key: UUID | None) -> None:
    if request_key and (existing := FundEntry.objects.filter(request_key=request_key).first()):
        raise AlreadyPosted(existing)


def _check_day(group: SavingsGroup, day: datetime.date, today: datetime.date) -> None:
    """A payment from the fund is dated from the group's founding to today, on a day the group is
    active, in a year not closed. The refusal stands beside the date."""
    if day > today:
        raise _beside("date", _("This date is in the future."), "future")
    founded = (
        group.status_changes.filter(status=GroupStatus.FOUNDED).order_by("date").values_list("date", flat=True).first()
    )
    if founded is None or day < founded:
        raise _beside(
            "date",
            _("The group was founded on %(date)s: nothing is paid from its fund before.")
            % {"date": be_date(founded) if founded else "—"},
            "before_founding",
        )
    if group.status_on(day) not in ACTIVE_STATUSES:
        raise _beside(
            "date",
            _("%(group)s is not an active group on %(date)s: its fund pays nothing that day.")
            % {"group": group, "date": be_date(day)},
            "inactive",
        )
    try:
        services.check_year_open(group, day)
    except ValidationError as closed:
        raise ValidationError({"date": closed}) from None


def _check_cash(group: SavingsGroup, day: datetime.date, today: datetime.date, amount: Decimal) -> None:
    cash = services.cash_to_pay_out(group, day, today)
    if amount > cash:
        raise ValidationError(
            _("The fund holds only %(cash)s baht in cash (the rest is lent out): %(amount)s baht cannot be paid.")
            % {"cash": format_baht(cash), "amount": format_baht(amount)},
            code="cash",
        )


@transaction.atomic
def cost_pay(
    *,
    group: SavingsGroup,
    date: datetime.date,
    amount: Decimal,
    what_for: str,
    user: User,
    request_key: UUID | None = None,
    today: datetime.date | None = None,
) -> FundEntry:
    """Pay a cost of the group (stationery, a meeting...) from its cash, once per form: dated from
    its founding to today, on a day it is active, in a year not closed, saying what for, and
    never more than the cash the fund held that day nor holds today (the group's row is locked,
    so two payments cannot both take the same cash). The cost lowers the year's profit."""
    today = today or timezone.localdate()
    group = _lock(group.pk)
    _check_once(request_key)
    if not what_for.strip():
        raise _beside("what_for", _("Say what the money was paid for."), "what_for")
    if amount <= 0:
        raise _beside("amount", _("The amount must be more than 0 baht."), "amount")
    _check_day(group, date, today)
    try:
        _check_cash(group, date, today, amount)
    except ValidationError as short:
        raise ValidationError({"amount": short}) from None
    return FundEntry.objects.create(
        group=group,
        kind=FundEntryKind.COST,
        date=date,
        amount=amount,
        what_for=what_for.strip(),
        posted_by=user,
        request_key=request_key,
    )


@transaction.atomic
def welfare_pay(
    *,
    member: Member,
    purpose: str,
    date: datetime.date,
    approved_by: Officer,
    user: User,
    request_key: UUID | None = None,
    today: datetime.date | None = None,
    what_for: str = "",
) -> FundEntry:
    """Pay the member welfare of a kind in the group's rules in force in the month of `date`, its
    amount the kind's, from the welfare fund, once per form. Only to a member who qualifies: in the
    group that day (in_group_on) and of at least the kind's months of membership by it, whole
    months counted from the day they joined (qualifies_on: joined 15 January, 2 months qualify
    on 15 March, not the 14th). Approved by an officer of the group in office that day who is not
    the member themself. Dated from the group's founding to today, on a day it is active, in a
    year not closed; never more than the welfare fund held that day nor holds today, nor than the
    cash. The welfare fund is what the year-end share-outs gave it less what it paid: until the
    group's first year is closed it holds nothing, and every payout is refused."""
    today = today or timezone.localdate()
    group = _lock(member.group_id)
    _check_once(request_key)
    # Read again, not locked: member_leave locks the member and then the group, the other way round.
    member = Member.objects.select_related("person").get(pk=member.pk)
    _check_day(group, date, today)
    rules = selectors.rules_on(group, month_start(date))
    if rules is None:
        raise ValidationError(
            _("The group has no rules in force on %(date)s: agree them first (the group's rules).")
            % {"date": be_date(date)},
            code="no_rules",
        )
    kind = next((k for k in rules.welfare_kinds.all() if k.purpose == purpose), None)
    if kind is None:
        raise _beside("purpose", _("The group's rules in force on that day do not offer this kind of welfare."), "kind")
    if not in_group_on(member, date):
        raise _beside(
            "member",
            _("%(member)s is not a member of the group on that day.") % {"member": member.person},
            "not_member",
        )
    qualifies = qualifies_on(member, kind.months_of_membership)
    if date < qualifies:
        raise _beside(
            "member",
            _(
                "%(member)s joined on %(joined)s: this welfare is for members of %(months)s months "
                "or more, from %(date)s."
            )
            % {
                "member": member.person,
                "joined": be_date(member.joined_on),
                "months": kind.months_of_membership,
                "date": be_date(qualifies),
            },
            "too_new",
        )
    if approved_by.pk not in {officer.pk for officer in selectors.officers_on(group, date)}:
        raise _beside("approved_by", _("Choose an officer of the group in office on that day."), "officer")
    if approved_by.person_id == member.person_id:
        raise _beside(
            "approved_by", _("A member cannot approve welfare paid to themself: another officer approves."), "own"
        )
    # What the welfare fund may pay: what it held that day or holds today, whichever is less, as
    # for the cash (services.cash_to_pay_out).
    on_the_day, now = selectors.group_fund(group, date), selectors.group_fund(group, today)
    held = min(on_the_day.welfare, now.welfare)
    if on_the_day.to_welfare <= 0:
        raise ValidationError(
            _(
                "The welfare fund holds nothing yet on that day: it is filled by the share-out at the end of "
                "the group's year, and until a year is closed it holds 0 baht. No welfare can be paid before."
            ),
            code="welfare_fund",
        )
    if kind.amount > held:
        raise ValidationError(
            _("The welfare fund holds only %(fund)s baht: the welfare of %(amount)s baht cannot be paid.")
            % {"fund": format_baht(held), "amount": format_baht(kind.amount)},
            code="welfare_fund",
        )
    _check_cash(group, date, today, kind.amount)
    return FundEntry.objects.create(
        group=group,
        kind=FundEntryKind.WELFARE,
        date=date,
        amount=kind.amount,
        what_for=what_for.strip(),
        member=member,
        welfare_purpose=kind.purpose,
        approved_by=approved_by,
        posted_by=user,
        request_key=request_key,
    )


@transaction.atomic
def fund_entry_reverse(
    *, entry: FundEntry, date: datetime.date, reason: str, user: User, today: datetime.date | None = None
) -> FundEntry:
    """Undo a payment from the fund (a cost or welfare recorded by mistake) with a row of the
    opposite amount that points to it, says why and keeps its kind, member, purpose and approval.
    A row is reversed once (AlreadyPosted), a reversal never; the reversal is dated from the row's
    day to today, in a year not closed. The money comes back to the cash (and, for welfare, to the
    welfare fund)."""
    today = today or timezone.localdate()
    group = _lock(entry.group_id)
    entry = FundEntry.objects.get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new row instead."), code="reversal")
    if (done := FundEntry.objects.filter(reverses=entry).first()) is not None:
        raise AlreadyPosted(done)
    if not reason.strip():
        raise _beside("reason", _("Say why the row is reversed."), "reason")
    if not (entry.date <= date <= today):
        raise _beside("date", _("From the day of the row, %(date)s, to today.") % {"date": be_date(entry.date)}, "date")
    try:
        services.check_year_open(group, date)
    except ValidationError as closed:
        raise ValidationError({"date": closed}) from None
    return FundEntry.objects.create(
        group=group,
        kind=entry.kind,
        date=date,
        amount=-entry.amount,
        what_for=entry.what_for,
        member_id=entry.member_id,
        welfare_purpose=entry.welfare_purpose,
        approved_by_id=entry.approved_by_id,
        reverses=entry,
        reason=reason.strip(),
        posted_by=user,
    )

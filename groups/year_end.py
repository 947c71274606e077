"""The year-end share-out of a savings group (issue 17): which year closes next, what the year
earned and how the group's rules share its profit out, and the posting of it, once.

A group's year ends in the month that the rules in force then name (GroupRules.year_ends_in); it is
the twelve months up to that one, and years are closed in order. The profit to share is the
interest and fines the year earned, less its costs and the loans written off in it, plus what the
years before left unshared (brought forward; a loss is carried forward, never shared). The rules'
percentages split it (ALLOCATION_FIELDS), to the satang by the largest remainder: the members'
dividend by their savings-months (the sum of their balances at the year's month-ends), their refund
by the interest they paid in the year. Everything is counted by the date money changed hands, each
reversal on its own date.

Once posted (year_end_post), the year's figures are kept as they were computed (YearEnd,
YearEndShare) and the database refuses any money row of the group dated in the year or before."""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from songkhla_network.append_only import AlreadyPosted
from songkhla_network.models import User
from songkhla_network.thai import (
    SATANG,
    add_months,
    be_date,
    be_month,
    format_baht,
    month_end,
    month_range,
    month_start,
    months_between,
    to_satang,
)

from . import selectors, services
from .models import (
    ALLOCATION_FIELDS,
    EntryKind,
    FundEntry,
    FundEntryKind,
    GroupRules,
    LedgerEntry,
    LoanEntry,
    LoanEntryKind,
    Member,
    MemberBalance,
    SavingsGroup,
    ShareOut,
    YearEnd,
    YearEndShare,
)

ZERO = Decimal("0.00")
YEAR_MONTHS = 12


# The rule that shares an amount out to the satang.


def largest_remainder(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` (baht and satang, not negative) split in proportion to `weights` (not negative):
    each share is its exact proportion rounded down to the satang, then the satangs left over go
    one each to the shares with the largest remainders (on a tie, the earlier in the list). The
    shares add up to `total` exactly; each is within one satang of its exact proportion, and a
    weight of zero gets nothing (the satangs left over are fewer than the shares with a remainder).
    Raises ValueError when every weight is zero (there is nobody to give it to)."""
    if total < 0 or total != total.quantize(SATANG):
        raise ValueError(f"{total} is not an amount of baht and satang")
    if any(weight < 0 for weight in weights):
        raise ValueError("a weight is negative")
    whole = sum((Fraction(weight) for weight in weights), Fraction(0))
    if whole == 0:
        raise ValueError("every weight is zero")
    satang = int(total * 100)
    exact = [satang * Fraction(weight) / whole for weight in weights]
    shares = [math.floor(share) for share in exact]
    left_over = satang - sum(shares)
    by_remainder = sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[:left_over]:
        shares[i] += 1
    return [(Decimal(share) / 100).quantize(SATANG) for share in shares]


# The group's years.


@dataclass(frozen=True)
class Year:
    """A group's year: the months first_month..last_month (each its first day), closed at the end of
    its last day."""

    first_month: datetime.date
    last_month: datetime.date

    @property
    def closes_on(self) -> datetime.date:
        return month_end(self.last_month)


@dataclass(frozen=True)
class Years:
    """A group's years (years()): those closed, oldest first, and the next one to close."""

    closed: list[YearEnd]
    next: Year | None  # None while the group has no rules
    today: datetime.date

    @property
    def next_can_be_posted(self) -> bool:
        """Whether the next year has ended (a year is closed the day after its last, or later)."""
        return self.next is not None and self.next.closes_on < self.today


def _year_ending(last_month: datetime.date, closed_before: datetime.date | None) -> Year:
    """The year ending with `last_month`: its twelve months, or, the first time a change of the
    group's rules moves its year's end earlier, the months since the year closed before it (no
    month counts in two years)."""
    first = add_months(last_month, 1 - YEAR_MONTHS)
    if closed_before is not None:
        first = max(first, add_months(closed_before, 1))
    return Year(first_month=first, last_month=last_month)


def next_year(group: SavingsGroup) -> Year | None:
    """The group's next year to close: the first whose last month (a month its rules in force then
    end the year with) comes after the last month of its last year closed, or, before any was
    closed, is the month of its first rules or later. None while the group has no rules. Two
    queries."""
    # Which rules are in force in a month is selectors.rules_on's rule; here it is read for many
    # months at once from the same series (oldest first), without the kinds of loan and welfare.
    series = list(group.rules.order_by("from_month").values_list("from_month", "year_ends_in"))
    if not series:
        return None
    last_closed = YearEnd.objects.filter(group=group).aggregate(last=Max("last_month"))["last"]
    month = add_months(last_closed, 1) if last_closed else series[0][0]
    # From the last change on the rules stay as they are, so a month within a year of it ends one.
    latest = max(month, series[-1][0])
    while month <= add_months(latest, YEAR_MONTHS):
        in_force = [ends_in for from_month, ends_in in series if from_month <= month]
        if in_force and in_force[-1] == month.month:
            return _year_ending(month, last_closed)
        month = add_months(month, 1)
    raise AssertionError("a year ends within twelve months of the last change of the rules")


def years(group: SavingsGroup, today: datetime.date) -> Years:
    """The group's closed years (YearEnd rows, oldest first) and the next one to close, with
    whether it can be posted yet (it has ended). Three queries."""
    closed = list(group.year_ends.select_related("posted_by").order_by("last_month"))
    return Years(closed=closed, next=next_year(group), today=today)


# A year's figures.


@dataclass(frozen=True)
class MemberShare:
    """A member's share of the year's profit, as the draft works it out (posted: YearEndShare)."""

    member: Member
    savings_months: Decimal  # the sum of their balances at the year's month-ends
    interest_paid: Decimal  # the interest they paid in the year on their loans
    dividend: Decimal
    interest_refund: Decimal

    @property
    def total(self) -> Decimal:
        return self.dividend + self.interest_refund


class Figures(Protocol):
    """What a year's statement shows, as a draft (YearEndDraft) or as posted (YearEnd)."""

    @property
    def rules(self) -> GroupRules: ...

    @property
    def interest(self) -> Decimal: ...

    @property
    def fines(self) -> Decimal: ...

    @property
    def costs(self) -> Decimal: ...

    @property
    def written_off(self) -> Decimal: ...

    @property
    def brought_forward(self) -> Decimal: ...


class Share(Protocol):
    """A member's line of a year's statement: MemberShare or YearEndShare."""

    @property
    def savings_months(self) -> Decimal: ...

    @property
    def interest_paid(self) -> Decimal: ...


# The members' parts of the share-out, and what each is shared by.
SHARED_BY = {"dividend": "savings_months", "interest_refund": "interest_paid"}

ALLOCATION_LABELS: dict[str, Promise] = {
    "dividend": gettext_lazy("Dividend on savings"),
    "interest_refund": gettext_lazy("Refund on interest paid"),
    "welfare_fund": gettext_lazy("Welfare fund"),
    "committee": gettext_lazy("The committee"),
    "reserve": gettext_lazy("Reserve"),
    "community": gettext_lazy("The community"),
}


def year_result(figures: Figures) -> Decimal:
    """What the year leaves, before it is shared: brought forward, plus interest and fines, less
    costs and loans written off. Below zero it is a loss, carried forward, and nothing is shared."""
    return figures.brought_forward + figures.interest + figures.fines - figures.costs - figures.written_off


def parts_to_reserve(rules: GroupRules, shares: Sequence[Share]) -> list[str]:
    """The members' parts of the rules' share-out (SHARED_BY) that no member can take — nobody had
    savings-months in the year, or nobody paid interest in it — and which go to the reserve instead."""
    return [
        part
        for part, weight in SHARED_BY.items()
        if getattr(rules, part) > 0 and not any(getattr(share, weight) > 0 for share in shares)
    ]


@dataclass(frozen=True)
class AllocationLine:
    name: str  # one of ALLOCATION_FIELDS
    label: Promise
    percent: Decimal  # as the rules say
    amount: Decimal  # what it got


def allocation(figures: Figures) -> list[AllocationLine]:
    """The year's profit by the parts of the rules' share-out: percent and baht, in the order of
    ALLOCATION_FIELDS (a draft's or a posted year's, which hold the same names)."""
    return [
        AllocationLine(
            name=name,
            label=ALLOCATION_LABELS[name],
            percent=getattr(figures.rules, name),
            amount=getattr(figures, name),
        )
        for name in ALLOCATION_FIELDS
    ]


@dataclass(frozen=True)
class YearEndDraft:
    """A year's figures and share-out as the rows say today (draft()): what year_end_post writes."""

    group: SavingsGroup
    rules: GroupRules  # in force in the year's last month
    first_month: datetime.date
    last_month: datetime.date
    closes_on: datetime.date
    interest: Decimal  # interest paid in the year
    fines: Decimal  # fines paid in the year
    costs: Decimal  # the group's costs in the year
    written_off: Decimal  # loans written off in the year
    brought_forward: Decimal  # left by the years before, not shared (a loss below zero)
    dividend: Decimal
    interest_refund: Decimal
    welfare_fund: Decimal
    committee: Decimal
    reserve: Decimal
    community: Decimal
    shares: list[MemberShare]  # each member in the group at the year's end, by number
    to_reserve: list[str]  # the members' parts nobody could take, added to the reserve

    @property
    def income(self) -> Decimal:
        return self.interest + self.fines

    @property
    def result(self) -> Decimal:
        return year_result(self)

    @property
    def profit(self) -> Decimal:
        """The profit to share: the year's result, or nothing when it is a loss."""
        return max(ZERO, self.result)

    @property
    def months(self) -> int:
        return months_between(self.first_month, self.last_month)


def _sums(rows: Any, first_day: datetime.date, closes_on: datetime.date, kinds: dict[str, str]) -> dict[str, Decimal]:
    """{name: the sum of the rows of kind `kinds[name]` dated in the year}, and {"before_" + name:
    the same dated before it}, from one query."""
    in_year = Q(date__gte=first_day, date__lte=closes_on)
    before = Q(date__lt=first_day)
    sums = {}
    for name, kind in kinds.items():
        sums[name] = Sum("amount", filter=Q(kind=kind) & in_year)
        sums[f"before_{name}"] = Sum("amount", filter=Q(kind=kind) & before)
    return {name: value or ZERO for name, value in rows.aggregate(**sums).items()}


def _balances_at_month_ends(members: list[Member], year: Year) -> dict[int, list[Decimal]]:
    """{member id: their balance at the end of each month of the year}: the closing of their latest
    MemberBalance row up to that month (0 before any). Two queries."""
    pks = [member.pk for member in members]
    latest = MemberBalance.objects.filter(member=OuterRef("pk"), month__lt=year.first_month).order_by("-month")
    opening = dict(
        Member.objects.filter(pk__in=pks)
        .annotate(opening=Subquery(latest.values("closing")[:1]))
        .values_list("pk", "opening")
    )
    in_year = {
        (member_id, month): closing
        for member_id, month, closing in MemberBalance.objects.filter(
            member__in=pks, month__gte=year.first_month, month__lte=year.last_month
        ).values_list("member_id", "month", "closing")
    }
    balances = {}
    for pk in pks:
        balance = opening.get(pk) or ZERO
        at_ends = []
        for month in month_range(year.first_month, year.last_month):
            balance = in_year.get((pk, month), balance)
            at_ends.append(balance)
        balances[pk] = at_ends
    return balances


def _shared(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`amount` shared by `weights` (largest_remainder); nothing to anyone when nobody has a weight
    (the amount then went to the reserve: parts_to_reserve)."""
    if not any(weights):
        return [ZERO for _weight in weights]
    return largest_remainder(amount, weights)


def draft(group: SavingsGroup, last_month: datetime.date) -> YearEndDraft:
    """The year ending with `last_month` as the rows say today: the year's interest, fines, costs and
    loans written off (by date, reversals netted), what the years before left, the profit to share,
    its allocation by the rules in force in the year's last month, and each member's share. The
    group must have rules in that month (ValueError otherwise). Ten queries, whatever the number of
    members and rows."""
    last_month = month_start(last_month)
    rules = selectors.rules_on(group, last_month)
    if rules is None:
        raise ValueError(f"{group} has no rules in {last_month}")
    earlier = YearEnd.objects.filter(group=group, last_month__lt=last_month).aggregate(
        last=Max("last_month"), profit=Sum("profit")
    )
    year = _year_ending(last_month, earlier["last"])
    first_day, closes_on = year.first_month, year.closes_on
    loans = _sums(
        LoanEntry.objects.filter(group=group),
        first_day,
        closes_on,
        {"interest": LoanEntryKind.INTEREST, "fines": LoanEntryKind.FINE, "written_off": LoanEntryKind.WRITTEN_OFF},
    )
    costs = _sums(FundEntry.objects.filter(group=group), first_day, closes_on, {"costs": FundEntryKind.COST})
    # Not the group's fund on the eve of the year: a year is posted after it ends, so the fund of
    # that day need not hold the share-out of the year before yet.
    brought_forward = (
        loans["before_interest"] + loans["before_fines"] - loans["before_written_off"] - costs["before_costs"]
    ) - (earlier["profit"] or ZERO)

    members = list(
        group.members.filter(joined_on__lte=closes_on)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=closes_on))
        .select_related("person")
        .order_by("number")
    )
    balances = _balances_at_month_ends(members, year)
    interest_paid = dict(
        LoanEntry.objects.filter(group=group, kind=LoanEntryKind.INTEREST, date__gte=first_day, date__lte=closes_on)
        .order_by()
        .values_list("loan__member")
        .annotate(total=Sum("amount"))
        .values_list("loan__member", "total")
    )
    # Never below zero: a reversal in this year of interest paid in a year closed before lowers
    # the year's interest, but nobody's share of this year's.
    savings_months = [max(ZERO, sum(balances[m.pk], ZERO)) for m in members]
    paid = [max(ZERO, interest_paid.get(m.pk, ZERO)) for m in members]

    weights = [
        MemberShare(member=m, savings_months=s, interest_paid=p, dividend=ZERO, interest_refund=ZERO)
        for m, s, p in zip(members, savings_months, paid, strict=True)
    ]
    unshared = YearEndDraft(
        group=group,
        rules=rules,
        first_month=year.first_month,
        last_month=year.last_month,
        closes_on=closes_on,
        interest=loans["interest"],
        fines=loans["fines"],
        costs=costs["costs"],
        written_off=loans["written_off"],
        brought_forward=brought_forward,
        **dict.fromkeys(ALLOCATION_FIELDS, ZERO),
        shares=weights,
        to_reserve=parts_to_reserve(rules, weights),
    )
    amounts: dict[str, Any] = dict(
        zip(
            ALLOCATION_FIELDS,
            largest_remainder(unshared.profit, [getattr(rules, name) for name in ALLOCATION_FIELDS]),
            strict=True,
        )
    )
    for part in unshared.to_reserve:
        amounts["reserve"] += amounts[part]
        amounts[part] = ZERO
    dividends = _shared(amounts["dividend"], savings_months)
    refunds = _shared(amounts["interest_refund"], paid)
    shares = [
        replace(share, dividend=dividend, interest_refund=refund)
        for share, dividend, refund in zip(weights, dividends, refunds, strict=True)
    ]
    return replace(unshared, **amounts, shares=shares)


# Posting the year.


@transaction.atomic
def year_end_post(
    *,
    group: SavingsGroup,
    last_month: datetime.date,
    shares_paid_as: str,
    posted_on: datetime.date,
    user: User,
    request_key: UUID | None = None,
    today: datetime.date | None = None,
) -> YearEnd:
    """Close the group's year ending with `last_month` and share its profit out, once: the year's
    figures as draft() works them out now (the group's row locked, so two postings of it cannot both
    pass), a YearEndShare for each member in the group at the year's end and, when the
    members' shares are added to their savings (ShareOut.SAVINGS), a deposit of each share through
    entries_post (which keeps the month-end balances); paid in cash (ShareOut.CASH), the shares
    leave the fund's cash, as the committee's and the community's always do.

    Raises AlreadyPosted when the year (or the same form, by `request_key`) was posted before:
    nothing is written twice. Refuses, with a ValidationError in Thai, a year that is not the
    group's next to close or has not ended, a posting date not after the year's last day or after
    today, shares added to the savings of a member who has left since, and more money out of the
    cash than the fund held on the posting date or holds today. Once posted, the database refuses
    any money row of the group dated in the year or before."""
    today = today or timezone.localdate()
    last_month = month_start(last_month)
    group = SavingsGroup.objects.select_for_update().get(pk=group.pk)
    if request_key and (existing := YearEnd.objects.filter(request_key=request_key).first()):
        raise AlreadyPosted(existing)
    if existing := YearEnd.objects.filter(group=group, last_month=last_month).first():
        raise AlreadyPosted(existing)
    year = next_year(group)
    if year is None:
        raise ValidationError(_("The group has no rules: its year is not known."), code="no_rules")
    if year.last_month != last_month:
        raise ValidationError(
            _("Years are closed in order: the next year to close is the one ending with %(month)s.")
            % {"month": be_month(year.last_month)},
            code="not_next",
        )
    if not year.closes_on < today:
        raise ValidationError(
            _("The year ends on %(date)s: it can be closed from the day after.") % {"date": be_date(year.closes_on)},
            code="not_ended",
        )
    if not (year.closes_on < posted_on <= today):
        raise ValidationError(
            {
                "posted_on": _("After the year's last day, %(date)s, and not after today.")
                % {"date": be_date(year.closes_on)}
            },
            code="posted_on",
        )
    if shares_paid_as not in ShareOut.values:
        raise ValidationError({"shares_paid_as": _("Choose how the members' shares are paid.")}, code="paid_as")
    figures = draft(group, last_month)
    if shares_paid_as == ShareOut.SAVINGS:
        left = [share.member for share in figures.shares if share.total > 0 and share.member.left_on is not None]
        if left:
            raise ValidationError(
                {
                    "shares_paid_as": _(
                        "%(members)s left the group after the year's end: their shares cannot be added to "
                        "savings. Pay the shares in cash."
                    )
                    % {"members": ", ".join(f"{m.person} ({be_date(m.left_on)})" for m in left)}
                },
                code="left",
            )
    year_end = YearEnd(
        group=group,
        rules=figures.rules,
        first_month=figures.first_month,
        last_month=figures.last_month,
        closes_on=figures.closes_on,
        posted_on=posted_on,
        interest=figures.interest,
        fines=figures.fines,
        costs=figures.costs,
        written_off=figures.written_off,
        brought_forward=figures.brought_forward,
        profit=figures.profit,
        **{name: getattr(figures, name) for name in ALLOCATION_FIELDS},
        shares_paid_as=shares_paid_as,
        request_key=request_key,
        posted_by=user,
    )
    cash = services.cash_to_pay_out(group, posted_on, today)
    if year_end.paid_out > cash:
        raise ValidationError(
            _("The fund holds only %(cash)s baht in cash: the share-out pays out %(amount)s baht.")
            % {"cash": format_baht(cash), "amount": format_baht(year_end.paid_out)},
            code="cash",
        )
    year_end.save()  # the group's row is locked: no other posting of the year can be under way
    rows = YearEndShare.objects.bulk_create(
        YearEndShare(
            year_end=year_end,
            member=share.member,
            savings_months=share.savings_months,
            interest_paid=share.interest_paid,
            dividend=share.dividend,
            interest_refund=share.interest_refund,
        )
        for share in figures.shares
    )
    if shares_paid_as == ShareOut.SAVINGS:
        services.entries_post(
            entries=[
                LedgerEntry(
                    group=group,
                    member=row.member,
                    kind=EntryKind.DEPOSIT,
                    month=month_start(posted_on),
                    date=posted_on,
                    amount=row.total,
                    share=row,
                    posted_by=user,
                )
                for row in rows
                if row.total > 0
            ]
        )
    return year_end


def average_balance(share: Share, months: int) -> Decimal:
    """A member's average balance over the year: their savings-months over the year's months."""
    return to_satang(share.savings_months / months)

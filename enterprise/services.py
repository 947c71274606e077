"""Writes to the enterprise's capital and cash book. Each function runs in one transaction and
posts every row it was asked to or none."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from groups.models import EntryKind, LedgerEntry, SavingsGroup
from groups.selectors import LEVY_RATE
from songkhla_network.thai import be_month, format_baht, to_satang

from .models import CashEntry, CashKind, Donation, LevyLine, LevyPosting

ZERO = Decimal("0.00")


@transaction.atomic
def donation_post(*, donor, donor_detail, date, amount, purpose, user):
    """Record a donation and the money it brought into the cash book."""
    donation = Donation.objects.create(
        donor=donor, donor_detail=donor_detail, date=date, amount=amount, purpose=purpose, posted_by=user
    )
    CashEntry.objects.create(
        date=date,
        kind=CashKind.DONATION,
        amount=amount,
        description=_("Donation from %(donor)s") % {"donor": donor},
        donation=donation,
        posted_by=user,
    )
    return donation


@dataclass
class LevyDue:
    group: SavingsGroup
    deposits: Decimal = ZERO  # net deposits for the months, in the savings ledger now
    levied: Decimal = ZERO  # deposits earlier postings already levied
    by_month: dict = field(default_factory=dict)  # month -> deposits not yet levied

    @property
    def outstanding(self):
        return self.deposits - self.levied

    @property
    def levy(self):
        return sum((to_satang(d * LEVY_RATE) for d in self.by_month.values()), ZERO)


def levy_due(first, last):
    """Per group, for the months first..last: net deposits in the savings ledger now, what earlier
    postings levied, and per month what is still to levy (negative where a deposit was reversed
    after its month was levied). Two queries."""
    now = (
        LedgerEntry.objects.filter(kind=EntryKind.DEPOSIT, month__range=(first, last))
        .order_by()
        .values_list("group", "month")
        .annotate(total=Sum("amount"))
    )
    before = (
        LevyLine.objects.filter(month__range=(first, last))
        .order_by()
        .values_list("group", "month")
        .annotate(total=Sum("deposits"))
    )
    levied = {(g, m): t for g, m, t in before}
    groups = {g.pk: g for g in SavingsGroup.objects.select_related("community")}
    dues = {}
    for group_id, month, total in now:
        due = dues.setdefault(group_id, LevyDue(group=groups[group_id]))
        due.deposits += total
        already = levied.pop((group_id, month), ZERO)
        due.levied += already
        if total != already:
            due.by_month[month] = total - already
    for (group_id, month), already in levied.items():  # every deposit of the month reversed since
        due = dues.setdefault(group_id, LevyDue(group=groups[group_id]))
        due.levied += already
        if already:
            due.by_month[month] = -already
    return sorted(dues.values(), key=lambda d: d.group.name)


@transaction.atomic
def levy_post(*, first, last, date, user):
    """Post the 5 % levy on the deposits of first..last not levied yet. Posting months already
    levied in full is refused; after a correction of a deposit only the difference is posted.
    Postings run one at a time (a lock on the groups), so two leaders cannot levy a month twice."""
    list(SavingsGroup.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
    dues = [d for d in levy_due(first, last) if d.by_month]
    if not dues:
        raise ValidationError(
            _("The levy for %(first)s – %(last)s has already been posted in full: there is nothing new to post.")
            % {"first": be_month(first), "last": be_month(last)},
            code="already_posted",
        )
    total = sum((d.levy for d in dues), ZERO)
    if total <= 0:
        raise ValidationError(
            _("Deposits for these months were reversed after the levy was posted: the levy would go down by %(amount)s baht. Reverse the levy posting in the cash book and post it again.")
            % {"amount": format_baht(-total)},
            code="levy_decrease",
        )
    posting = LevyPosting.objects.create(first_month=first, last_month=last, posted_by=user)
    LevyLine.objects.bulk_create(
        LevyLine(posting=posting, group=d.group, month=month, deposits=deposits, levy=to_satang(deposits * LEVY_RATE))
        for d in dues
        for month, deposits in sorted(d.by_month.items())
    )
    CashEntry.objects.create(
        date=date,
        kind=CashKind.LEVY,
        amount=total,
        description=_("5 %% levy on savings deposits, %(first)s – %(last)s")
        % {"first": be_month(first), "last": be_month(last)},
        levy_posting=posting,
        posted_by=user,
    )
    return posting


@transaction.atomic
def cash_reverse(*, entry, date, reason, user):
    """Undo a cash book row with one of opposite amount that points to it and says why."""
    entry = CashEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.is_reversal:
        raise ValidationError(_("A reversal cannot itself be reversed; post a new row instead."))
    if CashEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This row was already reversed."), code="already_reversed")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the row is reversed.")})
    if date < entry.date:
        raise ValidationError({"date": _("A reversal cannot be dated before the row it reverses.")})
    undo = None
    if entry.levy_posting_id:
        # Reversing a levy posting frees its months to be posted again: the negative of each of its
        # lines goes into a posting of its own, which this reversal row carries.
        original = entry.levy_posting
        undo = LevyPosting.objects.create(first_month=original.first_month, last_month=original.last_month, posted_by=user)
        LevyLine.objects.bulk_create(
            LevyLine(posting=undo, group_id=line.group_id, month=line.month, deposits=-line.deposits, levy=-line.levy)
            for line in original.lines.all()
        )
    return CashEntry.objects.create(
        date=date,
        kind=entry.kind,
        amount=-entry.amount,
        description=_("Reversal: %(description)s") % {"description": entry.description},
        reverses=entry,
        reason=reason.strip(),
        levy_posting=undo,
        posted_by=user,
    )


def cash_balance(as_of=None):
    rows = CashEntry.objects.all() if as_of is None else CashEntry.objects.filter(date__lte=as_of)
    return rows.aggregate(total=Sum("amount"))["total"] or ZERO

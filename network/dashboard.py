"""The network at a glance, for the home page of leaders and staff: savings groups, the
enterprise, housing and railway-land rent as the records stand on a day, each figure taken from
the selector its own page uses, so the dashboard and the page behind each block always agree.
A fixed number of queries, whatever the number of groups, members, households or tenancies.

Like the CODI report, this module sits on top of the program areas and reads all four of them."""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from enterprise.selectors import statement as enterprise_statement
from groups.models import ACTIVE_STATUSES, GroupStatus, LedgerEntry, Member, SavingsGroup
from groups.selectors import current_statuses, deposits_by_month
from housing import selectors as housing_selectors
from housing.models import Proposal, Step
from rent_collection import selectors as rent_selectors
from songkhla_network.charts import GREEN, RED, Series, bar_chart
from songkhla_network.thai import add_months, be_month_short, month_range, month_start

ZERO = Decimal("0.00")
# The order of the network's report: groups working, then those on the way, then those asleep.
STATUS_ORDER = [GroupStatus.FOUNDED, GroupStatus.REVIVED, GroupStatus.FORMING, GroupStatus.DORMANT]
MONTHS = 12  # how far back the charts look, the current month included
# The enterprise's figures run "since the beginning": no record is older than this.
BEGINNING = datetime.date(1, 1, 1)


@dataclass
class Savings:
    by_status: list  # [(status, label, groups)] for every status, in STATUS_ORDER
    members: int  # members who have not left, in every group
    balance: Decimal  # every group's savings now: the sum of all ledger rows
    deposits: list  # [(month, deposits for the month)], the last MONTHS months
    chart: object

    @property
    def active_groups(self):
        return sum(n for status, _label, n in self.by_status if status in ACTIVE_STATUSES)


@dataclass
class Enterprise:
    statement: object  # enterprise.selectors.Statement from the first record to the day

    @property
    def cash(self):
        return self.statement.closing_cash

    @property
    def members_saved(self):
        return self.statement.members_saved

    @property
    def stock_value(self):
        return self.statement.stock_value

    @property
    def capital_in(self):
        return self.statement.capital_in


@dataclass
class Housing:
    households: int
    by_status: list  # [(step, label, households)] for the steps some household is at now
    proposed: int  # households named in at least one proposal
    proposals: int


@dataclass
class Rent:
    arrears: object  # rent_collection.selectors.ArrearsRow of the whole network on the day
    months: list  # rent_collection.selectors.MonthProgress of the network, the last MONTHS months
    cash: list  # rent_collection.selectors.CashInHand per collector
    expiring: list  # letters about to expire, soonest first
    chart: object  # None when no tenancy is recorded

    @property
    def collected(self):
        """Rent collected over the chart's months."""
        return sum((m.collected for m in self.months), ZERO)

    @property
    def in_hand(self):
        return sum((row.in_hand for row in self.cash), ZERO)

    @property
    def collectors_holding(self):
        return sum(1 for row in self.cash if row.in_hand)

    @property
    def oldest_waiting_days(self):
        """Days the oldest receipt not yet remitted to CODI has waited, whoever holds it."""
        return max((row.days_waiting for row in self.cash if row.days_waiting is not None), default=None)


@dataclass
class Dashboard:
    today: datetime.date
    first_month: datetime.date  # the first of the charts' months
    savings: Savings
    enterprise: Enterprise
    housing: Housing
    rent: Rent


def dashboard(today):
    """The dashboard as the records stand on `today`."""
    first_month = add_months(month_start(today), -(MONTHS - 1))
    return Dashboard(
        today=today,
        first_month=first_month,
        savings=_savings(first_month, today),
        enterprise=Enterprise(statement=enterprise_statement(BEGINNING, today)),
        housing=_housing(),
        rent=_rent(first_month, today),
    )


def _savings(first_month, today):
    months = list(month_range(first_month, month_start(today)))
    statuses = current_statuses(SavingsGroup.objects.all())
    counts = Counter(change.status for change in statuses.values())
    by_month = deposits_by_month(months[0], months[-1])
    deposits = [(month, by_month.get(month, ZERO)) for month in months]
    chart = bar_chart(
        _("Savings deposits by month"),
        [be_month_short(month) for month in months],
        [Series(_("deposits for the month"), GREEN, [amount for _month, amount in deposits])],
    )
    return Savings(
        by_status=[(status, status.label, counts.get(status, 0)) for status in STATUS_ORDER],
        members=Member.objects.filter(left_on__isnull=True).count(),
        balance=LedgerEntry.objects.aggregate(t=Sum("amount"))["t"] or ZERO,
        deposits=deposits,
        chart=chart,
    )


def _housing():
    counts = housing_selectors.households_by_step()
    proposals = Proposal.objects.aggregate(
        proposals=Count("id", distinct=True), households=Count("households", distinct=True)
    )
    return Housing(
        households=sum(counts.values()),
        by_status=[(value, label, counts[value]) for value, label in Step.choices if counts.get(value)],
        proposed=proposals["households"],
        proposals=proposals["proposals"],
    )


def _rent(first_month, today):
    progress = rent_selectors.progress_by_month(first_month, today)
    chart = None
    if any(m.tenancies for m in progress.total):
        chart = bar_chart(
            _("Rent collected in each month against the arrears outstanding at its end"),
            [be_month_short(m.month) for m in progress.total],
            [
                Series(_("collected in the month"), GREEN, [m.collected for m in progress.total]),
                Series(_("arrears at the month's end"), RED, [m.arrears for m in progress.total]),
            ],
        )
    return Rent(
        arrears=rent_selectors.arrears_summary(today).total,
        months=progress.total,
        cash=rent_selectors.cash_in_hand(today),
        expiring=rent_selectors.letters_expiring(today),
        chart=chart,
    )

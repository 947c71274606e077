"""The network at a glance, for the home page of leaders and staff: savings groups, the
enterprise, housing and railway-land rent as the records stand on a day. The figures the CODI
report shows too come from the same sections (network/sections.py); the rest from the selector
the page behind each block uses, so the dashboard and that page always agree. A fixed number of
queries, whatever the number of groups, members, households or tenancies.

Like the CODI report, this module sits on top of the program areas and reads all of them."""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from groups.models import ACTIVE_STATUSES, GroupStatus
from groups.selectors import Portfolio, current_statuses
from housing import selectors as housing_selectors
from rent_collection import selectors as rent_selectors
from rent_collection.models import CodiLetter
from rent_collection.selectors import CashInHand
from songkhla_network.charts import GREEN, BarChart, Series, bar_chart
from songkhla_network.thai import add_months, be_month_short, month_start

from .sections import (
    EnterpriseSection,
    FundsSection,
    HousingSection,
    RentSection,
    SavingsSection,
    enterprise_section,
    funds_section,
    housing_section,
    rent_chart,
    rent_section,
    savings_section,
)

ZERO = Decimal("0.00")
# The order of the network's report: groups working, then those on the way, then those asleep.
STATUS_ORDER = [GroupStatus.FOUNDED, GroupStatus.REVIVED, GroupStatus.FORMING, GroupStatus.DORMANT]
MONTHS = 12  # how far back the charts look, the current month included
# The enterprise's figures run "since the beginning": no record is older than this.
BEGINNING = datetime.date(1, 1, 1)


class StatusCount(NamedTuple):
    status: GroupStatus
    label: str
    groups: int


@dataclass
class Dashboard:
    today: datetime.date
    first_month: datetime.date  # the first of the charts' months

    savings: SavingsSection  # the charts' months, to the end of this one
    groups_by_status: list[StatusCount]  # every group by its status now, every status in STATUS_ORDER
    deposits_chart: BarChart
    funds: FundsSection  # the groups' loans today, and the welfare they paid since first_month

    enterprise: EnterpriseSection  # from the first record to today

    housing: HousingSection  # today
    proposals: int
    households_proposed: int  # households named in at least one proposal

    rent: RentSection  # the charts' months, arrears today
    rent_chart: BarChart | None  # None when no tenancy is recorded
    cash: list[CashInHand]  # per collector, today
    letters_expiring: list[CodiLetter]  # soonest first

    @property
    def loans(self) -> Portfolio:
        """Every group's loans today: outstanding and PAR30."""
        return self.funds.loans

    @property
    def active_groups(self) -> int:
        return sum(row.groups for row in self.groups_by_status if row.status in ACTIVE_STATUSES)

    @property
    def in_hand(self) -> Decimal:
        """Rent the collectors hold, not yet remitted to CODI."""
        return sum((row.in_hand for row in self.cash), ZERO)

    @property
    def collectors_holding(self) -> int:
        return sum(1 for row in self.cash if row.in_hand)

    @property
    def oldest_waiting_days(self) -> int | None:
        """Days the oldest receipt not yet remitted to CODI has waited, whoever holds it."""
        return max((row.days_waiting for row in self.cash if row.days_waiting is not None), default=None)


def dashboard(today: datetime.date) -> Dashboard:
    """The dashboard as the records stand on `today`."""
    this_month = month_start(today)
    first_month = add_months(this_month, -(MONTHS - 1))
    savings = savings_section(first_month, this_month, levy=False)  # the dashboard shows no levy
    rent = rent_section(first_month, today)
    proposals, households_proposed = housing_selectors.proposal_counts()
    return Dashboard(
        today=today,
        first_month=first_month,
        savings=savings,
        groups_by_status=_groups_by_status(),
        funds=funds_section(first_month, today),
        deposits_chart=bar_chart(
            _("Savings deposits by month"),
            [be_month_short(row.month) for row in savings.by_month],
            [Series(_("deposits for the month"), GREEN, [row.deposits for row in savings.by_month])],
        ),
        enterprise=enterprise_section(BEGINNING, today, with_levy_owed=False),
        housing=housing_section(today),
        proposals=proposals,
        households_proposed=households_proposed,
        rent=rent,
        rent_chart=rent_chart(rent, _("Rent collected in each month against the arrears outstanding at its end")),
        cash=rent_selectors.cash_in_hand(today),
        letters_expiring=rent_selectors.letters_expiring(today),
    )


def _groups_by_status() -> list[StatusCount]:
    counts = Counter(change.status for change in current_statuses().values())
    return [StatusCount(status, str(status.label), counts.get(status, 0)) for status in STATUS_ORDER]

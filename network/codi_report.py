"""The network's progress report to CODI (พอช.) for a period of months, computed from the records
when it is asked for, every figure as of the period's last day (from the rows dated up to it, so
the report of a closed period is the same whenever it is produced): savings groups, the
enterprise, housing, railway-land rent and community works, in the order of the network's own
report (../shared/seed). Each figure says what it counts by — the day money was paid, or the
month a saving is for — and no table mixes the two. The same figures feed the PDF,
the Excel workbook and the page staff preview them on. The figures the dashboard shows too come
from the same sections (network/sections.py). A fixed number of queries, whatever the size of the
network.

This module sits on top of the program areas and reads all of them."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from enterprise.selectors import DonationLine, LiquidLedger, RoundSaving, donation_lines, round_savings
from groups.selectors import Portfolio, StatusCounts, status_counts
from housing import selectors as housing_selectors
from housing.models import Household, Proposal
from rent_collection import selectors as rent_selectors
from rent_collection.models import LetterCollector
from rent_collection.selectors import Reconciliation
from songkhla_network.charts import BLUE, GREEN, BarChart, Series, bar_chart
from songkhla_network.excel import add_sheet, new_workbook
from songkhla_network.thai import baht_words, be_date, be_month_short, month_end, month_start

from .sections import (
    EnterpriseSection,
    FundsSection,
    HousingSection,
    RentSection,
    SavingsSection,
    WorksSection,
    enterprise_section,
    funds_section,
    housing_section,
    rent_chart,
    rent_section,
    savings_section,
    works_section,
)

ZERO = Decimal("0.00")


class MonthSavings(NamedTuple):
    month: datetime.date
    deposits: Decimal  # the network's deposits for the month
    balance: Decimal  # every group's savings at the month's end


@dataclass
class CodiReport:
    first: datetime.date  # the first day of the first month
    last: datetime.date  # the last day of the last month
    issued: datetime.date

    savings: SavingsSection
    funds: FundsSection  # the groups' loans at the period's end, and the welfare they paid in it
    status: StatusCounts  # groups founded and revived in the period, and still forming at its end
    month_ends: list[MonthSavings]
    deposits_chart: BarChart

    enterprise: EnterpriseSection  # as of the period's end
    donations: list[DonationLine]  # received in the period, and reversals dated in it
    rounds: list[RoundSaving]  # rounds picked up in the period

    housing: HousingSection  # at the period's end
    surveyed_in_period: int
    proposal: Proposal | None  # the latest dated by the period's end
    proposal_summary: dict[str, Any] | None  # housing.selectors.summary of its households

    rent: RentSection
    rent_chart: BarChart | None
    assignments: list[LetterCollector]  # collectors named by a letter valid some day in the period
    reconciliation: Reconciliation

    works: WorksSection

    @property
    def loans(self) -> Portfolio:
        """The groups' loans at the period's end: outstanding and PAR30."""
        return self.funds.loans

    @property
    def donated(self) -> Decimal:
        """Donations received in the period, less those reversed in it: the statement's."""
        return sum((d.amount for d in self.donations), ZERO)

    @property
    def batches(self) -> list[LiquidLedger]:
        """The liquids with a batch made or reversed in the period, by name."""
        return [liquid for liquid in self.enterprise.statement.liquids if liquid.batches or liquid.batches_reversed]

    @property
    def saved(self) -> Decimal:
        """What members saved against retail prices on the period's rounds."""
        return sum((r.saved for r in self.rounds), ZERO)


def codi_report(first_month: datetime.date, last_month: datetime.date, *, issued: datetime.date) -> CodiReport:
    """The report for the months `first_month`..`last_month` (any day of each), as of the last
    month's last day."""
    first, last = month_start(first_month), month_end(last_month)
    savings = savings_section(first, last)  # the savings, the deposits of each month and the levy
    month_ends = _month_ends(savings)
    rent = rent_section(first, last)
    proposal = Proposal.objects.filter(date__lte=last).order_by("-date", "-id").first()
    return CodiReport(
        first=first,
        last=last,
        issued=issued,
        savings=savings,
        funds=funds_section(first, last),
        status=status_counts(first, month_start(last)),
        month_ends=month_ends,
        deposits_chart=bar_chart(
            _("Savings deposits by month, and the groups' balance at each month's end"),
            [be_month_short(row.month) for row in month_ends],
            [
                Series(
                    _("deposits for the month, by the month a saving is for"),
                    GREEN,
                    [row.deposits for row in month_ends],
                ),
                Series(_("balance at the month's end, by payment date"), BLUE, [row.balance for row in month_ends]),
            ],
        ),
        enterprise=enterprise_section(first, last),
        donations=donation_lines(first, last),
        rounds=round_savings(first, last),
        housing=housing_section(last),
        surveyed_in_period=Household.objects.filter(surveyed_on__range=(first, last)).count(),
        proposal=proposal,
        proposal_summary=None
        if proposal is None
        else housing_selectors.summary(housing_selectors.proposal_households(proposal, as_of=last)),
        rent=rent,
        rent_chart=rent_chart(
            rent, _("Railway-land rent: collected in each month against the arrears outstanding at its end")
        ),
        assignments=list(
            LetterCollector.objects.filter(letter__valid_from__lte=last, letter__valid_to__gte=first)
            .select_related("letter", "collector")
            .prefetch_related("communities")
            .order_by("collector__first_name", "letter__valid_from")
        ),
        reconciliation=rent_selectors.reconciliation(first, last),
        works=works_section(first, last),
    )


def _month_ends(savings: SavingsSection) -> list[MonthSavings]:
    """Each month's deposits (the section's, by the month a saving is for) and every group's
    savings at its end (by payment date, from the month-end balances the section read). No query."""
    balances = dict(savings.money.month_ends())
    return [MonthSavings(row.month, row.deposits, balances[row.month]) for row in savings.by_month]


def codi_report_workbook(report: CodiReport) -> Workbook:
    """The report's tables as an Excel workbook, a sheet per table."""
    s, e, h, r, w = report.savings, report.enterprise, report.housing, report.rent, report.works
    workbook = new_workbook()
    period = f"{be_month_short(report.first)} – {be_month_short(report.last)}"
    add_sheet(
        workbook,
        _("Summary"),
        [_("Progress report of the Songkhla City Development Network, Songkhla City Municipality"), period],
        [
            (_("Savings groups founded in the period"), len(report.status.founded)),
            (_("Communities with a group founded in the period"), report.status.founded_communities),
            (_("Groups revived"), len(report.status.revived)),
            (_("Groups still forming"), len(report.status.forming)),
            (_("Members"), s.members),
            # The savings' ledger, by payment date: brought forward + in − out = at the end.
            (_("Savings brought forward at the start, by payment date (baht)"), s.money.opening),
            (_("Paid in during the period, by payment date (baht)"), s.money.deposits),
            (_("Paid out during the period, by payment date (baht)"), s.money.withdrawals),
            (_("Savings at the end of the period, by payment date (baht)"), s.balance),
            (_("Growth over the period (baht)"), s.growth),
            (_("Deposits for the period's months, by the month a saving is for (baht)"), s.money.saved_for_months),
            (_("Loans outstanding at the end: principal still owed (baht)"), report.loans.outstanding),
            (
                _("Portfolio at risk at the end (PAR30: loans more than 30 days late, percent of outstanding)"),
                "—" if report.loans.par30 is None else report.loans.par30,
            ),
            (_("Welfare paid to members in the period, by payment date (baht)"), report.funds.welfare_paid),
            (_("Donations, less those reversed (baht)"), report.donated),
            # xgettext:no-python-format — "5 % l" is no placeholder: nothing is put into this string
            (_("5 % levy owed on the period's deposits, by the month a saving is for (baht)"), e.levy_owed),
            (
                # xgettext:no-python-format — "5 % l" is no placeholder: nothing is put into this string
                _("5 % levy posted into the enterprise's cash in the period, by the date of posting (baht)"),
                e.levy_posted,
            ),
            (_("Members saved on buying rounds (baht)"), report.saved),
            (_("Enterprise cash at the end (baht)"), e.cash),
            (_("Enterprise stock at cost at the end (baht)"), e.stock_value),
            (_("Households surveyed in the period"), report.surveyed_in_period),
            (_("Households in the survey"), h.households),
            (_("Rent collected in the period (baht)"), report.reconciliation.total.collected),
            (_("Rent remitted to CODI in the period (baht)"), report.reconciliation.total.remitted),
            (_("Rent in the collectors' hands at the end (baht)"), report.reconciliation.total.in_hand_after),
            (_("Rent arrears outstanding at the end (baht)"), r.arrears.total.arrears),
            (_("Community works under way"), len(w.works)),
            (_("Awards won in the period"), w.awards),
        ],
    )
    add_sheet(
        workbook,
        _("Savings, by payment date"),
        [_("group"), _("community"), _("Members"), _("Brought forward"), _("In"), _("Out"), _("Balance at the end")],
        [
            (g.group.name, g.group.community.name, g.members, g.opening, g.deposits, g.withdrawals, g.closing)
            for g in s.money.groups
        ],
        money_columns=(4, 5, 6, 7),
    )
    # One table counts by the month a saving is for, the other by payment date: never both in one.
    add_sheet(
        workbook,
        _("Deposits by month"),
        [_("month"), _("deposits for the month, by the month a saving is for")],
        [(be_month_short(row.month), row.deposits) for row in report.month_ends],
        money_columns=(2,),
    )
    add_sheet(
        workbook,
        _("Month-end balances"),
        [_("month"), _("balance at the month's end, by payment date")],
        [(be_month_short(row.month), row.balance) for row in report.month_ends],
        money_columns=(2,),
    )
    add_sheet(
        workbook,
        _("Loans by group"),
        [_("group"), _("Loans outstanding (baht)"), _("More than 30 days late (percent)")],
        [(row.group.name, row.loans.outstanding, row.loans.par30) for row in report.funds.by_group],
        money_columns=(2, 3),  # the percent with its two decimals too
    )
    add_sheet(
        workbook,
        _("Donations"),
        [_("donor"), _("date"), _("amount"), _("in words"), _("reversal")],
        [
            (
                d.donation.donor,
                be_date(d.date),
                d.amount,
                baht_words(abs(d.amount)),
                (
                    _("reverses the donation of %(date)s: %(reason)s")
                    % {"date": be_date(d.donation.date), "reason": d.reversal.reason}
                    if d.reversal
                    else ""
                ),
            )
            for d in report.donations
        ],
        money_columns=(3,),
    )
    add_sheet(
        workbook,
        _("Buying rounds"),
        [_("round"), _("pick-up"), _("At member prices"), _("At retail prices"), _("Members saved")],
        [(x.round.title, be_date(x.round.pickup_on), x.at_member_price, x.at_retail, x.saved) for x in report.rounds],
        money_columns=(3, 4, 5),
    )
    add_sheet(
        workbook,
        _("Production"),
        [_("liquid"), _("Batches"), _("Litres"), _("Shared or sold"), _("Litres at the end"), _("Cost of materials")],
        [(x.recipe.name, x.batches_net, x.made_net, x.sold, x.closing, x.cost) for x in report.batches],
        money_columns=(6,),
    )
    add_sheet(
        workbook, _("Housing"), [_("status"), _("Households")], [(row.label, row.households) for row in h.by_status]
    )
    add_sheet(
        workbook,
        _("Rent collectors"),
        [_("collector"), _("CODI letter"), _("valid from"), _("valid to"), _("Communities")],
        [
            (
                a.collector.get_full_name() or a.collector.username,
                a.letter.number,
                be_date(a.letter.valid_from),
                be_date(a.letter.valid_to),
                ", ".join(c.name for c in a.communities.all()),
            )
            for a in report.assignments
        ],
    )
    add_sheet(
        workbook,
        _("Rent arrears"),
        [_("community"), _("Households"), pgettext("rent", "In arrears"), _("Arrears outstanding")],
        [
            (row.community.name if row.community else "", row.tenancies, row.in_arrears, row.arrears)
            for row in r.arrears.communities
        ],
        money_columns=(4,),
    )
    add_sheet(
        workbook,
        _("Community works"),
        [_("community"), _("work"), _("started on"), _("unit"), _("Quantity in the period")],
        _works_rows(w),
    )
    add_sheet(
        workbook,
        _("Contests and awards"),
        [_("contest"), _("work"), _("community"), _("level"), _("date of judging"), _("place"), _("award")],
        [
            (
                c.contest.name,
                x.work.title,
                c.community.name,
                c.contest.get_level_display(),
                be_date(c.contest.date),
                x.rank,
                x.award,
            )
            for c in w.contests
            for x in c.entries
        ],
    )
    return workbook


def _works_rows(w: WorksSection) -> list[tuple[str, str, str, str, Decimal | None]]:
    """A row per work and unit recorded in the period; a work with nothing recorded, one row."""
    return [
        (work.community.name, work.title, be_date(work.started_on), unit, total)
        for work, quantities in w.works
        for unit, total in (quantities or NOTHING_RECORDED)
    ]


NOTHING_RECORDED: list[tuple[str, Decimal | None]] = [("", None)]

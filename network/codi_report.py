"""The network's progress report to CODI (พอช.) for a period of months, computed from the records
when it is asked for: savings groups, the enterprise, housing and railway-land rent, in the order
of the network's own report (../shared/seed). The same figures feed the PDF, the Excel workbook
and the page staff preview them on. A fixed number of queries, whatever the size of the network.

This module sits on top of the program areas and reads all of them."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from enterprise.models import Allocation, Batch, BuyingRound, Donation, LevyLine
from enterprise.selectors import statement as enterprise_statement
from groups.models import LedgerEntry
from groups.selectors import LEVY_RATE, deposits_by_month, network_money, status_counts
from housing import selectors as housing_selectors
from housing.models import Household, Proposal, Step
from rent_collection import selectors as rent_selectors
from rent_collection.models import LetterCollector, Tenancy
from songkhla_network.charts import BLUE, GREEN, RED, Series, bar_chart
from songkhla_network.excel import add_sheet, new_workbook
from songkhla_network.thai import baht_words, be_date, be_month_short, month_end, month_range, month_start, to_satang
from works import selectors as works_selectors
from works.models import Entry as ContestEntry
from works.models import Unit, Work

ZERO = Decimal("0.00")


@dataclass
class Savings:
    status: object  # groups.selectors.StatusCounts
    money: object  # groups.selectors.NetworkMoney over the period
    months: list  # [(month, deposits for the month, balance at its end)]

    @property
    def growth(self):
        return self.money.closing - self.money.opening


@dataclass
class RoundSaving:
    round: object
    at_member_price: Decimal
    at_retail: Decimal

    @property
    def saved(self):
        return self.at_retail - self.at_member_price


@dataclass
class Enterprise:
    donations: list
    levy_due: Decimal  # 5 % of the period's deposits
    levy_posted: Decimal  # levy lines posted for the period's months
    statement: object  # enterprise.selectors.Statement for the period
    rounds: list  # RoundSaving, rounds picked up in the period
    batches: list  # [(liquid, batches, litres, cost)]

    @property
    def donated(self):
        return sum((d.amount for d in self.donations), ZERO)

    @property
    def saved(self):
        return sum((r.saved for r in self.rounds), ZERO)


@dataclass
class Housing:
    surveyed_in_period: int
    households: int
    by_status: list  # [(label, count)] at the period's end
    proposal: object  # the latest proposal dated by the period's end, or None
    summary: dict | None  # housing.selectors.summary of its households


@dataclass
class Rent:
    assignments: list  # letter assignments valid some day in the period
    reconciliation: object  # rent_collection.selectors.Reconciliation
    arrears: object  # rent_collection.selectors.ArrearsSummary at the period's end
    progress: object  # rent_collection.selectors.Progress over the period


@dataclass
class ContestResult:
    """How a community's works fared in a contest judged in the period."""

    contest: object
    community: object
    entries: list

    @property
    def shared(self):
        """The entry whose result stands for all, when every work fared alike; else None."""
        return self.entries[0] if len({(e.rank, e.award) for e in self.entries}) == 1 else None

    @property
    def won(self):
        return any(e.has_result for e in self.entries)


@dataclass
class CommunityWorks:
    works: list  # [(work, [(unit label, total recorded in the period)])], works begun by the period's end
    contests: list  # ContestResult, by contest date

    @property
    def awards(self):
        return sum(1 for c in self.contests if c.won)


@dataclass
class CodiReport:
    first: datetime.date  # the first day of the first month
    last: datetime.date  # the last day of the last month
    issued: datetime.date
    savings: Savings
    enterprise: Enterprise
    housing: Housing
    rent: Rent
    works: CommunityWorks
    charts: dict = field(default_factory=dict)

    @property
    def months(self):
        return list(month_range(self.first, self.last))


def codi_report(first_month, last_month, *, issued):
    """The report for the months `first_month`..`last_month` (any day of each), as the records
    stand now."""
    first, last = month_start(first_month), month_end(last_month)
    money = network_money(first, month_start(last))  # read by the savings and the levy alike
    report = CodiReport(
        first=first,
        last=last,
        issued=issued,
        savings=_savings(first, last, money),
        enterprise=_enterprise(first, last, money),
        housing=_housing(first, last),
        rent=_rent(first, last),
        works=_works(first, last),
    )
    report.charts = _charts(report)
    return report


def _savings(first, last, money):
    deposits = deposits_by_month(first, last)
    moved = dict(
        LedgerEntry.objects.filter(date__range=(first, last))
        .order_by()
        .annotate(m=TruncMonth("date"))
        .values_list("m")
        .annotate(t=Sum("amount"))
        .values_list("m", "t")
    )
    balance, months = money.opening, []
    for month in month_range(first, last):
        balance += moved.get(month, ZERO)
        months.append((month, deposits.get(month, ZERO), balance))
    return Savings(status=status_counts(first, month_start(last)), money=money, months=months)


def _enterprise(first, last, money):
    saved = {
        row["order__item__round"]: row
        for row in Allocation.objects.filter(order__item__round__pickup_on__range=(first, last))
        .order_by()
        .values("order__item__round")
        .annotate(
            member=Sum(F("quantity") * F("order__item__member_price")),
            retail=Sum(F("quantity") * F("order__item__retail_price")),
        )
    }
    rounds = [
        RoundSaving(round=r, at_member_price=saved[r.pk]["member"] or ZERO, at_retail=saved[r.pk]["retail"] or ZERO)
        for r in BuyingRound.objects.filter(pk__in=saved).order_by("pickup_on", "id")
    ]
    batches = [
        (row["recipe__name"], row["n"], row["litres"], row["cost"])
        for row in Batch.objects.filter(date__range=(first, last))
        .order_by("recipe__name")
        .values("recipe__name")
        .annotate(n=Count("id"), litres=Sum("litres"), cost=Sum("cost"))
    ]
    return Enterprise(
        donations=list(Donation.objects.filter(date__range=(first, last)).order_by("date", "id")),
        levy_due=to_satang(money.deposits * LEVY_RATE),
        levy_posted=LevyLine.objects.filter(month__range=(first, last)).aggregate(t=Sum("levy"))["t"] or ZERO,
        statement=enterprise_statement(first, last),
        rounds=rounds,
        batches=batches,
    )


def _housing(first, last):
    counts = housing_selectors.households_by_step(as_of=last)
    proposal = Proposal.objects.filter(date__lte=last).order_by("-date", "-id").first()
    summary = None
    if proposal is not None:
        summary = housing_selectors.summary(list(proposal.households.select_related("community", "member")))
    return Housing(
        surveyed_in_period=Household.objects.filter(surveyed_on__range=(first, last)).count(),
        households=sum(counts.values()),
        by_status=[(str(label), counts[value]) for value, label in Step.choices if counts.get(value)],
        proposal=proposal,
        summary=summary,
    )


def _rent(first, last):
    assignments = list(
        LetterCollector.objects.filter(letter__valid_from__lte=last, letter__valid_to__gte=first)
        .select_related("letter", "collector")
        .prefetch_related("communities")
        .order_by("collector__first_name", "letter__valid_from")
    )
    recorded = Tenancy.objects.filter(opening_on__lte=last)  # arrears known by the period's end
    return Rent(
        assignments=assignments,
        reconciliation=rent_selectors.reconciliation(first, last),
        arrears=rent_selectors.arrears_summary(last, communities=recorded.values("community"))
        if recorded.exists()
        else None,
        progress=rent_selectors.progress_by_month(first, last, communities=recorded.values("community")),
    )


def _works(first, last):
    """Works begun by the period's end with what they recorded in it, and how the communities'
    works fared in the contests judged in it. Three queries."""
    order = {value: index for index, value in enumerate(Unit.values)}
    labels = dict(Unit.choices)
    recorded = {}
    # quantities_in gives community and work by name: a community does not give two works one name.
    for row in sorted(works_selectors.quantities_in(first, last), key=lambda row: order.get(row["unit"], len(order))):
        key = (row["work__community__name"], row["work__title"])
        recorded.setdefault(key, []).append((str(labels.get(row["unit"], row["unit"])), row["total"]))
    works = [
        (work, recorded.get((work.community.name, work.title), []))
        for work in Work.objects.filter(started_on__lte=last)
        .select_related("community")
        .order_by("community__name", "started_on", "id")
    ]
    contests = {}
    for entry in (
        ContestEntry.objects.filter(contest__date__range=(first, last))
        .select_related("contest", "work__community")
        .order_by("contest__date", "contest_id", "work__community__name", "work__started_on", "id")
    ):
        key = (entry.contest_id, entry.work.community_id)
        contests.setdefault(
            key, ContestResult(contest=entry.contest, community=entry.work.community, entries=[])
        ).entries.append(entry)
    return CommunityWorks(works=works, contests=list(contests.values()))


def _charts(report):
    labels = [be_month_short(m) for m in report.months]
    progress = report.rent.progress.total
    return {
        "deposits": bar_chart(
            _("Savings deposits by month, and the groups' balance at each month's end"),
            labels,
            [
                Series(_("deposits for the month"), GREEN, [d for _m, d, _b in report.savings.months]),
                Series(_("balance at the month's end"), BLUE, [b for _m, _d, b in report.savings.months]),
            ],
        ),
        "rent": bar_chart(
            _("Railway-land rent: collected in each month against the arrears outstanding at its end"),
            labels,
            [
                Series(_("collected in the month"), GREEN, [m.collected for m in progress]),
                Series(_("arrears at the month's end"), RED, [m.arrears for m in progress]),
            ],
        )
        if any(m.tenancies for m in progress)
        else None,
    }


def codi_report_workbook(report):
    """The report's tables as an Excel workbook, a sheet per table."""
    s, e, h, r, w = report.savings, report.enterprise, report.housing, report.rent, report.works
    workbook = new_workbook()
    period = f"{be_month_short(report.first)} – {be_month_short(report.last)}"
    add_sheet(
        workbook,
        _("Summary"),
        [_("Progress report of the Songkhla City Development Network, Songkhla City Municipality"), period],
        [
            (_("Savings groups founded in the period"), len(s.status.founded)),
            (_("Communities with a group founded in the period"), s.status.founded_communities),
            (_("Groups revived"), len(s.status.revived)),
            (_("Groups still forming"), len(s.status.forming)),
            (_("Members"), s.money.members),
            (_("Deposits at the end of the period (baht)"), s.money.closing),
            (_("Growth over the period (baht)"), s.growth),
            (_("Donations (baht)"), e.donated),
            (_("5 % levy on the period's deposits (baht)"), e.levy_due),
            (_("Members saved on buying rounds (baht)"), e.saved),
            (_("Enterprise cash at the end (baht)"), e.statement.closing_cash),
            (_("Enterprise stock at cost at the end (baht)"), e.statement.stock_value),
            (_("Households surveyed in the period"), h.surveyed_in_period),
            (_("Households in the survey"), h.households),
            (_("Rent collected in the period (baht)"), r.reconciliation.total.collected),
            (_("Rent remitted to CODI in the period (baht)"), r.reconciliation.total.remitted),
            (_("Rent in the collectors' hands at the end (baht)"), r.reconciliation.total.in_hand_after),
            (_("Rent arrears outstanding at the end (baht)"), r.arrears.total.arrears if r.arrears else ZERO),
            (_("Community works under way"), len(w.works)),
            (_("Awards won in the period"), w.awards),
        ],
    )
    add_sheet(
        workbook,
        _("Savings groups"),
        [
            _("group"),
            _("community"),
            _("Members"),
            _("Balance at the start"),
            _("Deposits in the period"),
            _("Balance at the end"),
        ],
        [(g.group.name, g.group.community.name, g.members, g.opening, g.deposits, g.closing) for g in s.money.groups],
        money_columns=(4, 5, 6),
    )
    add_sheet(
        workbook,
        _("Deposits by month"),
        [_("month"), _("deposits for the month"), _("balance at the month's end")],
        [(be_month_short(m), d, b) for m, d, b in s.months],
        money_columns=(2, 3),
    )
    add_sheet(
        workbook,
        _("Donations"),
        [_("donor"), _("date received"), _("amount"), _("in words")],
        [(d.donor, be_date(d.date), d.amount, baht_words(d.amount)) for d in e.donations],
        money_columns=(3,),
    )
    add_sheet(
        workbook,
        _("Buying rounds"),
        [_("round"), _("pick-up"), _("At member prices"), _("At retail prices"), _("Members saved")],
        [(x.round.title, be_date(x.round.pickup_on), x.at_member_price, x.at_retail, x.saved) for x in e.rounds],
        money_columns=(3, 4, 5),
    )
    add_sheet(
        workbook,
        _("Production"),
        [_("liquid"), _("Batches"), _("Litres"), _("Cost of materials")],
        e.batches,
        money_columns=(4,),
    )
    add_sheet(workbook, _("Housing"), [_("status"), _("Households")], h.by_status)
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
            for a in r.assignments
        ],
    )
    add_sheet(
        workbook,
        _("Rent arrears"),
        [_("community"), _("Households"), pgettext("rent", "In arrears"), _("Arrears outstanding")],
        [
            (row.community.name, row.tenancies, row.in_arrears, row.arrears)
            for row in (r.arrears.communities if r.arrears else [])
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


def _works_rows(w):
    """A row per work and unit recorded in the period; a work with nothing recorded, one row."""
    return [
        (work.community.name, work.title, be_date(work.started_on), unit, total)
        for work, quantities in w.works
        for unit, total in (quantities or [("", None)])
    ]

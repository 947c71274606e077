"""The sections the dashboard and the progress report to CODI are both built from. Each is one
area's figures for a period (or on a day), read through that area's selectors by one function, so
a figure both pages show — the members and their savings, the deposits of each month, the
enterprise's cash and stock, the households at each step, the rent arrears and what was collected
each month, the loans outstanding and at risk, the welfare paid — is computed once, the same
way, whichever page shows it. The community works are a section of the report alone.

What only one page shows and must read apart (the report's donations and buying rounds, the
dashboard's letters about to expire) that page reads itself, beside its sections: the dashboard
must stay light, and its fixed number of queries is checked.

A fixed number of queries per section, whatever the size of the network."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from enterprise.selectors import Statement
from enterprise.selectors import statement as enterprise_statement
from groups.models import SavingsGroup
from groups.selectors import NetworkMoney, Portfolio, loan_portfolios, network_money, welfare_paid
from housing import selectors as housing_selectors
from housing.models import Step
from rent_collection import selectors as rent_selectors
from rent_collection.selectors import ArrearsSummary, MonthProgress
from songkhla_network import sql
from songkhla_network.charts import GREEN, RED, BarChart, Series, bar_chart
from songkhla_network.models import Community
from songkhla_network.thai import be_month_short, month_range, month_start
from works import selectors as works_selectors
from works.models import Contest, Unit, Work
from works.models import Entry as ContestEntry

ZERO = Decimal("0.00")


# Savings groups.


class MonthDeposits(NamedTuple):
    month: datetime.date
    deposits: Decimal  # the network's deposits for the month, net of reversals


@dataclass
class SavingsSection:
    """The savings groups over whole months, per group and in total (groups.selectors.network_money):
    the members and the balance at the end of the last month, the balance before the first, the
    deposits for the months and the 5 % levy they owe, and the network's deposits for each month.
    Deposits count by the month a saving is for; balances by the date a row was posted. Read from
    the month-end balances, never the ledger's rows, so the cost does not grow with the ledger."""

    money: NetworkMoney

    @property
    def first(self) -> datetime.date:
        return self.money.first

    @property
    def last(self) -> datetime.date:
        return self.money.last

    @property
    def members(self) -> int:
        """Members of a group at the end of the last month."""
        return self.money.members

    @property
    def balance(self) -> Decimal:
        """Every group's savings at the end of the last month."""
        return self.money.closing

    @property
    def growth(self) -> Decimal:
        return self.money.closing - self.money.opening

    @property
    def levy(self) -> Decimal:
        """The levy the period's deposits owe the enterprise (groups.selectors.levy_owed)."""
        return self.money.levy

    @property
    def by_month(self) -> list[MonthDeposits]:
        """Every month of the period with the network's deposits for it (0 when none)."""
        return [
            MonthDeposits(month, self.money.months.get(month, ZERO)) for month in month_range(self.first, self.last)
        ]


def savings_section(first_month: datetime.date, last_month: datetime.date, *, levy: bool = True) -> SavingsSection:
    """The savings groups over the months of `first_month`..`last_month` (any day of each); with
    `levy` False without the levy (network_money). Five queries."""
    return SavingsSection(money=network_money(month_start(first_month), month_start(last_month), levy=levy))


# The groups' funds: their loans and their welfare.


class GroupLoans(NamedTuple):
    group: SavingsGroup
    loans: Portfolio  # the group's loans outstanding and PAR30


@dataclass
class FundsSection:
    """What the groups lent from their funds, as of the last day: loans outstanding and the
    portfolio at risk (PAR30) in the network and in each group with a loan outstanding
    (groups.selectors.loan_portfolios, by loan_position); and the welfare they paid their members
    from the first day to the last, by payment date, reversals netted (groups.selectors.welfare_paid)."""

    loans: Portfolio  # the network's
    by_group: list[GroupLoans]  # the groups with a loan outstanding, by name
    welfare_paid: Decimal


def funds_section(first: datetime.date, last: datetime.date) -> FundsSection:
    """The groups' loans on `last` and the welfare paid from `first` to `last`. Five queries."""
    portfolios = loan_portfolios(last)
    groups = sql.by_pk(SavingsGroup, portfolios).values()
    return FundsSection(
        loans=Portfolio.added_up(last, portfolios.values()),
        by_group=[GroupLoans(group, portfolios[group.pk]) for group in groups],
        welfare_paid=welfare_paid(first, last),
    )


# The enterprise.


@dataclass
class EnterpriseSection:
    """The enterprise over the days first..last, as of the last (enterprise.selectors.statement, the
    statement page's figures): money in and out by kind, cash and stock at cost at the end, each by
    the date money or goods moved; what members saved against retail prices on the rounds picked
    up in the period; and the 5 % levy the deposits for the period's months owe, by the month a
    saving is for, beside the levy posted into the cash book in the period, by the date of
    posting."""

    statement: Statement

    @property
    def cash(self) -> Decimal:
        return self.statement.closing_cash

    @property
    def stock_value(self) -> Decimal:
        return self.statement.stock_value

    @property
    def capital_in(self) -> Decimal:
        """Donations (less those reversed) and levy that came into the cash book in the period."""
        return self.statement.capital_in

    @property
    def levy_owed(self) -> Decimal | None:
        """By the month a saving is for; None when the section was made without it."""
        return self.statement.levy_owed

    @property
    def levy_posted(self) -> Decimal:
        """By the date of posting."""
        return self.statement.levy_posted

    @property
    def members_saved(self) -> Decimal:
        return self.statement.members_saved


def enterprise_section(first: datetime.date, last: datetime.date, *, with_levy_owed: bool = True) -> EnterpriseSection:
    """The enterprise over the days `first`..`last`; without the levy owed for its months when
    `with_levy_owed` is False (a period since the beginning). A fixed number of queries."""
    return EnterpriseSection(statement=enterprise_statement(first, last, with_levy_owed=with_levy_owed))


# Housing.


class StepCount(NamedTuple):
    step: str  # housing.models.Step
    label: str
    households: int


@dataclass
class HousingSection:
    """The households of the relocation survey on a day: those surveyed by then, by the step each
    stood at on the day."""

    day: datetime.date
    by_status: list[StepCount]  # the steps some household stands at, in the order of the steps

    @property
    def households(self) -> int:
        return sum(row.households for row in self.by_status)


def housing_section(day: datetime.date) -> HousingSection:
    """The survey's households on `day`. One query."""
    counts = housing_selectors.households_by_step(as_of=day)
    return HousingSection(
        day=day,
        by_status=[StepCount(value, str(label), counts[value]) for value, label in Step.choices if counts.get(value)],
    )


# Railway-land rent.


@dataclass
class RentSection:
    """Railway-land rent over the months of first..last, in the communities where a tenancy was
    recorded by `last` (arrears are known from a tenancy's opening balance on): the arrears on
    `last`, per community and in total, and month by month the rent that fell due, what was
    collected and the arrears at the month's end (rent_collection.selectors.Balance)."""

    first: datetime.date
    last: datetime.date
    arrears: ArrearsSummary
    months: list[MonthProgress]  # the whole network's

    @property
    def recorded(self) -> bool:
        """Whether any tenancy's arrears were recorded by `last`."""
        return self.arrears.total.tenancies > 0

    @property
    def collected(self) -> Decimal:
        """Rent collected over the months."""
        return sum((month.collected for month in self.months), ZERO)


def rent_section(first: datetime.date, last: datetime.date) -> RentSection:
    """Railway-land rent over the months of `first`..`last`, the arrears on `last`. Four queries;
    one when no tenancy is counted."""
    # The tenancies of the months, read once with their balance on `last`: the arrears count
    # those opened by then (arrears_summary's), the months all of them (progress_by_month's).
    balances, progress = rent_selectors.network_balances_and_progress(first, last)
    return RentSection(first=first, last=last, arrears=rent_selectors.arrears_of(last, balances), months=progress.total)


def rent_chart(rent: RentSection, title: str) -> BarChart | None:
    """Rent collected in each month against the arrears outstanding at its end; None when no
    tenancy is counted in any of the months."""
    if not any(month.tenancies for month in rent.months):
        return None
    return bar_chart(
        title,
        [be_month_short(month.month) for month in rent.months],
        [
            Series(_("collected in the month"), GREEN, [month.collected for month in rent.months]),
            Series(_("arrears at the month's end"), RED, [month.arrears for month in rent.months]),
        ],
    )


# Community works.


class UnitTotal(NamedTuple):
    unit: str  # the unit's label
    total: Decimal


class WorkQuantities(NamedTuple):
    work: Work
    quantities: list[UnitTotal]  # recorded in the period, in the order of the units


@dataclass
class ContestResult:
    """How a community's works fared in a contest judged in the period."""

    contest: Contest
    community: Community
    entries: list[ContestEntry]

    @property
    def shared(self) -> ContestEntry | None:
        """The entry whose result stands for all, when every work fared alike; else None."""
        return self.entries[0] if len({(e.rank, e.award) for e in self.entries}) == 1 else None

    @property
    def won(self) -> bool:
        return any(e.has_result for e in self.entries)


@dataclass
class WorksSection:
    """The communities' works begun by the end of a period, with what they recorded in it, and how
    they fared in the contests judged in it."""

    works: list[WorkQuantities]  # by community, then the day they began
    contests: list[ContestResult]  # by contest date

    @property
    def awards(self) -> int:
        return sum(1 for c in self.contests if c.won)


def works_section(first: datetime.date, last: datetime.date) -> WorksSection:
    """The works over the days `first`..`last`. Three queries."""
    order = {value: index for index, value in enumerate(Unit.values)}
    labels = dict(Unit.choices)
    recorded: dict[tuple[str, str], list[UnitTotal]] = {}
    # quantities_in gives community and work by name: a community does not give two works one name.
    for row in sorted(works_selectors.quantities_in(first, last), key=lambda row: order.get(row["unit"], len(order))):
        key = (row["work__community__name"], row["work__title"])
        recorded.setdefault(key, []).append(UnitTotal(str(labels.get(row["unit"], row["unit"])), row["total"]))
    works = [
        WorkQuantities(work, recorded.get((work.community.name, work.title), []))
        for work in Work.objects.filter(started_on__lte=last)
        .select_related("community")
        .order_by("community__name", "started_on", "id")
    ]
    contests: dict[tuple[int, int], ContestResult] = {}
    for entry in (
        ContestEntry.objects.filter(contest__date__range=(first, last))
        .select_related("contest", "work__community")
        .order_by("contest__date", "contest_id", "work__community__name", "work__started_on", "id")
    ):
        key = (entry.contest_id, entry.work.community_id)
        contests.setdefault(
            key, ContestResult(contest=entry.contest, community=entry.work.community, entries=[])
        ).entries.append(entry)
    return WorksSection(works=works, contests=list(contests.values()))

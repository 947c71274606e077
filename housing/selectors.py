"""Reads behind the housing pages: where households stand on their way (their latest step), the
survey list as a reader narrowed it, likely duplicates, the households a proposal can take in,
and the proposal's figures and summary tables, computed from the households it includes."""

import datetime
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from songkhla_network import sql
from songkhla_network.models import Community, Person, PersonalDataConsent, Purpose

from .models import BudgetLine, Household, Proposal, StatusStep, Step


def latest_steps(as_of: datetime.date | None = None) -> QuerySet[StatusStep]:
    """The steps of the household of the outer query, latest first (those dated by `as_of` when
    given): `latest_steps().values("step")[:1]` is where it stands, as a subquery."""
    steps = StatusStep.objects.filter(household=OuterRef("pk"))
    if as_of is not None:
        steps = steps.filter(date__lte=as_of)
    return steps.order_by("-date", "-id")


def households_by_step(as_of: datetime.date | None = None) -> dict[str, int]:
    """{step: households standing at it} as the records stand, or on `as_of` (households surveyed
    by then, at their latest step dated by then). One query."""
    if as_of is not None:
        return dict(_BY_STEP_ON.rows(as_of))
    return dict(_by_step(Household.objects.all(), as_of))


def _by_step(households: QuerySet[Household], as_of: datetime.date | None) -> QuerySet:
    return (
        households.annotate(status=Subquery(latest_steps(as_of).values("step")[:1]))
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


# On a day (the dashboard's), put together once.
_BY_STEP_ON = sql.PreparedValues(
    lambda day: _by_step(Household.objects.filter(surveyed_on__lte=day), day), datetime.date
)


def proposal_counts() -> tuple[int, int]:
    """(proposals, households named in at least one of them). One query."""
    households = Proposal.households.through._meta
    column = households.get_field("household").column
    return sql.fetch(
        f"SELECT (SELECT COUNT(*) FROM {Proposal._meta.db_table}),"
        f' (SELECT COUNT(DISTINCT "{column}") FROM {households.db_table})',
        [],
    )[0]


def households_with_status(households: QuerySet[Household], status: str | None = None) -> list[Household]:
    """The households, in list order, each with its latest step's `status`, `status_label` and
    `status_date` (one query); only those at `status` when one is given."""
    latest = latest_steps()
    annotated = households.annotate(
        status=Subquery(latest.values("step")[:1]), status_date=Subquery(latest.values("date")[:1])
    )
    if status:
        annotated = annotated.filter(status=status)
    rows: list[Household] = list(annotated.order_by("community__name", "head__first_name"))
    labels = dict(Step.choices)
    for household in rows:
        household.status_label = str(labels.get(household.status, ""))  # type: ignore[attr-defined]
    return rows


def households_matching(
    households: QuerySet[Household], *, community: Community | None = None, name: str = "", status: str | None = None
) -> list[Household]:
    """The survey list as a reader narrowed it: by community, name (first or last) and status. The
    page and its Excel export read the same rows."""
    if community is not None:
        households = households.filter(community=community)
    if name:
        households = households.filter(Q(head__first_name__icontains=name) | Q(head__last_name__icontains=name))
    return households_with_status(households, status=status or None)


def communities_of(households: QuerySet[Household]) -> QuerySet[Community]:
    """The communities the households live in: the choices of the list's filter."""
    return Community.objects.filter(pk__in=households.values("community"))


def latest_step(household: Household) -> StatusStep | None:
    """Where the household stands: its latest step."""
    return household.steps.order_by("-date", "-id").first()


def household_steps(household: Household) -> list[StatusStep]:
    """The household's steps in the order they were taken, with who recorded them and the proposal
    each put it into or took it out of."""
    return list(household.steps.select_related("recorded_by", "proposal").order_by("date", "id"))


def housing_consents(person: Person | int) -> list[PersonalDataConsent]:
    """What the head of household said about the housing purpose, in the order it was said."""
    return list(
        PersonalDataConsent.objects.filter(person=person, purpose=Purpose.HOUSING)
        .select_related("recorded_by")
        .order_by("given_on", "id")
    )


def likely_duplicates(
    *, national_id: str, first_name: str, last_name: str, community: Community
) -> QuerySet[Household]:
    """Households already surveyed with the same national ID, or the same name in the same
    community."""
    match = Q(head__first_name=first_name, head__last_name=last_name, community=community)
    if national_id:
        match |= Q(head__national_id=national_id)
    return Household.objects.filter(match).select_related("head", "community")


def verified_households() -> QuerySet[Household]:
    """Households verified and not yet in a proposal (never, or taken out again): the ones a
    proposal can take in, each with the `status_date` of its latest step."""
    latest = latest_steps()
    return Household.objects.annotate(
        status=Subquery(latest.values("step")[:1]), status_date=Subquery(latest.values("date")[:1])
    ).filter(status=Step.VERIFIED)


# The proposal to CODI.


def proposals_with_totals() -> list[Proposal]:
    """Every proposal with its `count` of households and its `budget` (None without lines), for the
    list and its Excel copy. One query."""
    budget = (
        BudgetLine.objects.filter(proposal=OuterRef("pk"))
        .values("proposal")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return list(Proposal.objects.annotate(count=Count("households"), budget=Subquery(budget)))


def proposal_households(proposal: Proposal, as_of: datetime.date | None = None) -> list[Household]:
    """The households in the proposal, in list order with their head, community and membership: as
    the records stand, or on `as_of` — those its steps "in a proposal" took in by that day and no
    step taken by that day took out again. One query."""
    steps = StatusStep.objects.filter(step=Step.PROPOSED, proposal=proposal)
    taken_out = StatusStep.objects.filter(takes_back=OuterRef("pk"))
    if as_of is not None:
        steps, taken_out = steps.filter(date__lte=as_of), taken_out.filter(date__lte=as_of)
    return list(
        Household.objects.filter(pk__in=steps.filter(~Exists(taken_out)).values("household"))
        .select_related("head", "community", "member")
        .order_by("community__name", "head__first_name", "pk")
    )


@dataclass
class ProposalFigures:
    """What a proposal's page, PDF and Excel file show: its households in list order, their
    summary and summary tables, its budget lines and their total."""

    proposal: Proposal
    households: list[Household] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    budget: list[BudgetLine] = field(default_factory=list)
    budget_total: Decimal = Decimal("0.00")

    @property
    def tables(self) -> list["SummaryTable"]:
        return summary_tables(self.summary)


def proposal_figures(proposal: Proposal) -> ProposalFigures:
    """The proposal's households, summary and budget. Two queries."""
    households = proposal_households(proposal)
    budget = list(proposal.budget_lines.all())
    return ProposalFigures(
        proposal=proposal,
        households=households,
        summary=summary(households),
        budget=budget,
        budget_total=sum((line.amount for line in budget), Decimal("0.00")),
    )


def removable_households(proposal: Proposal) -> set[int]:
    """The proposal's households still only proposed (not approved, moved or withdrawn since): the
    ones a leader may take out of it again. One query."""
    latest = latest_steps()
    return set(
        proposal.households.annotate(
            status=Subquery(latest.values("step")[:1]), status_proposal=Subquery(latest.values("proposal")[:1])
        )
        .filter(status=Step.PROPOSED, status_proposal=proposal.pk)
        .values_list("pk", flat=True)
    )


# The summary tables.

Band = tuple[int, int | None]
INCOME_BANDS: list[Band] = [(0, 5000), (5000, 10000), (10000, 15000), (15000, None)]
PAY_BANDS: list[Band] = [(0, 1000), (1000, 2000), (2000, 3000), (3000, None)]
# (label, households, per cent of all households)
Row = tuple[Any, int, Decimal]


def _band(value: Decimal, bands: list[Band]) -> Band:
    for low, high in bands:
        if high is None or value < high:
            return (low, high)
    return bands[-1]


def _band_label(band: Band) -> str:
    low, high = band
    if high is None:
        return _("%(low)s baht or more") % {"low": f"{low:,}"}
    return _("%(low)s – %(high)s baht") % {"low": f"{low:,}", "high": f"{high - 1:,}"}


def _share(count: int, total: int) -> Decimal:
    """`count` in per cent of `total`, to a tenth."""
    return (Decimal(count) * 100 / total).quantize(Decimal("0.1")) if total else Decimal("0")


def _table(counter: Counter[Any], total: int, order: Sequence[Hashable] | None = None) -> list[Row]:
    keys = order if order is not None else sorted(counter, key=lambda k: (-counter[k], str(k)))
    return [(key, counter[key], _share(counter[key], total)) for key in keys if counter[key]]


def summary(households: Sequence[Household]) -> dict[str, Any]:
    """Counts (and shares in per cent) by community, household size, tenure, income band, ability
    to pay and savings-group membership; the membership rate is the share of the households whose
    head saves in a group."""
    total = len(households)
    by_size = Counter(min(h.size, 7) for h in households)
    by_income = Counter(_band(h.monthly_income, INCOME_BANDS) for h in households)
    by_pay = Counter(_band(h.can_pay, PAY_BANDS) for h in households)
    members = sum(1 for h in households if h.member_id)
    return {
        "total": total,
        "people": sum(h.size for h in households),
        "by_community": _table(Counter(h.community.name for h in households), total),
        "by_size": [
            (_("7 or more") if k == 7 else str(k), n, p) for k, n, p in _table(by_size, total, order=sorted(by_size))
        ],
        "by_tenure": _table(Counter(h.get_tenure_display() for h in households), total),
        "by_income": [(_band_label(k), n, p) for k, n, p in _table(by_income, total, order=INCOME_BANDS)],
        "by_pay": [(_band_label(k), n, p) for k, n, p in _table(by_pay, total, order=PAY_BANDS)],
        "by_membership": [
            (_("Saves in a savings group"), members, _share(members, total)),
            (_("Does not save in a group"), total - members, _share(total - members, total)),
        ],
        "members": members,
        "member_rate": _share(members, total),
    }


@dataclass(frozen=True)
class SummaryTable:
    """One of the proposal's summary tables: its title, and (label, households, per cent) rows."""

    title: str
    rows: list[Row]


def summary_tables(summary: dict[str, Any]) -> list[SummaryTable]:
    """The summary tables of a proposal, in the order its page, PDF and Excel file show them."""
    return [
        SummaryTable(str(title), summary[key])
        for key, title in [
            ("by_community", _("By community")),
            ("by_size", _("By household size")),
            ("by_tenure", _("By tenure")),
            ("by_income", _("By income")),
            ("by_pay", _("By ability to pay")),
            ("by_membership", _("By savings-group membership")),
        ]
    ]

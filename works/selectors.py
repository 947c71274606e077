"""Reads behind the works pages and the portfolio, each in a fixed number of queries."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet, Sum

from songkhla_network.models import Community, Person

from .models import Contest, ContestDocument, Entry, Photo, Quantity, Work


@dataclass
class WorkFigures:
    work: Work
    totals: list[tuple[str, Decimal]] = field(default_factory=list)  # [(unit label, total)]
    quantities: list[Quantity] = field(default_factory=list)  # by date
    photos: list[Photo] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)  # with their contest


@dataclass
class Portfolio:
    community: Community
    works: list[WorkFigures] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)  # every entry of the community's works, by contest date

    @property
    def awards(self) -> list[Entry]:
        return [e for e in self.entries if e.has_result]

    @property
    def photo_count(self) -> int:
        return sum(len(w.photos) for w in self.works)


def portfolio(community: Community, *, work: Work | None = None, participants: bool = False) -> Portfolio:
    """A community's works (or only `work`) with their quantities (and totals per unit), photos
    and contest entries, for the portfolio page and its PDF; with the people taking part in each,
    in name order, when `participants` is asked for. Four queries (five with the people)."""
    works = Work.objects.filter(community=community) if work is None else Work.objects.filter(pk=work.pk)
    prefetches = [
        Prefetch("quantities", queryset=Quantity.objects.order_by("date", "id")),
        Prefetch("photos", queryset=Photo.objects.order_by("uploaded_at", "id")),
        Prefetch("entries", queryset=Entry.objects.select_related("contest").order_by("contest__date", "id")),
    ]
    if participants:
        prefetches.append(Prefetch("participants", queryset=Person.objects.order_by("first_name", "last_name", "id")))
    result = Portfolio(community=community)
    for each in works.select_related("community").prefetch_related(*prefetches).order_by("started_on", "id"):
        totals: dict[str, Decimal] = {}
        for quantity in each.quantities.all():
            label = quantity.get_unit_display()
            totals[label] = totals.get(label, Decimal("0")) + quantity.amount
        figures = WorkFigures(
            work=each,
            totals=sorted(totals.items()),
            quantities=list(each.quantities.all()),
            photos=list(each.photos.all()),
            entries=list(each.entries.all()),
        )
        result.works.append(figures)
        result.entries.extend(figures.entries)
    result.entries.sort(key=lambda e: (e.contest.date, e.contest.pk, e.pk))
    return result


def work_figures(work: Work) -> WorkFigures:
    """One work's quantities, totals, photos and entries, as its community's portfolio shows them."""
    return portfolio(work.community, work=work).works[0]


def work_participants(work: Work) -> list[Person]:
    return list(work.participants.order_by("first_name"))


def community_totals(communities: list[Community]) -> dict[int, tuple[int, int, int]]:
    """{community id: (works, photos, awards)} for a list page, in three queries."""
    works = dict(
        Work.objects.filter(community__in=communities)
        .values_list("community")
        .annotate(n=Count("id"))
        .values_list("community", "n")
    )
    photos = dict(
        Photo.objects.filter(work__community__in=communities)
        .values_list("work__community")
        .annotate(n=Count("id"))
        .values_list("work__community", "n")
    )
    awards = dict(
        Entry.objects.filter(work__community__in=communities, rank__isnull=False)
        .values_list("work__community")
        .annotate(n=Count("id"))
        .values_list("work__community", "n")
    )
    return {c.pk: (works.get(c.pk, 0), photos.get(c.pk, 0), awards.get(c.pk, 0)) for c in communities}


def contests_with_entry_counts(contests: QuerySet[Contest]) -> list[Contest]:
    """The contests, latest first, each with its `entry_count`. One query."""
    return list(contests.annotate(entry_count=Count("entries")).order_by("-date", "-id"))


def contest_entries(contest: Contest, communities: QuerySet[Community]) -> list[Entry]:
    """The contest's entries of works of `communities` (those the reader may see), by place."""
    return list(
        contest.entries.filter(work__community__in=communities)
        .select_related("work__community")
        .order_by("rank", "work__community__name")
    )


def contest_documents(contest: Contest) -> list[ContestDocument]:
    return list(contest.documents.all())


def works_by_community(works: QuerySet[Work], *, entered_in: Contest | None = None) -> QuerySet[Work]:
    """The works in list order (community, then title) for a choice on the contest's page; only
    those entered in `entered_in` when given."""
    if entered_in is not None:
        works = works.filter(entries__contest=entered_in)
    return works.select_related("community").order_by("community__name", "title")


def quantities_in(first: datetime.date, last: datetime.date) -> list[dict[str, Any]]:
    """Quantities recorded in first..last, per community, work and unit: for the CODI report."""
    return list(
        Quantity.objects.filter(date__range=(first, last))
        .values("work__community__name", "work__title", "unit")
        .annotate(total=Sum("amount"))
        .order_by("work__community__name", "work__title", "unit")
    )

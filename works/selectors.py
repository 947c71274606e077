"""Reads behind the works pages and the portfolio, each in a fixed number of queries."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Sum

from .models import Entry, Photo, Quantity, Work


@dataclass
class WorkFigures:
    work: Work
    totals: list = field(default_factory=list)  # [(unit label, total)]
    quantities: list = field(default_factory=list)  # Quantity rows, by date
    photos: list = field(default_factory=list)
    entries: list = field(default_factory=list)  # Entry rows with their contest


@dataclass
class Portfolio:
    community: object
    works: list = field(default_factory=list)  # WorkFigures
    entries: list = field(default_factory=list)  # every entry of the community's works, by contest date

    @property
    def awards(self):
        return [e for e in self.entries if e.has_result]

    @property
    def photo_count(self):
        return sum(len(w.photos) for w in self.works)


def portfolio(community, *, works=None):
    """A community's works with their quantities (and totals per unit), photos and contest
    entries, for the portfolio page and its PDF. Four queries."""
    works = list(
        (works if works is not None else Work.objects.filter(community=community))
        .select_related("community")
        .prefetch_related(
            Prefetch("quantities", queryset=Quantity.objects.order_by("date", "id")),
            Prefetch("photos", queryset=Photo.objects.order_by("uploaded_at", "id")),
            Prefetch("entries", queryset=Entry.objects.select_related("contest").order_by("contest__date", "id")),
        )
        .order_by("started_on", "id")
    )
    result = Portfolio(community=community)
    for work in works:
        totals = {}
        for quantity in work.quantities.all():
            totals[quantity.get_unit_display()] = (
                totals.get(quantity.get_unit_display(), Decimal("0")) + quantity.amount
            )
        figures = WorkFigures(
            work=work,
            totals=sorted(totals.items()),
            quantities=list(work.quantities.all()),
            photos=list(work.photos.all()),
            entries=list(work.entries.all()),
        )
        result.works.append(figures)
        result.entries.extend(figures.entries)
    result.entries.sort(key=lambda e: (e.contest.date, e.contest.pk, e.pk))
    return result


def community_totals(communities):
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


def quantities_in(first, last):
    """Quantities recorded in first..last, per community, work and unit: for the CODI report."""
    return list(
        Quantity.objects.filter(date__range=(first, last))
        .values("work__community__name", "work__title", "unit")
        .annotate(total=Sum("amount"))
        .order_by("work__community__name", "work__title", "unit")
    )

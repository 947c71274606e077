"""The portfolio as a Thai A4 PDF for a judging committee: a cover with the community, a summary
of its works, people and awards, then each work with its figures over time, its photos and the
contests it was entered in."""

from pathlib import Path

from django.utils import timezone

from songkhla_network.pdf import pdf_response
from songkhla_network.roles import group_reader_required
from songkhla_network.thai import be_date

from . import access, selectors
from .models import Unit

# Up to this many photos the PDF carries the large copies (sharp in print); beyond it the small
# ones, so a community with a long history still gets a PDF it can send from a phone.
LARGE_PHOTOS_UP_TO = 12


def _file_uri(field):
    # WeasyPrint reads the file straight from the disk: the photo views' access check is for
    # browsers, and this view has done the same check already.
    return Path(field.path).as_uri()


def _over_time(figures):
    """The work's quantities as a table, one row per date and one column per unit, and its totals,
    the units in the order of their choices (the bottles first, the kilograms they kept out of
    the bin after)."""
    order = {value: index for index, value in enumerate(Unit.values)}
    units = sorted({q.unit for q in figures.quantities}, key=order.get)
    rows = {}
    for q in figures.quantities:
        row = rows.setdefault(q.date, {"date": q.date, "amounts": dict.fromkeys(units), "notes": []})
        row["amounts"][q.unit] = (row["amounts"][q.unit] or 0) + q.amount
        if q.note:
            row["notes"].append(q.note)
    labels = dict(Unit.choices)
    return {
        "units": [labels[u] for u in units],
        "totals": [(labels[u], sum(q.amount for q in figures.quantities if q.unit == u)) for u in units],
        "rows": [{**row, "amounts": [row["amounts"][u] for u in units]} for row in rows.values()],
    }


def _contests(entries):
    """The community's entries gathered by contest: where all its works fared alike (won first
    place together, or wait for the judges together) the contest shows one result, otherwise
    each work's."""
    contests = {}
    for entry in entries:
        contests.setdefault(entry.contest.pk, {"contest": entry.contest, "entries": []})["entries"].append(entry)
    for row in contests.values():
        row["won"] = any(e.has_result for e in row["entries"])
        shared = len({(e.rank, e.award) for e in row["entries"]}) == 1
        row["results"] = [(row["entries"][0], None)] if shared else [(e, e.work.title) for e in row["entries"]]
    return list(contests.values())


@group_reader_required
def portfolio_pdf(request, pk):
    community = access.community_for_reading(request.user, pk)
    portfolio = selectors.portfolio(community, participants=True)
    size = "image" if portfolio.photo_count <= LARGE_PHOTOS_UP_TO else "thumbnail"
    works = []
    people = set()
    for figures in portfolio.works:
        participants = list(figures.work.participants.all())
        people.update(p.pk for p in participants)
        photos = [(photo, _file_uri(getattr(photo, size))) for photo in figures.photos]
        works.append(
            {
                "figures": figures,
                "participants": participants,
                "over_time": _over_time(figures),
                # Two photos to a row, each row kept whole on its page.
                "photo_rows": [photos[i : i + 2] for i in range(0, len(photos), 2)],
            }
        )
    cover = next((uri for w in works for row in w["photo_rows"] for __, uri in row), None)
    contests = _contests(portfolio.entries)
    context = {
        "portfolio": portfolio,
        "contests": contests,
        "awards": sum(1 for c in contests if c["won"]),
        "community": community,
        "works": works,
        "people": len(people),
        "cover": cover,
        "printed_on": be_date(timezone.localdate()),
    }
    return pdf_response("works/portfolio_pdf.html", context, f"portfolio-{community.pk}.pdf")

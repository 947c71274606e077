"""Writes for community works, each in one transaction. Photos and documents are cleaned (see
`photos`) before anything is written."""

import datetime
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from songkhla_network.models import Community, Person, User
from songkhla_network.thai import be_date

from . import photos
from .models import Contest, ContestDocument, Entry, Photo, Quantity, Work


@transaction.atomic
def work_create(
    *,
    community: Community,
    kind: str,
    title: str,
    description: str,
    started_on: datetime.date,
    participants: Sequence[Person],
    user: User,
) -> Work:
    """A community's work with the people taking part, who must be of that community (living in
    it, or saving in one of its groups)."""
    people = Person.objects.filter(Q(community=community) | Q(memberships__group__community=community))
    if set(p.pk for p in participants) - set(
        people.filter(pk__in=[p.pk for p in participants]).values_list("pk", flat=True)
    ):
        raise ValidationError(
            {"participants": _("Only people of %(community)s can take part.") % {"community": community}}
        )
    work = Work.objects.create(
        community=community, kind=kind, title=title, description=description, started_on=started_on, created_by=user
    )
    work.participants.set(participants)
    return work


@transaction.atomic
def quantity_add(
    *, work: Work, date: datetime.date, amount: Decimal | None, unit: str, note: str, user: User
) -> Quantity:
    """A quantity the work reached on a day: more than 0, and not before the work began."""
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("The quantity must be more than 0.")})
    if date < work.started_on:
        raise ValidationError(
            {
                "date": _("The work began on %(date)s: a quantity cannot come before it.")
                % {"date": be_date(work.started_on)}
            }
        )
    return Quantity.objects.create(work=work, date=date, amount=amount, unit=unit, note=note, recorded_by=user)


@contextmanager
def _files_kept_only_if_saved(record: models.Model, *fields: str) -> Iterator[None]:
    """Files written for a record whose row then fails to save are deleted again: the database
    rolls its row back, the disk would keep the files."""
    try:
        yield
    except BaseException:
        for name in fields:
            stored = getattr(record, name)
            if stored.name:
                stored.storage.delete(stored.name)
        raise


def photo_add(*, work: Work, upload: UploadedFile, caption: str, user: User) -> Photo:
    """Clean the photo (refused unless it is a real image within the size limit), then store the
    large and small copies. The files are written only once the photo is known to be good."""
    large, small = photos.prepare(upload)
    photo = Photo(work=work, caption=caption, uploaded_by=user, width=large.size_px[0], height=large.size_px[1])
    with _files_kept_only_if_saved(photo, "image", "thumbnail"), transaction.atomic():
        photo.image.save("photo.jpg", large, save=False)
        photo.thumbnail.save("photo-small.jpg", small, save=False)
        photo.save()
    return photo


@transaction.atomic
def contest_create(*, name: str, organiser: str, level: str, date: datetime.date, note: str = "") -> Contest:
    """A contest the network's communities take part in, at any level; works are entered after."""
    return Contest.objects.create(name=name, organiser=organiser, level=level, date=date, note=note)


@transaction.atomic
def entry_add(*, contest: Contest, work: Work) -> Entry:
    """Enter a work in a contest: once, and only in a contest judged after the work began."""
    if contest.date < work.started_on:
        raise ValidationError(
            {
                "work": _("%(work)s began on %(started)s, after this contest was judged (%(date)s).")
                % {"work": work.title, "started": be_date(work.started_on), "date": be_date(contest.date)}
            }
        )
    if Entry.objects.filter(contest=contest, work=work).exists():
        raise ValidationError({"work": _("This work is already entered in this contest.")})
    return Entry.objects.create(contest=contest, work=work)


@transaction.atomic
def result_record(*, contest: Contest, work: Work, rank: int | None, award: str) -> Entry:
    """The judges' result for a work: only for a work entered in the contest."""
    entry = Entry.objects.select_for_update().filter(contest=contest, work=work).first()
    if entry is None:
        raise ValidationError(
            {"work": _("%(work)s was not entered in this contest: enter it first.") % {"work": work.title}}
        )
    if rank is None and not award:
        raise ValidationError(_("Give the place, the award, or both."))
    entry.rank, entry.award = rank, award
    entry.save(update_fields=["rank", "award"])
    return entry


def document_add(*, contest: Contest, upload: UploadedFile, title: str, user: User) -> ContestDocument:
    """A contest's document (a PDF, or a photo cleaned as photos are); the file is written only
    with its row."""
    content_type, content = photos.prepare_document(upload)
    document = ContestDocument(contest=contest, title=title, content_type=content_type, uploaded_by=user)
    with _files_kept_only_if_saved(document, "file"), transaction.atomic():
        document.file.save("document", content, save=False)
        document.save()
    return document

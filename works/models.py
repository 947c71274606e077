"""Community works: what a community makes and does for its environment (eco-bottles of dry
waste, bio-ferments, tote bags sewn from used T-shirts...), the quantities recorded over time,
photos, and the contests the works are entered in, with their results: the portfolio a community
shows its judges."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from songkhla_network.models import Community, Person


class WorkKind(models.TextChoices):
    ECO_BOTTLES = "eco_bottles", _("Eco-bottles of dry waste")
    FRUIT_FERMENT = "fruit_ferment", _("Bio-ferment from fruit peel")
    FISH_FERMENT = "fish_ferment", _("Bio-ferment from fish scraps")
    TOTE_BAGS = "tote_bags", _("Tote bags from used T-shirts")
    WASTE_SORTING = "waste_sorting", _("Waste sorting and recycling")
    GARDEN = "garden", _("Community garden")
    OTHER = "other", _("Other work")


class Unit(models.TextChoices):
    BOTTLES = "bottles", _("bottles")
    LITRES = "litres", _("litres")
    BAGS = "bags", _("bags")
    KILOGRAMS = "kg", _("kilograms")
    PIECES = "pieces", _("pieces")
    HOUSEHOLDS = "households", _("households")


class Work(models.Model):
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="works"
    )
    kind = models.CharField(_("kind of work"), max_length=20, choices=WorkKind.choices)
    title = models.CharField(_("name of the work"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    started_on = models.DateField(_("started on"))
    participants = models.ManyToManyField(
        Person,
        verbose_name=_("people taking part"),
        blank=True,
        related_name="works",
        help_text=_("Members or households of the community who take part."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        verbose_name = _("community work")
        verbose_name_plural = _("community works")
        ordering = ["community__name", "started_on", "id"]

    def __str__(self):
        return f"{self.title} ({self.community})"


class Quantity(models.Model):
    """How much a work produced or kept out of the bin, recorded on a day: the figures over time."""

    work = models.ForeignKey(Work, verbose_name=_("work"), on_delete=models.CASCADE, related_name="quantities")
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quantity")
        verbose_name_plural = _("quantities")
        ordering = ["work", "date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="work_quantity_positive",
                violation_error_message=_("The quantity must be more than 0."),
            ),
        ]

    def __str__(self):
        return f"{self.amount} {self.get_unit_display()}"


def photo_path(instance, filename):
    # A random name: the uploader's file name says nothing the app needs, and may say too much.
    return f"works/photos/{uuid.uuid4().hex}.jpg"


def thumbnail_path(instance, filename):
    return f"works/photos/{uuid.uuid4().hex}-small.jpg"


class Photo(models.Model):
    """A photo of a work, resized and stripped of its metadata (location included) on upload.
    Stored under MEDIA_ROOT, served only through the app to users who may see the community."""

    work = models.ForeignKey(Work, verbose_name=_("work"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=photo_path)
    thumbnail = models.ImageField(_("small photo"), upload_to=thumbnail_path)
    width = models.PositiveIntegerField(_("width (pixels)"), editable=False, default=0)
    height = models.PositiveIntegerField(_("height (pixels)"), editable=False, default=0)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["work", "uploaded_at", "id"]

    def __str__(self):
        return self.caption or str(self.work)


class Level(models.TextChoices):
    COMMUNITY = "community", _("Community")
    MUNICIPALITY = "municipality", _("Municipality")
    DISTRICT = "district", _("District")
    PROVINCE = "province", _("Province")
    NATIONAL = "national", _("National")


class Contest(models.Model):
    name = models.CharField(_("contest"), max_length=300)
    organiser = models.CharField(_("organiser"), max_length=300)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    date = models.DateField(_("date of judging"))
    note = models.TextField(_("note"), blank=True)
    works = models.ManyToManyField(Work, verbose_name=_("works entered"), through="Entry", related_name="contests")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.name} ({self.get_level_display()})"


class Entry(models.Model):
    """A work entered in a contest, and its result once the judges gave it."""

    contest = models.ForeignKey(Contest, verbose_name=_("contest"), on_delete=models.CASCADE, related_name="entries")
    work = models.ForeignKey(Work, verbose_name=_("work"), on_delete=models.CASCADE, related_name="entries")
    rank = models.PositiveSmallIntegerField(_("place"), null=True, blank=True, help_text=_("1 for first place."))
    award = models.CharField(
        _("award"), max_length=300, blank=True, help_text=_("e.g. first prize, a certificate, a trophy")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["contest", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "work"], name="entry_once_per_contest"),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1),
                name="entry_rank_positive",
                violation_error_message=_("The place is 1 or more."),
            ),
        ]

    def __str__(self):
        return f"{self.work} → {self.contest}"

    @property
    def has_result(self):
        return self.rank is not None or bool(self.award)


def document_path(instance, filename):
    return f"works/documents/{uuid.uuid4().hex}"


class ContestDocument(models.Model):
    """A certificate, a letter of the organiser, the judges' score sheet: a PDF or an image."""

    contest = models.ForeignKey(Contest, verbose_name=_("contest"), on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(pgettext_lazy("works", "title"), max_length=300)
    file = models.FileField(_("file"), upload_to=document_path)
    content_type = models.CharField(_("kind of file"), max_length=50, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contest document")
        verbose_name_plural = _("contest documents")
        ordering = ["contest", "uploaded_at", "id"]

    def __str__(self):
        return self.title

    @property
    def kind(self):
        """The kind of file as a person names it: a PDF, or a photo (every image is stored as JPEG)."""
        return "PDF" if self.content_type == "application/pdf" else _("Photo")

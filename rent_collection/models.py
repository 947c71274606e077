"""Railway-land rent: households on State Railway land leased through CODI (พอช.), what they owe,
the CODI letters that name who may collect where, the collectors' receipts and their remittances
to CODI.

Arrears are never stored: they are the tenancy's opening balance plus the rent fallen due since,
minus the receipts that were not voided (see `Tenancy.months_due`). Receipts, voids and
remittances are money rows: written once, never edited or deleted."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from songkhla_network.models import AppendOnly, Community, Person, PostedRow, Role
from songkhla_network.thai import be_month, format_baht

# Who a CODI letter may name: rent collectors, and leaders who collect themselves.
COLLECTING_ROLES = (Role.COLLECTOR, Role.LEADER)


def month_index(day: datetime.date) -> int:
    """Months since year 0: consecutive months have consecutive indexes."""
    return day.year * 12 + day.month - 1


class Tenancy(models.Model):
    """A household's lease of a plot of railway land, with what it owed on a known date."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="tenancies"
    )
    plot = models.CharField(_("plot or house number"), max_length=50)
    tenant = models.ForeignKey(
        Person,
        verbose_name=_("tenant (head of household)"),
        on_delete=models.PROTECT,
        related_name="tenancies",
    )
    contract_number = models.CharField(_("contract number"), max_length=50, unique=True)
    monthly_rent = models.DecimalField(_("monthly rent"), max_digits=12, decimal_places=2)
    start_date = models.DateField(_("contract start date"))
    opening_balance = models.DecimalField(
        _("opening arrears"),
        max_digits=12,
        decimal_places=2,
        help_text=_("What the household owed at the end of the day below, that month's rent included."),
    )
    opening_on = models.DateField(_("arrears as of"))
    opening_source = models.CharField(
        _("source of the opening arrears"),
        max_length=300,
        help_text=_("The document the opening arrears come from, e.g. CODI's statement of arrears and its date."),
    )
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        ordering = ["community__name", "plot", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_rent__gt=0),
                name="tenancy_rent_positive",
                violation_error_message=_("The monthly rent must be more than 0 baht."),
            ),
            models.CheckConstraint(
                condition=Q(opening_balance__gte=0),
                name="tenancy_opening_not_negative",
                violation_error_message=_("The opening arrears cannot be negative: enter 0 if nothing was owed."),
            ),
            models.CheckConstraint(
                condition=~Q(opening_source=""),
                name="tenancy_opening_has_source",
                violation_error_message=_("Say which document the opening arrears come from."),
            ),
            models.CheckConstraint(
                condition=~Q(plot=""),
                name="tenancy_has_plot",
                violation_error_message=_("Enter the plot or house number."),
            ),
        ]

    def __str__(self):
        return f"{self.contract_number} {self.tenant} ({self.community})"

    def _first_due_index(self) -> int:
        return max(month_index(self.opening_on) + 1, month_index(self.start_date) + (self.start_date.day > 1))

    def months_due(self, day: datetime.date) -> int:
        """How many months of rent fell due after the opening balance, up to and including `day`.

        Rent falls due on the 1st of each month. The opening balance is what was owed at the end
        of `opening_on`, so it already holds the rent of that day's month; the first rent counted
        after it is the one due on the 1st of the next month — or, for a contract starting later,
        on the first 1st on or after `start_date` (a part month at the start is not charged).
        A day before the first due date has no rent due yet.
        """
        return max(0, month_index(day) - self._first_due_index() + 1)

    @property
    def first_due_month(self) -> datetime.date:
        """The first month whose rent is not in the opening balance (the date of its 1st)."""
        index = self._first_due_index()
        return datetime.date(index // 12, index % 12 + 1, 1)

    def rent_due(self, day: datetime.date) -> Decimal:
        """Rent fallen due after the opening balance, up to and including `day`."""
        return self.monthly_rent * self.months_due(day)


class CodiLetter(models.Model):
    """A letter from CODI naming the persons assigned to collect rent and remit it, each for
    some communities, for a period. Tenants are shown it so they know who may take their money."""

    number = models.CharField(_("letter number"), max_length=50, unique=True)
    date = models.DateField(_("letter date"))
    signed_by = models.CharField(_("signed by"), max_length=200, help_text=_("Name and position of the signer."))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    # Not stored: days from the day the letters were read for to the letter's last day, set by
    # the selectors that read letters as of a day.
    days_left: int

    class Meta:
        verbose_name = _("CODI letter")
        verbose_name_plural = _("CODI letters")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")),
                name="letter_valid_to_after_from",
                violation_error_message=_("The letter cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return self.number

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day <= self.valid_to


class LetterCollector(models.Model):
    """A person a letter names, and the communities they may collect in under it."""

    letter = models.ForeignKey(
        CodiLetter, verbose_name=_("CODI letter"), on_delete=models.CASCADE, related_name="collectors"
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector"),
        on_delete=models.PROTECT,
        related_name="letter_assignments",
        limit_choices_to={"role__in": COLLECTING_ROLES},
    )
    communities = models.ManyToManyField(Community, verbose_name=_("communities"), related_name="letter_assignments")
    history = HistoricalRecords(m2m_fields=[communities])

    class Meta:
        verbose_name = _("collector named in a letter")
        verbose_name_plural = _("collectors named in a letter")
        ordering = ["letter", "id"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "collector"], name="letter_names_collector_once"),
        ]

    def __str__(self):
        return f"{self.letter}: {self.collector}"

    def clean(self):
        if self.collector_id and self.collector.role not in COLLECTING_ROLES:
            raise ValidationError({"collector": _("A letter can name only rent collectors and network leaders.")})


class ReceiptSeries(models.Model):
    """A collector's receipt book: the next number to hand out. The row is locked while a receipt
    is posted, so two receipts at once get consecutive numbers, and a refused receipt, rolled
    back with its transaction, leaves no gap."""

    collector = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("collector"), on_delete=models.PROTECT, related_name="receipt_series"
    )
    next_number = models.PositiveIntegerField(_("next receipt number"), default=1)

    class Meta:
        verbose_name = _("receipt series")
        verbose_name_plural = _("receipt series")
        constraints = [models.CheckConstraint(condition=Q(next_number__gte=1), name="series_number_positive")]

    def __str__(self):
        return str(self.collector)


class Receipt(PostedRow):
    """Money a collector took from a household, numbered in the collector's own series.

    The payment goes to the oldest debt first: `covers_from`..`covers_to` are the rent months it
    reaches (empty when it goes, at that end, to the arrears brought forward in the opening
    balance); `advance` is the part beyond what was owed on its date, rent paid ahead. A wrong
    receipt is voided by a `ReceiptVoid` row; it keeps its number."""

    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("collector"), on_delete=models.PROTECT, related_name="rent_receipts"
    )
    number = models.PositiveIntegerField(_("receipt number"))
    date = models.DateField(_("date"))
    tenancy = models.ForeignKey(Tenancy, verbose_name=_("tenancy"), on_delete=models.PROTECT, related_name="receipts")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    advance = models.DecimalField(
        _("of which advance rent"),
        max_digits=12,
        decimal_places=2,
        default=0,
        help_text=_("The part paid beyond what was owed on the day."),
    )
    covers_from = models.DateField(_("for rent from month"), null=True, blank=True)
    covers_to = models.DateField(_("for rent up to month"), null=True, blank=True)
    letter = models.ForeignKey(
        CodiLetter, verbose_name=_("authorised by letter"), on_delete=models.PROTECT, related_name="receipts"
    )
    request_key = models.UUIDField(
        _("form token"),
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("Form token: a resubmitted form posts once."),
    )

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["collector", "number"]
        indexes = [
            models.Index(fields=["tenancy", "date"], name="receipt_tenancy_date"),
            models.Index(fields=["date"], name="receipt_date"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["collector", "number"], name="receipt_number_unique_per_collector"),
            models.CheckConstraint(condition=Q(number__gte=1), name="receipt_number_positive"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
            models.CheckConstraint(
                condition=Q(advance__gte=0) & Q(advance__lte=F("amount")), name="receipt_advance_within_amount"
            ),
            models.CheckConstraint(
                condition=(Q(covers_from__isnull=True) | Q(covers_from__day=1))
                & (Q(covers_to__isnull=True) | Q(covers_to__day=1)),
                name="receipt_months_are_first_days",
            ),
            models.CheckConstraint(
                # Only the start may lie in the arrears brought forward; both ends set are in order.
                condition=Q(covers_from__isnull=True) | Q(covers_to__isnull=False, covers_from__lte=F("covers_to")),
                name="receipt_months_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.number} · {self.collector} · {format_baht(self.amount)}"

    @property
    def arrears_paid(self):
        return self.amount - self.advance

    @property
    def covers_label(self):
        """What the payment is for, as a receipt says it."""
        if self.covers_to is None:
            return str(_("arrears brought forward"))
        if self.covers_from is None:
            return str(_("arrears brought forward and rent up to %(to)s")) % {"to": be_month(self.covers_to)}
        if self.covers_from == self.covers_to:
            return str(_("rent of %(month)s")) % {"month": be_month(self.covers_from)}
        return str(_("rent of %(first)s – %(last)s")) % {
            "first": be_month(self.covers_from),
            "last": be_month(self.covers_to),
        }


class ReceiptVoid(PostedRow):
    """A receipt found wrong: it no longer counts as money taken. The receipt itself stays as it
    was, with its number used. A receipt already remitted to CODI cannot be voided."""

    receipt = models.OneToOneField(Receipt, verbose_name=_("receipt"), on_delete=models.PROTECT, related_name="void")
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("voided receipt")
        verbose_name_plural = _("voided receipts")
        ordering = ["-posted_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="receipt_void_has_reason")]

    def __str__(self):
        return str(self.receipt)


class Remittance(PostedRow):
    """A collector's transfer to CODI of the money of some of their receipts."""

    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("collector"), on_delete=models.PROTECT, related_name="rent_remittances"
    )
    transfer_date = models.DateField(_("transfer date"))
    bank_reference = models.CharField(_("bank reference"), max_length=100, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("remittance to CODI")
        verbose_name_plural = _("remittances to CODI")
        ordering = ["-transfer_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittance_amount_positive"),
            models.CheckConstraint(condition=~Q(bank_reference=""), name="remittance_has_bank_reference"),
        ]

    def __str__(self):
        return f"{self.bank_reference} · {self.collector} · {format_baht(self.amount)}"


class RemittanceLine(AppendOnly):
    """A receipt included in a remittance; the one-to-one keeps a receipt from being remitted twice."""

    remittance = models.ForeignKey(
        Remittance, verbose_name=_("remittance to CODI"), on_delete=models.PROTECT, related_name="lines"
    )
    receipt = models.OneToOneField(
        Receipt, verbose_name=_("receipt"), on_delete=models.PROTECT, related_name="remittance_line"
    )

    class Meta:
        verbose_name = _("remitted receipt")
        verbose_name_plural = _("remitted receipts")
        ordering = ["remittance", "receipt"]

    def __str__(self):
        return str(self.receipt)

"""Railway-land rent: households on State Railway land leased through CODI (พอช.), what they owe,
the CODI letters that name who may collect where, the collectors' receipts and their remittances
to CODI.

Arrears are never stored: they are the tenancy's opening balance plus the rent fallen due since
(at the rent in force each month), minus the receipts, plus the voids (see `selectors.Balance`).
Receipts, voids and remittances are money rows: written once, never edited or deleted."""

import datetime
from collections.abc import Iterable
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


def month_date(index: int) -> datetime.date:
    """The 1st of the month of `month_index` `index`."""
    return datetime.date(index // 12, index % 12 + 1, 1)


class Tenancy(models.Model):
    """A household's lease of a plot of railway land, with what it owed on a known date. Its
    monthly rent is a dated series (`RentChange`, each in force from a month); a tenancy may end
    (`ended_on`): no rent falls due after it, and what it owed stays owed until paid."""

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
    ended_on = models.DateField(
        _("tenancy ended on"),
        null=True,
        blank=True,
        help_text=_("No rent falls due after this day; the arrears stay owed until they are paid."),
    )
    end_reason = models.CharField(_("why the tenancy ended"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tenancy")
        verbose_name_plural = _("tenancies")
        ordering = ["community__name", "plot", "id"]
        constraints = [
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
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True, end_reason="") | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="tenancy_end_has_reason",
                violation_error_message=_("An ended tenancy says why it ended."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("opening_on")),
                name="tenancy_ends_after_opening",
                violation_error_message=_("A tenancy cannot end before the day of its opening arrears."),
            ),
        ]

    def __str__(self):
        return f"{self.contract_number} {self.tenant} ({self.community})"

    # The rent series.

    # Not stored: the tenancy's rents, when a selector loaded those of many tenancies at once.
    loaded_rents: list["RentChange"]

    def rent_rows(self) -> list["RentChange"]:
        """The rents of the tenancy, oldest first: those loaded by a selector (`loaded_rents`, or
        prefetched), else one query."""
        rents = self.__dict__.get("loaded_rents")
        return sorted(self.rents.all() if rents is None else rents, key=lambda rent: rent.from_month)

    def rent_series(self) -> list[tuple[int, Decimal]]:
        """(month index, monthly rent) of each rent of the tenancy, oldest first. The first applies
        to the months before it too; each other from its month until the next."""
        return [(month_index(rent.from_month), rent.amount) for rent in self.rent_rows()]

    def forget_rents(self) -> None:
        """Drop the rents loaded on this instance, after one of them changed."""
        self.__dict__.pop("loaded_rents", None)
        getattr(self, "_prefetched_objects_cache", {}).pop("rents", None)

    def rent_in(self, month: datetime.date) -> Decimal:
        """The monthly rent in force in the month of `month` (0 if none was ever recorded)."""
        series, index = self.rent_series(), month_index(month)
        if not series:
            return Decimal("0.00")
        return next((rent for start, rent in reversed(series) if start <= index), series[0][1])

    # When rent falls due.

    def _first_due_index(self) -> int:
        return max(month_index(self.opening_on) + 1, month_index(self.start_date) + (self.start_date.day > 1))

    def _last_due_index(self, day: datetime.date) -> int:
        """The last month whose rent fell due by `day`: its own, or the month the tenancy ended in."""
        last = month_index(day)
        return last if self.ended_on is None else min(last, month_index(self.ended_on))

    def months_due(self, day: datetime.date) -> int:
        """How many months of rent fell due after the opening balance, up to and including `day`.

        Rent falls due on the 1st of each month. The opening balance is what was owed at the end
        of `opening_on`, so it already holds the rent of that day's month; the first rent counted
        after it is the one due on the 1st of the next month — or, for a contract starting later,
        on the first 1st on or after `start_date` (a part month at the start is not charged).
        A day before the first due date has no rent due yet. A tenancy that ended owes the rent
        of the month it ended in (due on its 1st) and none after.
        """
        return max(0, self._last_due_index(day) - self._first_due_index() + 1)

    @property
    def first_due_month(self) -> datetime.date:
        """The first month whose rent is not in the opening balance (the date of its 1st)."""
        return month_date(self._first_due_index())

    def rent_due(self, day: datetime.date) -> Decimal:
        """Rent fallen due after the opening balance, up to and including `day`: each month's due
        at the rent in force in that month."""
        return self.rents_due_by([day])[0]

    def rents_due_by(self, days: Iterable[datetime.date]) -> list[Decimal]:
        """`rent_due` on each of `days`, the first month due and the rents worked out once for all
        of them (a month-by-month table asks for each month's end)."""
        first, series = self._first_due_index(), self.rent_series()
        dues = []
        for day in days:
            last, total = self._last_due_index(day), Decimal("0.00")
            for k, (start, rent) in enumerate(series):
                low = first if k == 0 else max(first, start)
                high = min(last, series[k + 1][0] - 1) if k + 1 < len(series) else last
                if high >= low:
                    total += rent * (high - low + 1)
            dues.append(total)
        return dues

    def rents_due(self, first: datetime.date, last: datetime.date) -> list[tuple[datetime.date, Decimal]]:
        """(month, rent) of each month whose rent fell due on a day of `first`..`last`, in order."""
        low = max(self._first_due_index(), month_index(first) + (first.day > 1))
        return [
            (month_date(index), self.rent_in(month_date(index))) for index in range(low, self._last_due_index(last) + 1)
        ]

    def month_paid_by(self, amount: Decimal) -> datetime.date:
        """The rent month that the satang paid at `amount` past the opening balance goes to, the
        rents being paid in order from the first month due, each at the rent in force in it."""
        series, index = self.rent_series(), self._first_due_index()
        if not series:
            return month_date(index)
        k = max((i for i, (start, _rent) in enumerate(series) if start <= index), default=0)
        while True:
            rent = series[k][1]
            if k + 1 == len(series):
                return month_date(index + int(amount // rent))
            months = series[k + 1][0] - index
            if amount < rent * months:
                return month_date(index + int(amount // rent))
            amount -= rent * months
            index, k = series[k + 1][0], k + 1

    def has_ended(self, day: datetime.date) -> bool:
        return self.ended_on is not None and self.ended_on <= day


class RentChange(models.Model):
    """A tenancy's monthly rent from a month on, until its next change. The first of a tenancy
    applies from its start. A change never reaches back: it is made from the current month or a
    later one (`services.rent_change`), and no receipt's months are rewritten by it."""

    tenancy = models.ForeignKey(Tenancy, verbose_name=_("tenancy"), on_delete=models.CASCADE, related_name="rents")
    from_month = models.DateField(_("from month"))
    amount = models.DecimalField(_("monthly rent"), max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly rent from a month")
        verbose_name_plural = _("monthly rents")
        ordering = ["tenancy", "from_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenancy", "from_month"],
                name="rent_change_once_a_month",
                violation_error_message=_("The tenancy already has a rent from this month."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="rent_change_positive",
                violation_error_message=_("The monthly rent must be more than 0 baht."),
            ),
            models.CheckConstraint(
                condition=Q(from_month__day=1),
                name="rent_change_from_a_month",
                violation_error_message=_("A rent is in force from a whole month."),
            ),
        ]

    def __str__(self):
        return f"{format_baht(self.amount)} · {be_month(self.from_month)}"


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


class PaymentMethod(models.TextChoices):
    """How a household paid a receipt."""

    CASH = "cash", _("cash")
    TRANSFER = "transfer", _("transfer by PromptPay or bank")


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
    method = models.CharField(_("paid by"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.CASH)
    bank_reference = models.CharField(
        _("bank reference"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("The reference on the transfer slip in the household's banking app."),
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
            models.CheckConstraint(
                condition=Q(method=PaymentMethod.CASH, bank_reference="")
                | (Q(method=PaymentMethod.TRANSFER) & ~Q(bank_reference="")),
                name="receipt_transfer_has_reference",
                violation_error_message=_("A transfer has the bank's reference; cash has none."),
            ),
            # A transfer is taken once. A voided receipt keeps its reference, and the reference
            # stays taken: the money it names was received once, whatever happened to the
            # receipt; the correcting receipt of a wrong one says so in its own words, not by
            # reusing the slip (a slip shown twice is exactly what this refuses).
            models.UniqueConstraint(
                fields=["bank_reference"],
                condition=~Q(bank_reference=""),
                name="receipt_bank_reference_once",
                violation_error_message=_(
                    "A receipt with this bank reference is already recorded: a transfer is taken once."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.number} · {self.collector} · {format_baht(self.amount)}"

    @property
    def by_transfer(self):
        return self.method == PaymentMethod.TRANSFER

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
    """A receipt found wrong: from the void's own `date` on, it no longer counts as money taken;
    up to the day before, it did (a figure of a closed period stays what it was). The receipt
    itself stays as it was, with its number used. A receipt already remitted to CODI cannot be
    voided."""

    receipt = models.OneToOneField(Receipt, verbose_name=_("receipt"), on_delete=models.PROTECT, related_name="void")
    date = models.DateField(_("voided on"))
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("voided receipt")
        verbose_name_plural = _("voided receipts")
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["date"], name="receipt_void_date")]
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


class TransferAccount(PostedRow):
    """A PromptPay account the leaders set: CODI's, into which collectors remit, or a collector's
    own, into which the households they collect from may transfer. Each setting is a new row,
    never edited: the account in force is the newest of its kind (and collector), and the rows
    before it are its history, with who set each and when. A collector's row without an ID takes
    their account away: their households then pay them in cash.

    Households pay only into their collector's account, never straight into CODI's: a receipt is
    money in the collector's hands until remitted, and money sent to CODI directly would be
    remitted twice."""

    class Kind(models.TextChoices):
        CODI = "codi", _("CODI's account")
        COLLECTOR = "collector", _("a collector's account")

    kind = models.CharField(_("whose account"), max_length=10, choices=Kind.choices)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collector"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfer_accounts",
        limit_choices_to={"role__in": COLLECTING_ROLES},
    )
    promptpay_id = models.CharField(
        _("PromptPay ID"),
        max_length=15,
        blank=True,
        help_text=_("A mobile number, a national ID or tax ID, or an e-wallet ID, digits only."),
    )
    name = models.CharField(
        _("account name"), max_length=200, blank=True, help_text=_("The name the banking app shows before paying.")
    )

    class Meta:
        verbose_name = _("PromptPay account")
        verbose_name_plural = _("PromptPay accounts")
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["kind", "collector", "-posted_at"], name="transfer_account_current")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="codi", collector__isnull=True, promptpay_id__regex=r"^[0-9]{10,15}$")
                | Q(kind="collector", collector__isnull=False),
                name="transfer_account_whose",
                violation_error_message=_(
                    "CODI's account has a PromptPay ID and no collector; a collector's names one."
                ),
            ),
            models.CheckConstraint(
                condition=Q(promptpay_id="", name="")
                | (Q(promptpay_id__regex=r"^([0-9]{10}|[0-9]{13}|[0-9]{15})$") & ~Q(name="")),
                name="transfer_account_id_and_name",
                violation_error_message=_("An account has a PromptPay ID of 10, 13 or 15 digits and a name."),
            ),
        ]

    def __str__(self):
        whose = self.get_kind_display() if self.collector_id is None else str(self.collector)
        return f"{whose}: {self.name or '—'} {self.promptpay_id}".strip()

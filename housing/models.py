"""Housing relocation: the households who asked to move out of crowded communities, surveyed in
December 2564, and their way towards new homes."""

from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from songkhla_network.models import Community, Person
from songkhla_network.thai import be_date


class Tenure(models.TextChoices):
    RENTING = "renting", _("Renting")
    RAILWAY = "railway", _("Railway land")
    PUBLIC = "public", _("Public land")
    RELATIVE = "relative", _("A relative's house")
    OTHER = "other", _("Other")


class Household(models.Model):
    head = models.OneToOneField(
        Person, verbose_name=_("head of household"), on_delete=models.PROTECT, related_name="household"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("community today"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("address today"), max_length=300, blank=True)
    adults = models.PositiveSmallIntegerField(_("adults"))
    children = models.PositiveSmallIntegerField(_("children"), default=0)
    elderly = models.PositiveSmallIntegerField(_("elderly people"), default=0)
    disabled = models.PositiveSmallIntegerField(_("people with disabilities"), default=0)
    tenure = models.CharField(_("current tenure"), max_length=20, choices=Tenure.choices)
    monthly_income = models.DecimalField(_("monthly income"), max_digits=12, decimal_places=2)
    housing_cost = models.DecimalField(_("monthly housing cost"), max_digits=12, decimal_places=2)
    can_pay = models.DecimalField(_("can pay each month for a new home"), max_digits=12, decimal_places=2)
    member = models.ForeignKey(
        "groups.Member",
        verbose_name=_("savings-group member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
    )
    reason = models.TextField(_("reason for moving"), blank=True)
    preferred_area = models.CharField(_("preferred area"), max_length=200, blank=True)
    surveyed_on = models.DateField(_("survey date"))
    surveyor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("surveyor"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["community__name", "head__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(adults__gte=1),
                name="household_has_an_adult",
                violation_error_message=_("A household has at least one adult."),
            ),
            models.CheckConstraint(
                condition=Q(monthly_income__gte=0, housing_cost__gte=0, can_pay__gte=0),
                name="household_money_not_negative",
                violation_error_message=_("Income and costs cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.head} ({self.community})"

    @property
    def size(self):
        return self.adults + self.children + self.elderly


class Step(models.TextChoices):
    SURVEYED = "surveyed", _("Surveyed")
    VERIFIED = "verified", _("Verified")
    PROPOSED = "proposed", _("In a proposal")
    APPROVED = "approved", _("Approved")
    MOVED = "moved", _("Moved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


STEP_ORDER = [Step.SURVEYED, Step.VERIFIED, Step.PROPOSED, Step.APPROVED, Step.MOVED]


class StatusStepQuerySet(models.QuerySet["StatusStep"]):
    """Steps are the household's history: recorded once, never changed or deleted. A step taken by
    mistake is taken back by a later step that points to it and says why."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise ValidationError(_("Status steps are never changed: record a new step instead."))

    def delete(self) -> NoReturn:
        raise ValidationError(_("Status steps are never deleted: record a new step instead."))

    def erase_reasons(self, marker: str) -> int:
        """The one change a step ever takes: its reason blanked to `marker` when the head of its
        household is erased under the PDPA (the person's `erased_at` set first; PostgreSQL allows
        nothing else)."""
        return super().update(reason=marker)


class StatusStep(models.Model):
    """A dated step of a household towards a new home; the latest is its status. Never changed or
    deleted (PostgreSQL refuses it too): taking a household out of a proposal is a new step, back
    to where it stood before, that points to the step it takes back and says why."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="steps"
    )
    step = models.CharField(_("status"), max_length=20, choices=Step.choices)
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    proposal = models.ForeignKey(
        "Proposal",
        verbose_name=_("proposal to CODI"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="steps",
        help_text=_("The proposal the household was put into, or taken out of, by this step."),
    )
    takes_back = models.OneToOneField(
        "self",
        verbose_name=_("takes back"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taken_back_by",
        help_text=_("The step this one takes back, e.g. a household taken out of a proposal."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    objects = StatusStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("status step")
        verbose_name_plural = _("status steps")
        ordering = ["household", "date", "id"]
        constraints = [
            # Verified and "in a proposal" come again after a household is taken out of a proposal.
            models.UniqueConstraint(
                fields=["household", "step"],
                condition=Q(step__in=["surveyed", "approved", "moved", "withdrawn"]),
                name="status_step_once",
            ),
            models.CheckConstraint(
                condition=~Q(step="withdrawn") | ~Q(reason=""),
                name="withdrawal_has_a_reason",
                violation_error_message=_("Say why the household withdrew."),
            ),
            models.CheckConstraint(
                condition=Q(takes_back__isnull=True) | ~Q(reason=""),
                name="step_taken_back_with_a_reason",
                violation_error_message=_("Say why the household is taken out of the proposal."),
            ),
        ]

    def __str__(self):
        return f"{self.get_step_display()} {be_date(self.date)}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError(_("Status steps are never changed: record a new step instead."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValidationError(_("Status steps are never deleted: record a new step instead."))


class Proposal(models.Model):
    """A project proposal to CODI (พอช.) for new homes for the households it includes."""

    title = models.CharField(_("project title"), max_length=300)
    date = models.DateField(_("date"))
    target_site = models.CharField(_("target site"), max_length=300)
    background = models.TextField(
        _("background and reasons"),
        blank=True,
        help_text=_(
            "Why the households ask to move and what the network proposes; printed at the head of the proposal."
        ),
    )
    households = models.ManyToManyField(Household, verbose_name=_("households"), related_name="proposals", blank=True)
    history = HistoricalRecords(m2m_fields=[households])

    class Meta:
        verbose_name = _("proposal to CODI")
        verbose_name_plural = _("proposals to CODI")
        ordering = ["-date", "-id"]

    def __str__(self):
        return self.title


class BudgetLine(models.Model):
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    item = models.CharField(_("item"), max_length=300)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["proposal", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="budget_line_positive",
                violation_error_message=_("The amount must be more than 0 baht."),
            )
        ]

    def __str__(self):
        return self.item

"""What every program area shares: who signs in and in what role, the communities of the
municipality, and the people who appear as savers, surveyed households and tenants."""

from typing import Any, NoReturn, Self, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .validators import mask_national_id, validate_national_id


class Role(models.TextChoices):
    LEADER = "leader", _("Network leader")
    TREASURER = "treasurer", _("Group treasurer")
    COLLECTOR = "collector", _("Rent collector")
    STAFF = "staff", _("Staff")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    person = models.OneToOneField(
        "Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
        help_text=_("The person this login belongs to, if they are in the records."),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=Role.values) | Q(is_superuser=True),
                name="user_role_known",
                violation_error_message=_("Choose one of the roles."),
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Only leaders (and the technical superuser) may open the admin; keep Django's flag in
        # step with the role so nobody has to remember to tick it.
        self.is_staff = self.is_superuser or self.role == Role.LEADER
        super().save(*args, **kwargs)

    @property
    def is_leader(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == Role.LEADER)

    @property
    def is_network_staff(self) -> bool:
        return self.is_active and self.role == Role.STAFF

    @property
    def reads_everything(self) -> bool:
        return self.is_leader or self.is_network_staff

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Community(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    district = models.CharField(_("district"), max_length=100, default="เมืองสงขลา")
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """One person, once: a saver may also be a surveyed household and a railway-land tenant."""

    class Title(models.TextChoices):
        MR = "นาย", _("Mr")
        MRS = "นาง", _("Mrs")
        MISS = "นางสาว", _("Miss")

    title = models.CharField(_("title"), max_length=20, choices=Title.choices, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    national_id = models.CharField(
        _("national ID number"),
        max_length=13,
        blank=True,
        validators=[validate_national_id],
        help_text=_("13 digits, optional. Shown masked."),
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    erased_at = models.DateTimeField(
        _("personal data erased at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when the person's personal data were erased at their request; their money rows stay."),
    )
    history = HistoricalRecords()

    # What an erased person's name becomes, in the language of the day it was erased; pages show
    # ERASED_NAME in the reader's language whatever was stored.
    ERASED_NAME = _("(erased)")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["first_name", "last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=~Q(national_id=""),
                name="person_national_id_unique",
                violation_error_message=_("Another person already has this national ID number."),
            ),
            models.CheckConstraint(
                condition=Q(national_id="") | Q(national_id__regex=r"^[0-9]{13}$"),
                name="person_national_id_13_digits",
                violation_error_message=_("A national ID number has 13 digits."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        if self.erased_at:
            return str(self.ERASED_NAME)
        return " ".join(p for p in (f"{self.title}{self.first_name}", self.last_name) if p)

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id)


_Row = TypeVar("_Row", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_Row]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ValidationError(_("Money rows are never changed: post a reversal instead."))

    def delete(self) -> NoReturn:
        raise ValidationError(_("Money rows are never deleted: post a reversal instead."))


class AppendOnly(models.Model):
    """A money row: written once, never edited or deleted through Django. Each program area's
    migrations also make the database refuse UPDATE and DELETE on these tables."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError(_("Money rows are never changed: post a reversal instead."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValidationError(_("Money rows are never deleted: post a reversal instead."))


class PostedRow(AppendOnly):
    """A money row that records who posted it and when."""

    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        abstract = True


# Personal data under Thailand's Personal Data Protection Act (PDPA, พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล).


class Purpose(models.TextChoices):
    """What the network collects a person's data for. Consent is given for one purpose at a time."""

    HOUSING = "housing", _("The relocation survey and the housing proposal to CODI")
    SAVINGS = "savings", _("Savings-group membership and passbook")
    RENT = "rent", _("Collecting railway-land rent on CODI's behalf")
    WORKS = "works", _("Community works, contests and their photos")


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed paper form")
    THUMBPRINT = "thumbprint", _("Thumbprint on the paper form")
    VERBAL = "verbal", _("Verbal, with a witness")


class PersonalDataConsent(models.Model):
    """What a person said, on a day, about the network keeping their data for a purpose. Records
    are added, never changed: a withdrawal is a new record with `given` off, and the latest record
    for a person and purpose is what holds. The records stay when the person's data are erased:
    they are the proof of what was allowed, and hold nothing but the witness's name."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given = models.BooleanField(
        _("consent given"),
        default=True,
        help_text=_("Untick to record that the person refused or withdrew their consent."),
    )
    given_on = models.DateField(_("date"))
    how = models.CharField(_("how"), max_length=20, choices=ConsentMethod.choices)
    witness = models.CharField(
        _("witness"), max_length=200, blank=True, help_text=_("Who heard it, for consent given by word of mouth.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["person", "purpose", "given_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=Purpose.values),
                name="consent_purpose_known",
                violation_error_message=_("Choose one of the purposes."),
            ),
            models.CheckConstraint(
                condition=Q(how__in=ConsentMethod.values),
                name="consent_how_known",
                violation_error_message=_("Say how the consent was given."),
            ),
            models.CheckConstraint(
                condition=~Q(how=ConsentMethod.VERBAL) | ~Q(witness=""),
                name="verbal_consent_has_a_witness",
                violation_error_message=_("Consent given by word of mouth needs the name of a witness."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_purpose_display()}"


class Access(models.TextChoices):
    VIEWED = "viewed", _("Viewed")
    EXPORTED = "exported", _("Exported")
    ERASED = "erased", _("Erased")


class PersonalDataAccess(models.Model):
    """Who viewed, exported or erased personal data, and when: one row per page opened, file
    downloaded or erasure. `person` is empty for an export of many people (`rows` says how many).
    `what` never holds a name, so the log keeps nothing an erasure must remove."""

    # Empty: the member themself, through their card (groups.cards), without a login.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="data_accesses"
    )
    action = models.CharField(_("action"), max_length=20, choices=Access.choices)
    what = models.CharField(_("what"), max_length=300)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "at"], name="data_access_person_at")]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=Access.values), name="data_access_action_known"),
            models.CheckConstraint(condition=~Q(action=Access.ERASED) | ~Q(reason=""), name="erasure_has_a_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.what} ({self.reader})"

    @property
    def reader(self) -> str:
        """Who read: the user, or the member themself through their card."""
        return str(self.user) if self.user_id else str(_("the member, by their card"))

    @classmethod
    def log(
        cls,
        *,
        user: "User | None",
        action: Access,
        what: str,
        person: Person | None = None,
        rows: int | None = None,
        reason: str = "",
    ) -> Self:
        """One line of the log: a person's page or data (`person`), or an export of many people
        (`rows` of them). Every view, export and erasure of personal data writes one; `user` is
        None when the member opened their own card's page."""
        return cls.objects.create(user=user, person=person, action=action, what=what, rows=rows, reason=reason)

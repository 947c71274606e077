"""What every program area shares: who signs in and in what role, the communities of the
municipality, and the people who appear as savers, surveyed households and tenants."""

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
                name="user_role_known", violation_error_message=_("Choose one of the roles."),
            )
        ]

    def save(self, *args, **kwargs):
        # Only leaders (and the technical superuser) may open the admin; keep Django's flag in
        # step with the role so nobody has to remember to tick it.
        self.is_staff = self.is_superuser or self.role == Role.LEADER
        super().save(*args, **kwargs)

    @property
    def is_leader(self):
        return self.is_active and (self.is_superuser or self.role == Role.LEADER)

    @property
    def is_network_staff(self):
        return self.is_active and self.role == Role.STAFF

    @property
    def reads_everything(self):
        return self.is_leader or self.is_network_staff

    def __str__(self):
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

    def __str__(self):
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
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["first_name", "last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"], condition=~Q(national_id=""), name="person_national_id_unique", violation_error_message=_("Another person already has this national ID number.")
            ),
            models.CheckConstraint(
                condition=Q(national_id="") | Q(national_id__regex=r"^[0-9]{13}$"),
                name="person_national_id_13_digits", violation_error_message=_("A national ID number has 13 digits."),
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return " ".join(p for p in (f"{self.title}{self.first_name}", self.last_name) if p)

    @property
    def masked_national_id(self):
        return mask_national_id(self.national_id)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("Money rows are never changed: post a reversal instead."))

    def delete(self):
        raise ValidationError(_("Money rows are never deleted: post a reversal instead."))


class AppendOnly(models.Model):
    """A money row: written once, never edited or deleted through Django. Each program area's
    migrations also make the database refuse UPDATE and DELETE on these tables."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Money rows are never changed: post a reversal instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Money rows are never deleted: post a reversal instead."))


class PostedRow(AppendOnly):
    """A money row that records who posted it and when."""

    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        abstract = True

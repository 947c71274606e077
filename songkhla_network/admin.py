from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django import forms
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.utils import display_for_field
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper, ObjDiffDisplay

from . import forms as thai_forms
from .models import Community, Person, PersonalDataAccess, PersonalDataConsent, User
from .thai import format_baht

if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin
    from django.contrib.admin.widgets import AutocompleteMixin
    from django.template.response import _TemplateForResponseT
    from django_stubs_ext import StrOrPromise
    from simple_history.models import ModelChange

    # What the two mixins below are mixed into, for mypy to check them against.
    _AdminBase = BaseModelAdmin[Any]
    _AutocompleteBase = AutocompleteMixin
else:
    _AdminBase = _AutocompleteBase = object


def baht_column(field: str, description: StrOrPromise) -> Callable[[models.Model], str]:
    """A list column showing a money field as 56,000.00 (Django's admin prints 56000.00)."""

    @admin.display(description=description, ordering=field)
    def column(obj: models.Model) -> str:
        return format_baht(getattr(obj, field))

    return column


def _is_id(value: object) -> bool:
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 18


class _IdsOnly(_AutocompleteBase):
    """Django's autocomplete box looks the posted value up as ids to show it again: a value that
    is no id ("abc", "²", a forged post) broke the page with a server error instead of showing
    the form's "not one of the choices"."""

    def optgroups(
        self, name: str, value: Sequence[str], attr: dict[str, Any] | None = None
    ) -> list[tuple[str | None, list[dict[str, Any]], int | None]]:
        return super().optgroups(name, [v for v in value if _is_id(v)], attr)


class _AutocompleteSelect(_IdsOnly, AutocompleteSelect):
    pass


class _AutocompleteSelectMultiple(_IdsOnly, AutocompleteSelectMultiple):
    pass


class SafeAutocomplete(_AdminBase):
    """Mixed into model admins and inlines with `autocomplete_fields`: a posted value that is no
    id shows as nothing chosen, beside the form's error."""

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField[Any] | None:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField[Any] | None:
        if "widget" not in kwargs:
            if db_field.name in self.get_autocomplete_fields(request):
                kwargs["widget"] = _AutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
            elif db_field.name not in (*self.raw_id_fields, *self.filter_vertical, *self.filter_horizontal):
                # A box to tick for each choice: a list that takes several needs Control held
                # down, which no phone has.
                kwargs["widget"] = forms.CheckboxSelectMultiple
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None:
            # Without Django's "Hold down “Control”, or “Command” on a Mac, to select more than
            # one.", which it adds to any other list.
            field.help_text = kwargs.get("help_text", db_field.help_text)
        return field


class ThaiModelAdmin(SafeAutocomplete, SimpleHistoryAdmin):
    """Every admin page takes B.E. dates and baht amounts as the rest of the app does, and keeps
    the history of what changed."""

    formfield_overrides: ClassVar[Mapping[type[models.Field[Any, Any]], Mapping[str, Any]]] = {
        models.DateField: {"form_class": thai_forms.BEDateField, "widget": thai_forms.BEDateInput},
        models.DecimalField: {"form_class": thai_forms.MoneyField},
    }
    object_history_template: ClassVar[_TemplateForResponseT | None]

    def __init__(self, model: type[models.Model], admin_site: admin.AdminSite) -> None:
        # mypy sees BaseModelAdmin's __init__ (through SafeAutocomplete) before the untyped
        # SimpleHistoryAdmin's, which is ModelAdmin's.
        super().__init__(model, admin_site)  # type: ignore[call-arg]
        if not _keeps_history(model):
            # Django's own page: the admin's log of changes. Set per model admin, where django-stubs
            # expects a class attribute.
            self.object_history_template = None  # type: ignore[misc]

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # A model that keeps no history rows of its own (an order: its round's records keep it)
        # shows the admin's log of its changes; simple_history's page broke with a server error.
        if not _keeps_history(self.model):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def set_history_delta_changes(
        # simple_history's historical models are made at run time, without types.
        self,
        request: HttpRequest,
        historical_records: Sequence[Any],
        foreign_keys_are_objs: bool = True,
    ) -> None:
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for record in historical_records:
            if record.history_change_reason is None:
                record.history_change_reason = ""  # the page printed "None"

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return _ThaiHistoryHelper(self.model, historical_record)

    def get_deleted_objects(
        self, objs: Sequence[models.Model] | models.QuerySet[models.Model], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[str]]:
        return _without_links(*super().get_deleted_objects(objs, request))


def _keeps_history(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


class _ThaiDiffDisplay(ObjDiffDisplay):
    def shortened_str(self, prefix: str, num_skipped_chars: int, suffix: str) -> str:
        # simple_history writes "[1810 chars]" where it shortens a long value.
        return gettext("%(start)s … (%(count)s more characters) … %(end)s") % {
            "start": prefix,
            "count": f"{num_skipped_chars:,}",
            "end": suffix,
        }


class _ThaiHistoryHelper(HistoricalRecordContextHelper):
    """What changed, as the admin shows the value elsewhere: a choice by its Thai name (not its code,
    "renting"), a date in the B.E., nothing as "-" (not "None"), a link that was empty as "-" (not
    "Deleted user (pk=None)")."""

    def prepare_delta_change_value(self, change: ModelChange, value: object) -> object:
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return super().prepare_delta_change_value(change, value)
        if isinstance(value, DeletedObject):
            if value.pk is None:
                return EMPTY
            return gettext("Deleted %(type_name)s") % {"type_name": value.model._meta.verbose_name}
        if value is None or value == "":
            return EMPTY
        if field.is_relation:
            return value
        return display_for_field(value, field, EMPTY)

    def get_obj_diff_display(self) -> ObjDiffDisplay:
        return _ThaiDiffDisplay(max_length=self.max_displayed_delta_change_chars)


EMPTY = "-"  # as the admin's lists show an empty value


def _without_links(
    to_delete: list[Any], model_count: dict[str, int], perms_needed: set[str], protected: list[str]
) -> tuple[list[Any], dict[str, int], set[str], list[str]]:
    """The page that asks "delete this?" lists, beside the records, the rows of Django's own tables
    that link two records (a household in a proposal, a member in a work), named in English from
    the code ("proposal-household relationship: Proposal_households object (3)"). Deleting the
    record unlinks them; they are not records anyone keeps, and are not listed."""
    from django.apps import apps

    links = [m._meta for m in apps.get_models(include_auto_created=True) if m._meta.auto_created]
    names = {f"{capfirst(opts.verbose_name)}:" for opts in links}

    # A list of str(record), each followed by a list of what it takes with it, nested alike.
    def keep(items: list[Any]) -> list[Any]:
        kept: list[Any] = []
        for item in items:
            if isinstance(item, list):
                inner = keep(item)
                if inner:
                    kept.append(inner)
            elif not str(item).startswith(tuple(names)):
                kept.append(item)
        return kept

    plurals = {str(opts.verbose_name_plural) for opts in links}
    model_count = {name: count for name, count in model_count.items() if str(name) not in plurals}
    return keep(to_delete), model_count, perms_needed, protected


def _thai_boolean_icon(field_val: bool | None) -> SafeString:
    """Django's yes / no / unknown icon of a list or a read-only field, with its alt text in Thai:
    Django writes alt="True", alt="False" or alt="None"."""
    name = {True: "yes", False: "no", None: "unknown"}[field_val]
    icon = static(f"admin/img/icon-{name}.svg")
    return format_html('<img src="{}" alt="{}">', icon, {True: _("Yes"), False: _("No"), None: _("Unknown")}[field_val])


# Django's admin looks the icon up here each time it draws one (helpers.py, utils.py).
# A private function of Django's, absent from its stubs.
admin_list._boolean_icon = _thai_boolean_icon  # type: ignore[attr-defined]


@admin.register(Community)
class CommunityAdmin(ThaiModelAdmin):
    list_display = ["name", "district"]
    list_filter = ["district"]
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(ThaiModelAdmin):
    list_display = ["full_name", "community", "phone", "masked_national_id"]
    list_filter = ["community"]
    search_fields = ["first_name", "last_name", "phone", "national_id"]
    list_select_related = ["community"]
    autocomplete_fields = ["community"]
    fields = ["title", "first_name", "last_name", "phone", "national_id", "community", "address", "erased_at"]
    readonly_fields = ["erased_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Person | None = None) -> list[str] | tuple[str, ...]:
        # An erased person stays erased: their fields are not typed back in by hand.
        if obj is not None and obj.erased_at:
            return cast(list[str], self.fields)  # names, not groups of them
        return self.readonly_fields

    @admin.display(description=_("name"), ordering="first_name")
    def full_name(self, obj: Person) -> str:
        return obj.full_name

    @admin.display(description=_("national ID number"))
    def masked_national_id(self, obj: Person) -> str:
        return obj.masked_national_id

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "national_id":
            kwargs["form_class"] = thai_forms.NationalIdField
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# Roles decide what a login may do (songkhla_network/roles.py): Django's groups and per-login
# permissions (some 480 "Can add log entry"s, in English) decide nothing here and are not shown.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django explains its choice "password-based authentication" with Single Sign-On and LDAP,
    and warns in English whatever the language (the warning is added to the translated text as
    it is). Here: what turning it off means in this app, which has no other way to sign in."""

    # Lazy, to be read in the reader's language; django-stubs types it as a plain str.
    usable_password_help_text = format_lazy(  # type: ignore[assignment]
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        _(
            "Turned off, nobody can sign in with this login: the app has no other way in. "
            "To stop a login for a while, untick “active” on its page instead."
        ),
        _("Turned off, the login's current password is lost."),
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ThaiModelAdmin):
    change_password_form = PasswordChangeForm
    list_display = ["username", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name"]
    autocomplete_fields = ["person"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email", "person"]}),
        (_("Role"), {"fields": ["role", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "role", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["turn_off_second_factor"]

    @admin.display(description=_("name"))
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    @admin.action(description=_("Turn off the second factor (a lost or changed phone)"))
    def turn_off_second_factor(self, request: HttpRequest, queryset: models.QuerySet[User]) -> None:
        """A leader who lost their phone cannot give a code: another leader turns their second
        factor off here, and they turn it on again with the new phone."""
        from . import two_factor

        users = list(queryset.filter(totpdevice__confirmed=True).distinct())
        two_factor.devices_remove(users=users)
        for user in users:
            self.log_change(request, user, _("Second factor turned off"))
        self.message_user(
            request, _("Second factor turned off for: %(names)s") % {"names": ", ".join(map(str, users)) or "-"}
        )


@admin.register(PersonalDataConsent)
class PersonalDataConsentAdmin(SafeAutocomplete, admin.ModelAdmin):
    """Consent records are added (a withdrawal too, with "consent given" unticked), never changed
    or deleted: they are what the network was allowed to do, and when."""

    formfield_overrides = ThaiModelAdmin.formfield_overrides

    list_display = ["person", "purpose", "given", "given_on", "how", "recorded_by"]
    list_filter = ["purpose", "given", "how"]
    search_fields = ["person__first_name", "person__last_name"]
    list_select_related = ["person", "recorded_by"]
    autocomplete_fields = ["person"]
    fields = ["person", "purpose", "given", "given_on", "how", "witness", "recorded_by", "recorded_at"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def save_model(
        self, request: HttpRequest, obj: PersonalDataConsent, form: forms.ModelForm[Any], change: bool
    ) -> None:
        obj.recorded_by = cast(User, request.user)  # the admin opens to signed-in leaders only
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request: HttpRequest, obj: PersonalDataConsent | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: PersonalDataConsent | None = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records shown, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """Who viewed, exported or erased personal data: a log nobody edits."""

    list_display = ["at", "user", "action", "person", "what", "rows"]
    list_filter = ["action", "user"]
    list_select_related = ["user", "person"]
    date_hierarchy = "at"

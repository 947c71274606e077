from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import forms as thai_forms
from .models import Community, Person, PersonalDataAccess, PersonalDataConsent, User
from .thai import format_baht


def baht_column(field, description):
    """A list column showing a money field as 56,000.00 (Django's admin prints 56000.00)."""

    @admin.display(description=description, ordering=field)
    def column(obj):
        return format_baht(getattr(obj, field))

    return column


def _is_id(value):
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 18


class _IdsOnly:
    """Django's autocomplete box looks the posted value up as ids to show it again: a value that
    is no id ("abc", "²", a forged post) broke the page with a server error instead of showing
    the form's "not one of the choices"."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if _is_id(v)], attr)


class _AutocompleteSelect(_IdsOnly, AutocompleteSelect):
    pass


class _AutocompleteSelectMultiple(_IdsOnly, AutocompleteSelectMultiple):
    pass


class SafeAutocomplete:
    """Mixed into model admins and inlines with `autocomplete_fields`: a posted value that is no
    id shows as nothing chosen, beside the form's error."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = _AutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ThaiModelAdmin(SafeAutocomplete, SimpleHistoryAdmin):
    """Every admin page takes B.E. dates and baht amounts as the rest of the app does, and keeps
    the history of what changed."""

    formfield_overrides = {
        models.DateField: {"form_class": thai_forms.BEDateField, "widget": thai_forms.BEDateInput},
        models.DecimalField: {"form_class": thai_forms.MoneyField},
    }


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

    def get_readonly_fields(self, request, obj=None):
        # An erased person stays erased: their fields are not typed back in by hand.
        if obj is not None and obj.erased_at:
            return self.fields
        return self.readonly_fields

    @admin.display(description=_("name"), ordering="first_name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description=_("national ID number"))
    def masked_national_id(self, obj):
        return obj.masked_national_id

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "national_id":
            kwargs["form_class"] = thai_forms.NationalIdField
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ThaiModelAdmin):
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
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.action(description=_("Turn off the second factor (a lost or changed phone)"))
    def turn_off_second_factor(self, request, queryset):
        """A leader who lost their phone cannot give a code: another leader turns their second
        factor off here, and they turn it on again with the new phone."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        users = list(queryset.filter(totpdevice__confirmed=True).distinct())
        TOTPDevice.objects.filter(user__in=users).delete()
        for user in users:
            self.log_change(request, user, _("Second factor turned off"))
        self.message_user(request, _("Second factor turned off for: %(names)s") % {"names": ", ".join(map(str, users)) or "-"})


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

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records shown, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """Who viewed, exported or erased personal data: a log nobody edits."""

    list_display = ["at", "user", "action", "person", "what", "rows"]
    list_filter = ["action", "user"]
    list_select_related = ["user", "person"]
    date_hierarchy = "at"

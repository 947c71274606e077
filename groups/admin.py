from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from songkhla_network.admin import ReadOnlyAdmin, SafeAutocomplete, ThaiModelAdmin, baht_column

from .models import CollectionSheet, GroupStatusChange, LedgerEntry, Member, Officer, SavingsGroup


class StatusChangeInline(admin.TabularInline):
    model = GroupStatusChange
    extra = 0
    formfield_overrides = ThaiModelAdmin.formfield_overrides


class OfficerInline(SafeAutocomplete, admin.TabularInline):
    model = Officer
    extra = 0
    autocomplete_fields = ["person"]
    formfield_overrides = ThaiModelAdmin.formfield_overrides


@admin.register(SavingsGroup)
class SavingsGroupAdmin(ThaiModelAdmin):
    list_display = [
        "name",
        "community",
        "meeting_day",
        baht_column("default_commitment", _("default monthly commitment")),
    ]
    list_filter = ["status_changes__status", "community"]
    search_fields = ["name", "community__name"]
    list_select_related = ["community"]
    autocomplete_fields = ["community"]
    # treasurers: a box to tick per treasurer login (ThaiModelAdmin), not Django's two lists,
    # which on a phone are two short boxes side by side.
    inlines = [StatusChangeInline, OfficerInline]


@admin.register(Member)
class MemberAdmin(ThaiModelAdmin):
    list_display = [
        "number",
        "person",
        "group",
        "joined_on",
        "left_on",
        baht_column("commitment", _("monthly commitment")),
    ]
    list_display_links = ["number", "person"]
    list_filter = ["group", "left_on"]
    search_fields = ["person__first_name", "person__last_name", "group__name"]
    list_select_related = ["person", "group"]
    autocomplete_fields = ["person", "group"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """Money rows are shown, never added, changed or deleted here: corrections are reversals,
    made from the member's passbook."""

    list_display = [
        "date",
        "member",
        "group",
        "kind",
        "month",
        baht_column("amount", _("amount")),
        "reverses",
        "posted_by",
        "posted_at",
    ]
    # No date_hierarchy: its year links print C.E. years.
    list_filter = ["kind", "group", "date"]
    search_fields = ["member__person__first_name", "member__person__last_name", "group__name", "reason"]
    list_select_related = ["member__person", "group", "posted_by", "reverses"]
    ordering = ["-date", "-id"]
    list_per_page = 50


@admin.register(CollectionSheet)
class CollectionSheetAdmin(ReadOnlyAdmin):
    list_display = ["group", "month", "paid_on", "posted_by", "posted_at"]
    list_filter = ["group", "month"]
    search_fields = ["group__name"]
    list_select_related = ["group", "posted_by"]

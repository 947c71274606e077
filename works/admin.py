from django.contrib import admin

from songkhla_network.admin import SafeAutocomplete, ThaiModelAdmin

from .forms import QuantityField
from .models import Contest, ContestDocument, Entry, Photo, Quantity, Work


class QuantityInline(admin.TabularInline):
    model = Quantity
    extra = 0
    fields = ["date", "amount", "unit", "note", "recorded_by"]
    readonly_fields = ["recorded_by"]
    formfield_overrides = {
        **ThaiModelAdmin.formfield_overrides,
        Quantity._meta.get_field("amount").__class__: {"form_class": QuantityField},
    }

    def has_add_permission(self, request, obj=None):
        return False  # recorded on the work's page, by who is signed in


class PhotoInline(admin.TabularInline):
    """Photos are shown here, not uploaded: an upload must go through the work's page, where it is
    checked, resized and stripped of its location data."""

    model = Photo
    extra = 0
    fields = ["caption", "width", "height", "uploaded_by", "uploaded_at"]
    readonly_fields = ["width", "height", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Work)
class WorkAdmin(ThaiModelAdmin):
    list_display = ["title", "community", "kind", "started_on"]
    list_filter = ["community", "kind"]
    search_fields = ["title", "community__name"]
    list_select_related = ["community"]
    autocomplete_fields = ["community", "participants"]
    readonly_fields = ["created_by"]
    inlines = [QuantityInline, PhotoInline]

    def has_add_permission(self, request):
        return False  # added on the community's page, where who recorded it is known


class EntryInline(SafeAutocomplete, admin.TabularInline):
    model = Entry
    extra = 0
    fields = ["work", "rank", "award"]
    autocomplete_fields = ["work"]

    def has_add_permission(self, request, obj=None):
        return False  # entered on the contest's page, where the dates are checked


class DocumentInline(admin.TabularInline):
    model = ContestDocument
    extra = 0
    fields = ["title", "kind", "uploaded_by", "uploaded_at"]
    readonly_fields = ["kind", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=ContestDocument._meta.get_field("content_type").verbose_name)
    def kind(self, obj):
        return obj.kind  # "PDF" or "photo", not the MIME type the file is served with


@admin.register(Contest)
class ContestAdmin(ThaiModelAdmin):
    list_display = ["name", "level", "organiser", "date"]
    list_filter = ["level"]
    search_fields = ["name", "organiser"]
    inlines = [EntryInline, DocumentInline]

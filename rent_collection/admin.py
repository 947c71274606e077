"""The rent records in the Thai admin. Receipts, their voids and remittances are money rows: shown
here, never added, changed or deleted (a wrong receipt is voided from its own page, with a
reason)."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from songkhla_network.admin import ReadOnlyAdmin, SafeAutocomplete, ThaiModelAdmin, baht_column

from .models import CodiLetter, LetterCollector, Receipt, ReceiptVoid, Remittance, RemittanceLine, Tenancy


@admin.register(Tenancy)
class TenancyAdmin(ThaiModelAdmin):
    list_display = [
        "contract_number",
        "tenant",
        "community",
        "plot",
        baht_column("monthly_rent", Tenancy._meta.get_field("monthly_rent").verbose_name),
        baht_column("opening_balance", Tenancy._meta.get_field("opening_balance").verbose_name),
        "opening_on",
    ]
    list_filter = ["community"]
    search_fields = ["contract_number", "plot", "tenant__first_name", "tenant__last_name", "community__name"]
    list_select_related = ["tenant", "community"]
    autocomplete_fields = ["tenant", "community"]


class LetterCollectorInline(SafeAutocomplete, admin.TabularInline):
    model = LetterCollector
    extra = 1
    autocomplete_fields = ["communities"]


@admin.register(CodiLetter)
class CodiLetterAdmin(ThaiModelAdmin):
    list_display = ["number", "date", "signed_by", "valid_from", "valid_to"]
    search_fields = ["number", "signed_by"]
    inlines = [LetterCollectorInline]


class VoidInline(admin.StackedInline):
    model = ReceiptVoid
    fields = ["reason", "posted_by", "posted_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "collector",
        "date",
        "tenancy",
        baht_column("amount", Receipt._meta.get_field("amount").verbose_name),
        baht_column("advance", Receipt._meta.get_field("advance").verbose_name),
        "is_void",
        "letter",
    ]
    list_display_links = ["number", "collector"]
    list_filter = ["collector", "tenancy__community", "date"]
    search_fields = ["tenancy__contract_number", "tenancy__tenant__first_name", "tenancy__tenant__last_name"]
    list_select_related = ["collector", "tenancy__tenant", "tenancy__community", "letter"]
    ordering = ["-date", "-id"]
    exclude = ["request_key"]
    inlines = [VoidInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(voided=Exists(ReceiptVoid.objects.filter(receipt=OuterRef("pk"))))

    @admin.display(description=_("voided"), boolean=True, ordering="voided")
    def is_void(self, obj):
        return obj.voided


@admin.register(ReceiptVoid)
class ReceiptVoidAdmin(ReadOnlyAdmin):
    list_display = ["receipt", "reason", "posted_by", "posted_at"]
    list_select_related = ["receipt__collector", "posted_by"]


class RemittanceLineInline(admin.TabularInline):
    model = RemittanceLine
    fields = ["receipt"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("receipt__collector")


@admin.register(Remittance)
class RemittanceAdmin(ReadOnlyAdmin):
    list_display = [
        "transfer_date",
        "collector",
        "bank_reference",
        baht_column("amount", Remittance._meta.get_field("amount").verbose_name),
        "posted_by",
    ]
    list_filter = ["collector"]
    search_fields = ["bank_reference"]
    list_select_related = ["collector", "posted_by"]
    inlines = [RemittanceLineInline]

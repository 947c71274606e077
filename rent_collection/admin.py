"""The rent records in the Thai admin. Receipts, their voids and remittances are money rows: shown
here, never added, changed or deleted (a wrong receipt is voided from its own page, with a
reason). A tenancy's rents, start and opening arrears are typed here until its first receipt, then
only shown, with a link to the tenancy's page, where a rent is changed from a month and the end
of a tenancy is recorded."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from songkhla_network.admin import ReadOnlyAdmin, SafeAutocomplete, ThaiModelAdmin, baht_column
from songkhla_network.forms import BEMonthField, MoneyField
from songkhla_network.thai import format_baht

from .models import (
    CodiLetter,
    LetterCollector,
    Receipt,
    ReceiptVoid,
    Remittance,
    RemittanceLine,
    RentChange,
    Tenancy,
    TransferAccount,
)


class RentInline(admin.TabularInline):
    """A tenancy's rent series: typed here with the tenancy until its first receipt; from then on
    only shown, and changed from a month on the tenancy's page (services.rent_change), where no
    month already due is rewritten."""

    model = RentChange
    fields = ["from_month", "amount"]
    extra = 0
    min_num = 1

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "from_month":
            return BEMonthField(
                label=db_field.verbose_name, help_text=_("The first rent applies from the contract's start.")
            )
        if db_field.name == "amount":
            return MoneyField(label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _open(self, obj):
        return obj is None or not obj.receipts.exists()

    def has_add_permission(self, request, obj=None):
        return self._open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(obj) and super().has_delete_permission(request, obj)


# What the balance of a tenancy is computed from: fixed once money was taken against it.
MONEY_FIELDS = ["start_date", "opening_balance", "opening_on"]


@admin.register(Tenancy)
class TenancyAdmin(ThaiModelAdmin):
    list_display = [
        "contract_number",
        "tenant",
        "community",
        "plot",
        "rent_this_month",
        baht_column("opening_balance", Tenancy._meta.get_field("opening_balance").verbose_name),
        "opening_on",
        "ended_on",
    ]
    list_filter = ["community"]
    search_fields = ["contract_number", "plot", "tenant__first_name", "tenant__last_name", "community__name"]
    list_select_related = ["tenant", "community"]
    autocomplete_fields = ["tenant", "community"]
    fields = [
        "contract_number",
        "community",
        "plot",
        "tenant",
        "start_date",
        "opening_balance",
        "opening_on",
        "opening_source",
        "ended_on",
        "end_reason",
        "where_to_change",
        "note",
    ]
    inlines = [RentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rents")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "opening_balance":  # 0 when nothing was owed
            return MoneyField(allow_zero=True, label=db_field.verbose_name, help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The end of a tenancy is recorded on its page; what its balance is computed from is fixed
        # here once a receipt was written against it.
        fixed = MONEY_FIELDS if obj is not None and obj.receipts.exists() else []
        return [*fixed, "ended_on", "end_reason", "where_to_change"]

    @admin.display(description=_("monthly rent this month"))
    def rent_this_month(self, obj):
        return format_baht(obj.rent_in(timezone.localdate()))

    @admin.display(description=_("rent changes and the end of the tenancy"))
    def where_to_change(self, obj):
        if obj is None or obj.pk is None:
            return _("Recorded on the tenancy's page once it is saved.")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("rent:tenancy", args=[obj.pk]),
            _(
                "Change the rent from a month, or record the end of the tenancy, on the tenancy's page. "
                "Once a receipt is written, the opening arrears, their date, the start and the rents are fixed here."
            ),
        )


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
    fields = ["date", "reason", "posted_by", "posted_at"]
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
        "method",
        "bank_reference",
        "is_void",
        "letter",
    ]
    list_display_links = ["number", "collector"]
    list_filter = ["collector", "tenancy__community", "date", "method"]
    search_fields = [
        "tenancy__contract_number",
        "tenancy__tenant__first_name",
        "tenancy__tenant__last_name",
        "bank_reference",
    ]
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
    list_display = ["receipt", "date", "reason", "posted_by", "posted_at"]
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


@admin.register(TransferAccount)
class TransferAccountAdmin(ReadOnlyAdmin):
    """Shown here; set on the rent area's PromptPay accounts page, each setting a new row."""

    list_display = ["posted_at", "kind", "collector", "name", "promptpay_id", "posted_by"]
    list_filter = ["kind", "collector"]
    list_select_related = ["collector", "posted_by"]

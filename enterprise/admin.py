from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from songkhla_network.admin import ReadOnlyAdmin, ThaiModelAdmin, baht_column

from .models import (
    Allocation,
    Batch,
    BatchReversal,
    BuyingRound,
    CashEntry,
    Donation,
    DonationReversal,
    Ingredient,
    LevyLine,
    LevyPosting,
    LiquidSale,
    MaterialMovement,
    MemberPayment,
    Order,
    Product,
    RawMaterial,
    Recipe,
    RoundItem,
    StockMovement,
    Supplier,
)


class ReversalInline(admin.StackedInline):
    """A donation's or a batch's reversal, shown under it; made on the record's page."""

    fields = ["date", "reason", "posted_by", "posted_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DonationReversalInline(ReversalInline):
    model = DonationReversal


class BatchReversalInline(ReversalInline):
    model = BatchReversal


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "donor",
        baht_column("amount", Donation._meta.get_field("amount").verbose_name),
        "purpose",
        "posted_by",
        "where_to_correct",
    ]
    search_fields = ["donor", "purpose"]
    list_select_related = ["posted_by"]
    readonly_fields = ["where_to_correct"]
    inlines = [DonationReversalInline]

    @admin.display(description=_("correction"))
    def where_to_correct(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("enterprise:donation", args=[obj.pk]),
            _("A donation is reversed on its page, with the date and the reason."),
        )


class LevyLineInline(admin.TabularInline):
    model = LevyLine
    fields = ["group", "month", "deposits", "levy"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LevyPosting)
class LevyPostingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "posted_by", "posted_at"]
    list_select_related = ["posted_by"]
    inlines = [LevyLineInline]


@admin.register(CashEntry)
class CashEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "kind",
        "description",
        baht_column("amount", CashEntry._meta.get_field("amount").verbose_name),
        "reverses",
        "posted_by",
    ]
    list_filter = ["kind", "date"]
    search_fields = ["description", "reason"]
    list_select_related = ["posted_by", "reverses"]
    ordering = ["-date", "-id"]


@admin.register(Supplier)
class SupplierAdmin(ThaiModelAdmin):
    list_display = ["name", "phone"]
    search_fields = ["name"]


@admin.register(Product)
class ProductAdmin(ThaiModelAdmin):
    list_display = [
        "name",
        "unit",
        "supplier",
        "units_per_pack",
        baht_column("member_price", Product._meta.get_field("member_price").verbose_name),
        baht_column("retail_price", Product._meta.get_field("retail_price").verbose_name),
        "retail_seen_on",
        "active",
    ]
    list_filter = ["active", "supplier"]
    search_fields = ["name"]
    list_select_related = ["supplier"]


class RoundItemInline(admin.TabularInline):
    model = RoundItem
    extra = 0
    fields = ["product", "units_per_pack", "pack_price", "member_price", "retail_price", "packs_to_buy"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BuyingRound)
class BuyingRoundAdmin(ThaiModelAdmin):
    list_display = ["title", "opened_on", "closes_on", "pickup_on", "closed_at"]
    readonly_fields = ["closed_at", "closed_by"]
    inlines = [RoundItemInline]


@admin.register(Order)
class OrderAdmin(ThaiModelAdmin):
    list_display = ["item", "member", "quantity", "entered_by", "entered_at"]
    list_filter = ["item__round"]
    search_fields = ["member__person__first_name", "member__person__last_name"]
    list_select_related = ["item__product", "member__person", "entered_by"]
    autocomplete_fields = ["member"]

    # Closing a round freezes its orders, here as in the app.
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.item.round.closed_at is None)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.item.round.closed_at is None)


@admin.register(RawMaterial)
class RawMaterialAdmin(ThaiModelAdmin):
    list_display = ["name", "unit"]
    search_fields = ["name"]


class IngredientInline(admin.TabularInline):
    model = Ingredient
    extra = 1


@admin.register(Recipe)
class RecipeAdmin(ThaiModelAdmin):
    list_display = ["name", "expected_litres", "member_price", "community_price"]
    inlines = [IngredientInline]


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "recipe",
        "scale",
        "litres",
        baht_column("cost", Batch._meta.get_field("cost").verbose_name),
        "where_to_correct",
    ]
    list_filter = ["recipe"]
    list_select_related = ["recipe"]
    readonly_fields = ["where_to_correct"]
    inlines = [BatchReversalInline]

    @admin.display(description=_("correction"))
    def where_to_correct(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("enterprise:batch", args=[obj.pk]),
            _("A batch is reversed on its page, with the date and the reason."),
        )


@admin.register(LiquidSale)
class LiquidSaleAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "recipe",
        "buyer",
        "member",
        "litres",
        baht_column("amount", LiquidSale._meta.get_field("amount").verbose_name),
    ]
    list_filter = ["recipe", "buyer"]
    list_select_related = ["recipe", "member__person"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    """Shares are changed from the pick-up list, where the stock follows the change."""

    list_display = ["order", "quantity", "reason", "set_by", "set_at"]
    list_filter = ["order__item__round"]
    list_select_related = ["order__item__product", "order__member__person", "set_by"]


@admin.register(MemberPayment)
class MemberPaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "round",
        "member",
        baht_column("amount", MemberPayment._meta.get_field("amount").verbose_name),
        "posted_by",
    ]
    list_filter = ["round"]
    list_select_related = ["round", "member__person", "posted_by"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["date", "product", "kind", "quantity", "note", "posted_by"]
    list_filter = ["kind", "product"]
    list_select_related = ["product", "posted_by"]


@admin.register(MaterialMovement)
class MaterialMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "material",
        "kind",
        "quantity",
        baht_column("value", MaterialMovement._meta.get_field("value").verbose_name),
    ]
    list_filter = ["kind", "material"]
    list_select_related = ["material"]

from django.contrib import admin

from groups.admin import ReadOnlyMoneyAdmin
from songkhla_network.admin import baht_column

from .models import CashEntry, Donation, LevyLine, LevyPosting


@admin.register(Donation)
class DonationAdmin(ReadOnlyMoneyAdmin):
    list_display = ["date", "donor", baht_column("amount", Donation._meta.get_field("amount").verbose_name), "purpose", "posted_by"]
    search_fields = ["donor", "purpose"]
    list_select_related = ["posted_by"]


class LevyLineInline(admin.TabularInline):
    model = LevyLine
    fields = ["group", "month", "deposits", "levy"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LevyPosting)
class LevyPostingAdmin(ReadOnlyMoneyAdmin):
    list_display = ["__str__", "posted_by", "posted_at"]
    list_select_related = ["posted_by"]
    inlines = [LevyLineInline]


@admin.register(CashEntry)
class CashEntryAdmin(ReadOnlyMoneyAdmin):
    list_display = ["date", "kind", "description", baht_column("amount", CashEntry._meta.get_field("amount").verbose_name), "reverses", "posted_by"]
    list_filter = ["kind", "date"]
    search_fields = ["description", "reason"]
    list_select_related = ["posted_by", "reverses"]
    ordering = ["-date", "-id"]

from django.contrib import admin

from songkhla_network.admin import ThaiModelAdmin, baht_column

from .models import BudgetLine, Household, Proposal, StatusStep


class StatusStepInline(admin.TabularInline):
    """The household's steps, read-only: they are its history, recorded on the household's page
    (where their order is checked) and the proposal's (in and out of a proposal); a step is never
    changed or deleted, and PostgreSQL refuses it too."""

    model = StatusStep
    extra = 0
    fields = ["step", "date", "proposal", "takes_back", "reason", "recorded_by"]
    readonly_fields = fields
    formfield_overrides = ThaiModelAdmin.formfield_overrides

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(ThaiModelAdmin):
    list_display = [
        "head",
        "community",
        "tenure",
        baht_column("monthly_income", Household._meta.get_field("monthly_income").verbose_name),
        "surveyed_on",
    ]
    list_filter = ["community", "tenure"]
    search_fields = ["head__first_name", "head__last_name", "head__national_id"]
    list_select_related = ["head", "community"]
    autocomplete_fields = ["head", "community", "member"]
    readonly_fields = ["surveyor"]
    inlines = [StatusStepInline]

    def has_add_permission(self, request):
        # Surveyed on the survey form, which records the surveyor, the first step and the head's
        # consent; added here, a household had none of them (and the missing surveyor broke the page).
        return False

    def has_delete_permission(self, request, obj=None):
        # Its steps are kept for good; a person's data go by the PDPA erasure, which keeps them.
        return False


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 1
    formfield_overrides = ThaiModelAdmin.formfield_overrides


@admin.register(Proposal)
class ProposalAdmin(ThaiModelAdmin):
    list_display = ["title", "date", "target_site"]
    # Households go in and out on the proposal's own page, which takes verified households only
    # and records their step "in a proposal"; ticked here, a household skipped both.
    readonly_fields = ["households"]
    inlines = [BudgetLineInline]

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from songkhla_network.admin import ReadOnlyAdmin, SafeAutocomplete, ThaiModelAdmin, baht_column
from songkhla_network.thai import be_date, be_month, format_baht

from . import selectors, services
from .models import CollectionSheet, GroupStatusChange, LedgerEntry, Member, Officer, SavingsGroup


class StatusStepsInline(admin.TabularInline):
    """The group's steps so far, read-only: its past is not rewritten here."""

    model = GroupStatusChange
    extra = 0
    fields = ["date", "status", "note"]
    readonly_fields = fields
    verbose_name_plural = _("the group's life so far")
    formfield_overrides = ThaiModelAdmin.formfield_overrides

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NewStepsFormSet(forms.BaseInlineFormSet):
    """The steps added on the page, checked together after the group's recorded ones by the rule
    the service applies (services.status_steps_check)."""

    def new_rows(self):
        """The rows filled in, oldest first: the order they are checked and recorded in."""
        rows = [
            form
            for form in self.forms
            if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        return sorted(rows, key=lambda form: form.cleaned_data["date"])

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        rows = self.new_rows()
        today = timezone.localdate()
        for index, form in enumerate(rows):
            steps = [(row.cleaned_data["status"], row.cleaned_data["date"]) for row in rows[: index + 1]]
            try:
                services.status_steps_check(group=self.instance, steps=steps, today=today)
            except ValidationError as error:
                # Beside the row the rule stops at; the rows after it wait for it to be right.
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
                return


class NewStepInline(admin.TabularInline):
    """A step to add: the next in the group's life, dated after its last (models.NEXT_STATUSES)."""

    model = GroupStatusChange
    formset = NewStepsFormSet
    extra = 0
    fields = ["status", "date", "note"]
    verbose_name = _("new step")
    verbose_name_plural = _("add the group's next step")
    formfield_overrides = ThaiModelAdmin.formfield_overrides

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OfficerInline(SafeAutocomplete, admin.TabularInline):
    model = Officer
    extra = 0
    autocomplete_fields = ["person"]
    formfield_overrides = ThaiModelAdmin.formfield_overrides


def login_and_name(user):
    """A treasurer login as a leader tells it from another: "treasurer_a — Somsri Jaidee"."""
    name = user.get_full_name()
    return f"{user.username} — {name}" if name else user.username


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
    fields = ["name", "community", "meeting_day", "default_commitment", "treasurers", "note", "members_page"]
    readonly_fields = ["members_page"]
    # treasurers: a box to tick per treasurer login (ThaiModelAdmin), not Django's two lists,
    # which on a phone are two short boxes side by side.
    inlines = [StatusStepsInline, NewStepInline, OfficerInline]

    @admin.display(description=_("members"))
    def members_page(self, obj):
        if obj is None or obj.pk is None:
            return gettext("Members are added from the group's page once the group is saved.")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("groups:detail", args=[obj.pk]),
            gettext("Add, change and move members on the group's page"),
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "treasurers" and field is not None:
            field.queryset = field.queryset.order_by("username")
            field.label_from_instance = login_and_name
        return field

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, NewStepsFormSet):
            return super().save_formset(request, form, formset, change)
        # Steps go through the service, which checks them once more with the group row locked.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.new_rows():
            formset.new_objects.append(
                services.group_status_change(
                    group=form.instance,
                    status=row.cleaned_data["status"],
                    date=row.cleaned_data["date"],
                    note=row.cleaned_data.get("note", ""),
                )
            )


def _change_link(url_name, member, text):
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[member.group_id, member.pk]), text)


class MemberAdminForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["number"]

    def clean_number(self):
        # The group is not on the form, so Django leaves the (group, number) constraint unchecked.
        number = self.cleaned_data["number"]
        taken = Member.objects.filter(group_id=self.instance.group_id, number=number).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(
                gettext("Number %(number)s is %(person)s's; the next free number is %(next)s.")
                % {
                    "number": number,
                    "person": taken.select_related("person").get().person,
                    "next": selectors.next_member_number(self.instance.group),
                }
            )
        return number


@admin.register(Member)
class MemberAdmin(ThaiModelAdmin):
    """What the member's money depends on — their group, dates and commitments — is read-only
    here, each with a link to the page that changes it through the savings services: members
    join from the group's page, and their commitment, leaving and moving are recorded from their
    passbook."""

    list_display = [
        "number",
        "person",
        "group",
        "joined_on",
        "left_on",
    ]
    list_display_links = ["number", "person"]
    list_filter = ["group", "left_on"]
    search_fields = ["person__first_name", "person__last_name", "group__name"]
    list_select_related = ["person", "group"]
    form = MemberAdminForm
    fields = ["group_and_move", "person", "number", "joined_and_left", "commitments_and_change"]
    readonly_fields = ["group_and_move", "person", "joined_and_left", "commitments_and_change"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("group"))
    def group_and_move(self, obj):
        return format_html(
            "{} · {}",
            obj.group,
            _change_link("groups:move", obj, gettext("Move to another group")),
        )

    @admin.display(description=_("joined and left"))
    def joined_and_left(self, obj):
        joined = gettext("joined %(date)s") % {"date": be_date(obj.joined_on)}
        if obj.left_on:
            return format_html("{} · {}", joined, gettext("left %(date)s") % {"date": be_date(obj.left_on)})
        return format_html(
            "{} · {}", joined, _change_link("groups:leave", obj, gettext("Record that the member leaves"))
        )

    @admin.display(description=_("monthly commitment"))
    def commitments_and_change(self, obj):
        series = format_html_join(
            "",
            "<li>{}</li>",
            (
                (
                    gettext("%(amount)s baht a month from %(month)s")
                    % {"amount": format_baht(c.amount), "month": be_month(c.from_month)},
                )
                for c in obj.commitments.order_by("from_month")
            ),
        )
        if obj.left_on:
            return format_html("<ul>{}</ul>", series)
        return format_html(
            "<ul>{}</ul>{}",
            series,
            _change_link("groups:commitment", obj, gettext("Change the commitment from a month")),
        )


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

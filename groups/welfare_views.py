"""The group's fund and what it pays besides savings and loans: the fund on a day (where its money
is and whose it is), the group's costs and its welfare payouts, recorded on a phone at the meeting
and corrected by reversal. The rules are groups.welfare's; the forms here only read what was
typed."""

import datetime
import re

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from songkhla_network.append_only import AlreadyPosted
from songkhla_network.forms import BEDateField, MoneyField, add_service_error
from songkhla_network.roles import group_reader_required, treasurer_required
from songkhla_network.thai import format_baht, month_start

from . import access, selectors, welfare
from .forms import MemberChoiceField, RequestKeyMixin, ReversalForm
from .models import FundEntryKind, Officer

# The forms.


class DayField(BEDateField):
    """A day typed in the Buddhist Era (9/3/2565, 9 มี.ค. 2565), or given in an address as an ISO
    date of the Christian era (2022-03-09), as links write it."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            text = str(value).strip()
            if error.code == "ce_year" and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                try:
                    return datetime.date.fromisoformat(text)
                except ValueError:
                    pass
            raise


class FundDayForm(forms.Form):
    date = DayField(label=gettext_lazy("On the day"), allow_future=False, required=False)


class CostForm(RequestKeyMixin):
    date = BEDateField(label=gettext_lazy("Paid on"), allow_future=False, initial=timezone.localdate)
    amount = MoneyField(label=gettext_lazy("Amount (baht)"))
    what_for = forms.CharField(
        label=gettext_lazy("What for"),
        max_length=300,
        help_text=gettext_lazy("E.g. stationery, or water and snacks for the meeting."),
        error_messages={"required": gettext_lazy("Say what the money was paid for.")},
    )


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.person} ({obj.get_position_display()})"


class WelfareForm(RequestKeyMixin):
    member = MemberChoiceField(
        label=gettext_lazy("Paid to the member"),
        queryset=None,
        empty_label="—",
        error_messages={"invalid_choice": gettext_lazy("Choose a member from the list.")},
    )
    purpose = forms.ChoiceField(
        label=gettext_lazy("Kind of welfare"),
        error_messages={"invalid_choice": gettext_lazy("Choose a kind of welfare from the list.")},
    )
    approved_by = OfficerChoiceField(
        label=gettext_lazy("Approved by"),
        queryset=None,
        empty_label="—",
        help_text=gettext_lazy("An officer of the group, not the member paid."),
        error_messages={"invalid_choice": gettext_lazy("Choose an officer from the list.")},
    )
    date = BEDateField(label=gettext_lazy("Paid on"), allow_future=False, initial=timezone.localdate)
    what_for = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("If any, e.g. the hospital or whose funeral."),
    )

    def __init__(self, *args, group, kinds, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            group.members.filter(left_on__isnull=True).select_related("person").order_by("number")
        )
        self.fields["purpose"].choices = [
            ("", "—"),
            *(
                (kind.purpose, f"{kind.get_purpose_display()} · {format_baht(kind.amount)} {_('baht')}")
                for kind in kinds
            ),
        ]
        self.fields["approved_by"].queryset = officers


# The pages.


@group_reader_required
def fund(request, pk):
    """The group's fund at the end of a day (today unless ?date= says, in B.E. or ISO): where its
    money is, whose it is, and the costs and welfare it paid up to that day."""
    group = access.group_for_reading(request.user, pk)
    today = timezone.localdate()
    form = FundDayForm(request.GET if "date" in request.GET else None, initial={"date": today})
    day = (form.cleaned_data["date"] if form.is_bound and form.is_valid() else None) or today
    can_post = access.can_post(request.user, group)
    rows = welfare.fund_entries(group, day)
    # A row is reversed once and a reversal never; offered on the fund as it stands today.
    may_reverse = can_post and day == today
    links = [
        reverse("groups:fund_reverse", args=[group.pk, row.pk])
        if may_reverse and not (row.reverses_id or row.is_reversed)
        else ""
        for row in rows
    ]
    return render(
        request,
        "groups/fund.html",
        {
            "group": group,
            "form": form,
            "day": day,
            "today": today,
            "fund": selectors.group_fund(group, day),
            "rows": list(zip(rows, links, strict=True)),
            "can_post": can_post,
        },
    )


def _done(request, group, message):
    messages.success(request, message)
    return redirect("groups:fund", pk=group.pk)


@treasurer_required
@require_http_methods(["GET", "POST"])
def cost_pay(request, pk):
    """Record a cost of the group paid from its cash."""
    group = access.group_for_posting(request.user, pk)
    form = CostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cost = welfare.cost_pay(
                group=group,
                date=data["date"],
                amount=data["amount"],
                what_for=data["what_for"],
                user=request.user,
                request_key=data["request_key"],
            )
        except AlreadyPosted:
            messages.info(request, _("This cost was already recorded; it was not recorded twice."))
            return redirect("groups:fund", pk=group.pk)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _done(
                request,
                group,
                _("Cost of %(amount)s baht recorded: %(what_for)s.")
                % {"amount": format_baht(cost.amount), "what_for": cost.what_for},
            )
    today = timezone.localdate()
    return render(
        request,
        "groups/fund_cost_form.html",
        {"group": group, "form": form, "cash": selectors.fund_cash(group, today), "today": today},
    )


@treasurer_required
@require_http_methods(["GET", "POST"])
def welfare_pay(request, pk):
    """Pay a member welfare of a kind in the group's rules, approved by an officer."""
    group = access.group_for_posting(request.user, pk)
    today = timezone.localdate()
    rules = selectors.rules_on(group, month_start(today))
    kinds = list(rules.welfare_kinds.all()) if rules else []
    # Offered: the officers in office today. Taken: any of the group's, whose term on the day
    # paid groups.welfare checks.
    officers = (
        Officer.objects.filter(group=group).select_related("person")
        if request.method == "POST"
        else selectors.officers_in_office(group, today)
    )
    form = WelfareForm(request.POST or None, group=group, kinds=kinds, officers=officers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            paid = welfare.welfare_pay(
                member=data["member"],
                purpose=data["purpose"],
                date=data["date"],
                approved_by=data["approved_by"],
                what_for=data["what_for"],
                user=request.user,
                request_key=data["request_key"],
            )
        except AlreadyPosted:
            messages.info(request, _("This welfare was already recorded; it was not recorded twice."))
            return redirect("groups:fund", pk=group.pk)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return _done(
                request,
                group,
                _("Welfare paid to %(member)s: %(kind)s, %(amount)s baht.")
                % {
                    "amount": format_baht(paid.amount),
                    "member": data["member"].person,
                    "kind": paid.get_welfare_purpose_display(),
                },
            )
    fund_now = selectors.group_fund(group, today)
    return render(
        request,
        "groups/welfare_form.html",
        {"group": group, "form": form, "rules": rules, "kinds": kinds, "fund": fund_now, "today": today},
    )


@treasurer_required
@require_http_methods(["GET", "POST"])
def fund_entry_reverse(request, pk, entry_pk):
    """Correct a cost or a welfare payout by a reversal with a reason."""
    group = access.group_for_posting(request.user, pk)
    entry = welfare.fund_entry(group, entry_pk)
    if entry is None:
        raise Http404
    back = redirect("groups:fund", pk=group.pk)
    if entry.reverses_id or entry.is_reversed:
        messages.info(request, _("This row is already reversed or is itself a reversal."))
        return back
    form = ReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            welfare.fund_entry_reverse(
                entry=entry, date=form.cleaned_data["date"], reason=form.cleaned_data["reason"], user=request.user
            )
        except AlreadyPosted:
            messages.info(request, _("This row was already reversed."))
            return back
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The row was reversed."))
            return back
    return render(
        request,
        "groups/fund_reverse_form.html",
        {"group": group, "entry": entry, "form": form, "is_cost": entry.kind == FundEntryKind.COST},
    )

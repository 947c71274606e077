from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from songkhla_network.forms import MonthRangeForm
from songkhla_network.models import Role
from songkhla_network.roles import group_reader_required, staff_required, treasurer_required
from songkhla_network.thai import (
    add_months,
    be_datetime,
    be_month,
    be_month_slug,
    format_baht,
    month_end,
    month_start,
    parse_be_month_slug,
)

from . import access, selectors, services
from .forms import CollectionSheetForm, DepositForm, MonthChoiceForm, ReversalForm, WithdrawalForm
from .models import EntryKind


def _this_month():
    return month_start(timezone.localdate())


@group_reader_required
def group_list(request):
    groups = selectors.groups_by_name(access.readable_groups(request.user))
    if request.user.role == Role.TREASURER and len(groups) == 1:
        return redirect("groups:detail", pk=groups[0].pk)
    selectors.annotate_overview(groups)
    return render(request, "groups/group_list.html", {"groups": groups})


@group_reader_required
def group_detail(request, pk):
    group = access.group_for_reading(request.user, pk)
    month = _this_month()
    members = selectors.members_with_money(group, month=month)
    status_changes = selectors.status_history(group)
    current = [m for m in members if m.left_on is None]
    return render(
        request,
        "groups/group_detail.html",
        {
            "group": group,
            "members": members,
            "status_changes": status_changes,
            "current_status": status_changes[-1] if status_changes else None,
            "officers": selectors.current_officers(group),
            "sheets": selectors.recent_sheets(group, 12),
            "month": month,
            "can_post": access.can_post(request.user, group),
            "total_balance": sum((m.balance for m in members), selectors.ZERO),
            "total_arrears": sum((m.arrears for m in current), selectors.ZERO),
        },
    )


@group_reader_required
def sheet_choose(request, pk):
    group = access.group_for_reading(request.user, pk)
    bound = "month_0" in request.GET
    form = MonthChoiceForm(request.GET if bound else None, initial={"month": _this_month()})
    if bound and form.is_valid():
        return redirect("groups:sheet", pk=group.pk, month=be_month_slug(form.cleaned_data["month"]))
    return render(
        request,
        "groups/sheet_choose.html",
        {"group": group, "form": form, "posted_months": selectors.posted_months(group, 24)},
    )


@group_reader_required
@require_http_methods(["GET", "POST"])
def sheet(request, pk, month):
    """The month's sheet: a form to post while it is open, to those who may post; otherwise what
    was collected for the month, read-only (a posted sheet for everyone who may read the group)."""
    group = access.group_for_reading(request.user, pk)
    can_post = access.can_post(request.user, group)
    if request.method == "POST" and not can_post:
        raise PermissionDenied
    month_date = parse_be_month_slug(month)
    if month_date is None:
        messages.error(request, _("“%(month)s” is not a month. Choose one below.") % {"month": month})
        return redirect("groups:sheet_choose", pk=group.pk)
    if month_date > _this_month():
        messages.error(
            request,
            _("%(month)s has not come yet: a sheet can be posted from its first day.")
            % {"month": be_month(month_date)},
        )
        return redirect("groups:sheet", pk=group.pk, month=be_month_slug(_this_month()))

    posted = selectors.posted_sheet(group, month_date)
    members = [m for m in selectors.members_with_money(group, month=month_date) if m.active_in(month_date)]
    context = {
        "group": group,
        "month": month_date,
        "previous_month": be_month_slug(add_months(month_date, -1)),
        "next_month": be_month_slug(add_months(month_date, 1)) if month_date < _this_month() else None,
        "posted": posted,
        "members": members,
        "unpaid": [m for m in members if not m.paid_this_month],
        "group_active": group.status_on(month_end(month_date)) in selectors.ACTIVE_STATUSES,
        "figures": selectors.month_deposits(group, [month_date])[month_date],
        "can_post": can_post,
    }
    if posted or not can_post:
        if request.method == "POST":
            messages.warning(request, _already_posted_message(posted))
            return redirect("groups:sheet", pk=group.pk, month=month)
        return render(request, "groups/sheet_posted.html", context)

    initial = {"paid_on": min(timezone.localdate(), month_end(month_date))}
    for member in members:
        # Prefill the promise; a member who already paid this month outside a sheet starts blank.
        if not member.paid_this_month:
            initial[f"amount_{member.pk}"] = member.commitment
    form = CollectionSheetForm(
        request.POST if request.method == "POST" else None, members=members, month=month_date, initial=initial
    )
    if request.method == "POST" and context["group_active"] and form.is_valid():
        try:
            posted = services.sheet_post(
                group=group,
                month=month_date,
                paid_on=form.cleaned_data["paid_on"],
                amounts=form.amounts(),
                user=request.user,
            )
        except services.AlreadyPosted as already:
            messages.warning(request, _already_posted_message(already.existing))
            return redirect("groups:sheet", pk=group.pk, month=month)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            total = sum(form.amounts().values())
            messages.success(
                request,
                _("Posted %(count)s deposits for %(month)s, %(total)s baht in all.")
                % {"count": len(form.amounts()), "month": be_month(month_date), "total": format_baht(total)},
            )
            return redirect("groups:sheet", pk=group.pk, month=month)
    context["form"] = form
    return render(request, "groups/sheet_form.html", context)


def _already_posted_message(sheet):
    return _("The sheet for %(month)s was already posted by %(user)s on %(when)s. Nothing was posted twice.") % {
        "month": be_month(sheet.month),
        "user": sheet.posted_by,
        "when": be_datetime(sheet.posted_at),
    }


@group_reader_required
def passbook(request, pk, member_pk):
    group, member = access.member_for_reading(request.user, pk, member_pk)
    rows = selectors.passbook(member)
    month = _this_month()
    paid_to_date = sum((r.amount for r in rows if r.kind == EntryKind.DEPOSIT and r.month <= month), selectors.ZERO)
    return render(
        request,
        "groups/passbook.html",
        {
            "group": group,
            "member": member,
            "rows": rows,
            "balance": rows[-1].running_balance if rows else selectors.ZERO,
            "arrears": selectors.commitment_arrears(member, month, paid_to_date) if member.left_on is None else None,
            "can_post": access.can_post(request.user, group),
            "today": timezone.localdate(),
        },
    )


@treasurer_required
@require_http_methods(["GET", "POST"])
def deposit(request, pk, member_pk):
    group, member = access.member_for_posting(request.user, pk, member_pk)
    month = parse_be_month_slug(request.GET.get("month", "")) or _this_month()
    form = DepositForm(request.POST or None, member=member, initial={"month": month, "amount": member.commitment})
    if request.method == "POST" and form.is_valid():
        try:
            services.deposit_post(
                member=member,
                month=form.cleaned_data["month"],
                date=form.cleaned_data["date"],
                amount=form.cleaned_data["amount"],
                user=request.user,
                request_key=form.cleaned_data["request_key"],
            )
        except services.AlreadyPosted:
            messages.info(request, _("This deposit was already recorded; it was not recorded twice."))
            return redirect("groups:passbook", pk=group.pk, member_pk=member.pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Deposit recorded."))
            return redirect("groups:passbook", pk=group.pk, member_pk=member.pk)
    return render(
        request,
        "groups/entry_form.html",
        {"group": group, "member": member, "form": form, "title": _("Record a deposit")},
    )


@treasurer_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk, member_pk):
    group, member = access.member_for_posting(request.user, pk, member_pk)
    form = WithdrawalForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdrawal_post(
                member=member,
                date=form.cleaned_data["date"],
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                user=request.user,
                request_key=form.cleaned_data["request_key"],
            )
        except services.AlreadyPosted:
            messages.info(request, _("This withdrawal was already recorded; it was not recorded twice."))
            return redirect("groups:passbook", pk=group.pk, member_pk=member.pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Withdrawal recorded."))
            return redirect("groups:passbook", pk=group.pk, member_pk=member.pk)
    return render(
        request,
        "groups/entry_form.html",
        {"group": group, "member": member, "form": form, "title": _("Record a withdrawal")},
    )


@treasurer_required
@require_http_methods(["GET", "POST"])
def reverse_entry(request, pk, entry_pk):
    group, entry = access.entry_for_posting(request.user, pk, entry_pk)
    member = entry.member
    back = redirect("groups:passbook", pk=group.pk, member_pk=member.pk)
    if entry.is_reversal or selectors.was_reversed(entry):
        messages.info(request, _("This row is already reversed or is itself a reversal."))
        return back
    form = ReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_reverse(
                entry=entry, date=form.cleaned_data["date"], reason=form.cleaned_data["reason"], user=request.user
            )
        except services.AlreadyPosted:
            messages.info(request, _("This row was already reversed."))
            return back
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The row was reversed."))
            return back
    return render(
        request,
        "groups/reverse_form.html",
        {"group": group, "member": member, "entry": entry, "form": form},
    )


@staff_required
def network_summary(request):
    form = MonthRangeForm(request.GET, default="year")
    first, last = form.period()
    money = selectors.network_money(first, last)
    statuses = selectors.status_counts(first, last)
    return render(
        request,
        "groups/network_summary.html",
        {"form": form, "first": first, "last": last, "money": money, "statuses": statuses},
    )

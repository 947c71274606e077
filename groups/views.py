import datetime
from decimal import Decimal

from csp.utils import build_policy
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from songkhla_network.forms import BEDateField, MoneyField, MonthRangeForm, add_service_error
from songkhla_network.models import Role
from songkhla_network.roles import group_reader_required, leader_required, staff_required, treasurer_required
from songkhla_network.thai import (
    add_months,
    be_date,
    be_date_short,
    be_datetime,
    be_month,
    be_month_short,
    be_month_slug,
    format_baht,
    month_end,
    month_start,
    parse_be_month_slug,
)

from . import access, interest, selectors, services, welfare
from .forms import (
    AMOUNT_PREFIX,
    REPAY_PREFIX,
    CollectionSheetForm,
    CommitmentChangeForm,
    DepositForm,
    LoanApplicationForm,
    LoanApprovalForm,
    LoanDisbursementForm,
    LoanKindForm,
    LoanRescheduleForm,
    LoanWriteOffForm,
    MemberJoinForm,
    MemberLeaveForm,
    MemberMoveForm,
    MonthChoiceForm,
    PersonSearchForm,
    ReversalForm,
    RulesForm,
    WelfareKindForm,
    WithdrawalForm,
)
from .models import EntryKind, Loan, LoanEntryKind, LoanPurpose, Officer, WelfarePurpose


def _this_month():
    return month_start(timezone.localdate())


def _urls(name, *args, last):
    """{value: reverse(name, args=[*args, value])} for each value in `last` (a number or a month's
    slug), for the links of a long list that differ only in their last part: one reverse() and the
    value put in, as a reverse() for each row cost more than the rest of the row."""
    marker = str(2**62)  # a number no other part of the address can hold
    before, after = reverse(name, args=[*args, marker]).split(marker)
    return {value: f"{before}{value}{after}" for value in last}


def _link_passbooks(group, members):
    """Each member's `passbook_url`, for the lists of members."""
    urls = _urls("groups:passbook", group.pk, last=[member.pk for member in members])
    for member in members:
        member.passbook_url = urls[member.pk]


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
    _link_passbooks(group, members)
    status_changes = selectors.status_history(group)
    current = [m for m in members if m.left_on is None]
    lines = [
        {
            "pk": member.pk,
            "name": f"{member.number}. {member.person}",
            "passbook_url": member.passbook_url,
            "commitment": format_baht(member.commitment) if member.commitment else "",
            "later_commitments": member.later_commitments,
            "balance": format_baht(member.balance),
            "arrears": format_baht(member.arrears),
            "in_arrears": bool(member.arrears),
        }
        for member in current
    ]
    sheets = selectors.recent_sheets(group, 12)
    sheet_urls = _urls("groups:sheet", group.pk, last=[be_month_slug(sheet.month) for sheet in sheets])
    for sheet in sheets:
        sheet.page_url = sheet_urls[be_month_slug(sheet.month)]
    fund = selectors.group_fund(group, timezone.localdate())
    return render(
        request,
        "groups/group_detail.jinja",
        {
            "group": group,
            "members": current,
            "lines": lines,  # what the members' rows show, worked out once (see _passbook_lines)
            "former_members": [m for m in members if m.left_on is not None],
            "status_changes": status_changes,
            "current_status": status_changes[-1] if status_changes else None,
            "officers": selectors.current_officers(group),
            "sheets": sheets,
            "month": month,
            "today": timezone.localdate(),
            "can_post": access.can_post(request.user, group),
            "fund": fund,
            "portfolio": selectors.loan_portfolio(timezone.localdate(), [group]) if fund.lent_out else None,
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
        "group_active": selectors.status_on(group, month_end(month_date)) in selectors.ACTIVE_STATUSES,
        "can_post": can_post,
    }
    if posted or not can_post:
        if request.method == "POST":
            messages.warning(request, _already_posted_message(posted))
            if _wants_json(request):
                return _posted_answer(request, group, posted, members)
            return redirect("groups:sheet", pk=group.pk, month=month)
        context["figures"] = selectors.month_deposits(group, [month_date])[month_date]
        repaid = selectors.repaid_at(posted) if posted else {}
        context["lines"] = _posted_sheet_lines(group, members, month_date, can_post=can_post, repaid=repaid)
        context["repaid_total"] = sum(repaid.values(), selectors.ZERO)
        return render(request, "groups/sheet_posted.jinja", context)

    initial = {"paid_on": min(timezone.localdate(), month_end(month_date))}
    # A member who has left was paid out: no deposit is taken for them, so they are not on the form.
    on_form = [m for m in members if m.left_on is None]
    for member in on_form:
        # Prefill the promise in force that month; a member who already paid this month outside a
        # sheet, or whose first commitment starts later, starts blank.
        if not member.paid_this_month and member.commitment:
            initial[f"amount_{member.pk}"] = member.commitment
    # Each loan still owed gets a box beside its borrower's saving, prefilled with its late fines
    # and what its instalments up to this month still owe.
    loans = selectors.loan_positions(group, initial["paid_on"])
    for positions in loans.values():
        for position in positions:
            if owed := selectors.owed_at_meeting(position, month_date):
                initial[f"repay_{position.loan.pk}"] = owed
    form = CollectionSheetForm(
        request.POST if request.method == "POST" else None,
        members=on_form,
        month=month_date,
        loans=loans,
        initial=initial,
    )
    if request.method == "POST" and context["group_active"] and form.is_valid():
        try:
            posted = services.sheet_post(
                group=group,
                month=month_date,
                paid_on=form.cleaned_data["paid_on"],
                amounts=form.amounts(),
                repayments=form.repayments(),
                user=request.user,
            )
        except services.AlreadyPosted as already:
            messages.warning(request, _already_posted_message(already.existing))
            if _wants_json(request):
                return _posted_answer(request, group, already.existing, members)
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
            if form.repayments():
                messages.success(
                    request,
                    _("And %(count)s loan repayments, %(total)s baht.")
                    % {"count": len(form.repayments()), "total": format_baht(sum(form.repayments().values()))},
                )
            if _wants_json(request):
                return JsonResponse({"status": "posted", "url": request.path})
            return redirect("groups:sheet", pk=group.pk, month=month)
    if request.method == "POST" and _wants_json(request):
        # The script sends the form again as a plain POST, and the page shows each error by its box.
        return JsonResponse({"status": "invalid", "url": request.path}, status=400)
    context["form"] = form
    context["lines"] = _sheet_lines(form)
    # The one page the service worker keeps for a meeting without a signal (static/js/sw.js): an
    # open sheet, to someone who may post it. Its copy of a first visit, made from the page, is
    # kept under the same Content-Security-Policy.
    offline = request.method == "GET" and context["group_active"] and bool(members)
    context["offline_policy"] = build_policy() if offline else ""
    response = render(request, "groups/sheet_form.jinja", context)
    if offline:
        response[OFFLINE_SHEET_HEADER] = "1"
    return response


OFFLINE_SHEET_HEADER = "X-Offline-Sheet"


def _wants_json(request):
    """The sheet's script (static/js/offline_sheet.js) asks for an answer it can read: a sheet saved
    on the phone without a signal, sent when the signal is back."""
    return "application/json" in request.headers.get("Accept", "")


def _posted_answer(request, group, sheet, members):
    """The answer to a sheet sent for a month already posted: nothing is written, and the script
    is told whether the posted sheet holds what the phone sent (its own earlier send, whose answer
    was lost) or other figures (another phone), and which, member by member."""
    differences = _sheet_differences(request.POST, group, sheet, members)
    return JsonResponse(
        {
            "status": "conflict" if differences else "already_posted",
            "url": request.path,
            "message": _already_posted_message(sheet),
            "differences": differences,
        },
        status=409 if differences else 200,
    )


def _sheet_differences(data, group, sheet, members):
    """[{name, phone, posted}] for each figure of the sent form that differs from the posted sheet:
    the collection day, each member's deposit, each member's loan repayments. Amounts are read by
    the form's own field; one that does not read as an amount is shown as typed."""
    field = MoneyField(required=False)

    def read(text):
        try:
            return field.clean(text)
        except ValidationError:
            return text

    def shown(value):
        return format_baht(value) if isinstance(value, Decimal) else (value or "")

    day = BEDateField(required=False)
    try:
        sent_day = day.clean(data.get("paid_on", ""))
    except ValidationError:
        sent_day = data.get("paid_on", "")
    differences = []
    if sent_day != sheet.paid_on:
        differences.append(
            {
                "name": str(CollectionSheetForm.base_fields["paid_on"].label),
                "phone": be_date(sent_day) if isinstance(sent_day, datetime.date) else (sent_day or ""),
                "posted": be_date(sheet.paid_on),
            }
        )
    sent, repaid_sent = _boxes(data, AMOUNT_PREFIX, read), _boxes(data, REPAY_PREFIX, read)
    borrowers = dict(Loan.objects.filter(group=group, pk__in=repaid_sent).values_list("pk", "member_id"))
    sent_repaid = {}
    for loan_pk, value in repaid_sent.items():
        member_pk = borrowers.get(loan_pk)
        if value is None or member_pk is None:
            continue
        so_far = sent_repaid.get(member_pk, Decimal(0))
        sent_repaid[member_pk] = so_far + value if isinstance(value, Decimal) and isinstance(so_far, Decimal) else value
    posted = dict(
        sheet.entries.filter(kind=EntryKind.DEPOSIT)
        .order_by()
        .values_list("member")
        .annotate(total=Sum("amount"))
        .values_list("member", "total")
    )
    repaid = selectors.repaid_at(sheet)
    names = {m.pk: f"{m.number}. {m.person}" for m in members}
    for pk in [m.pk for m in members] + sorted(set(sent) - set(names)):
        name = names.get(pk, _("A member not on this month's sheet"))
        if sent.get(pk) != posted.get(pk):
            differences.append({"name": name, "phone": shown(sent.get(pk)), "posted": shown(posted.get(pk))})
        if sent_repaid.get(pk) != repaid.get(pk):
            differences.append(
                {
                    "name": _("Loan repaid by %(name)s") % {"name": name},
                    "phone": shown(sent_repaid.get(pk)),
                    "posted": shown(repaid.get(pk)),
                }
            )
    return differences


def _boxes(data, prefix, read):
    """{id: what the box holds, read} of the sent boxes named prefix + id."""
    return {
        int(key[len(prefix) :]): read(value)
        for key, value in data.items()
        if key.startswith(prefix) and key[len(prefix) :].isdigit()
    }


def _sheet_lines(form):
    """What each member's row of the sheet form shows, worked out once here, as a dict the
    template places (see _passbook_lines): the member, their commitment and what they paid or owe,
    and their amount box. Amounts in the boxes read as Django writes a number into a form."""
    # Each wording translated once, not once a row.
    repaid_by, paid_by = _("Loan repaid by %(name)s"), _("Amount paid by %(name)s")
    lines = []
    for member, box in form.member_rows():
        loans = []
        for position, repay in form.loan_rows(member):
            loans.append(
                {
                    "label": repaid_by % {"name": member.person},
                    "outstanding": format_baht(position.outstanding),
                    "arrears": format_baht(position.arrears) if position.arrears else "",
                    "fines": format_baht(position.fines_owed) if position.fines_owed else "",
                    **repay,
                }
            )
        lines.append(
            {
                "name": f"{member.number}. {member.person}",
                "label": paid_by % {"name": member.person},
                "unpaid": not member.paid_this_month,
                "commitment": format_baht(member.commitment) if member.commitment else "",
                "paid": format_baht(member.paid_this_month) if member.paid_this_month else "",
                "owes_before": format_baht(member.arrears_before) if member.arrears_before else "",
                "prefill": "" if member.commitment is None else form.typed(member.commitment),
                **box,
                "loans": loans,
            }
        )
    return lines


def _posted_sheet_lines(group, members, month, *, can_post, repaid):
    """What each member's row of a read-only sheet shows, worked out once here (see
    _passbook_lines): their passbook, what they paid for the month and owe, and for those who post
    a payment to add for a member still in the group."""
    _link_passbooks(group, members)
    deposit_urls = _urls("groups:deposit", group.pk, last=[m.pk for m in members if can_post and m.left_on is None])
    return [
        {
            "name": f"{member.number}. {member.person}",
            "passbook_url": member.passbook_url,
            "paid": format_baht(member.paid_this_month) if member.paid_this_month else "",
            "repaid": format_baht(repaid[member.pk]) if repaid.get(member.pk) else "",
            "arrears": format_baht(member.arrears),
            "in_arrears": bool(member.arrears),
            "deposit_url": f"{deposit_urls[member.pk]}?month={be_month_slug(month)}"
            if member.pk in deposit_urls
            else "",
        }
        for member in members
    ]


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
    selectors.member_with_money(member, month=_this_month())
    can_post = access.can_post(request.user, group)
    loans, guarantees = selectors.member_loans(member, timezone.localdate())
    return render(
        request,
        "groups/passbook.jinja",
        {
            "group": group,
            "member": member,
            "rows": rows,
            "lines": _passbook_lines(group, member, rows, may_reverse=can_post and member.left_on is None),
            "balance": rows[-1].running_balance if rows else selectors.ZERO,
            "arrears": member.arrears if member.left_on is None else None,
            "commitments": selectors.commitment_series(member),
            "can_post": can_post,
            "today": timezone.localdate(),
            "loans": loans,
            "guarantees": guarantees,
            "welfare": welfare.welfare_of(member),
        },
    )


def _passbook_lines(group, member, rows, *, may_reverse):
    """What each row of the passbook shows, worked out once here, as a dict the template places:
    a passbook is long and read often, and a template tag or filter for each of its cells cost
    more than all the rest of the page. A row may be reversed once, while the member is in the
    group, by those who post (`may_reverse`); a reversal and a balance brought from another
    group and a year-end share are not reversed."""
    reversible = [
        row.pk for row in rows if not (row.is_reversal or row.is_reversed or row.brought_from or row.share_of_year)
    ]
    reverse_urls = _urls("groups:reverse", group.pk, last=reversible if may_reverse else [])
    lines = []
    for row in rows:
        other = row.brought_from or row.taken_to
        lines.append(
            {
                "date": be_date_short(row.date),
                "item": row.item,
                "month": be_month_short(row.month),
                "share_year": be_month(row.share_of_year) if row.share_of_year else "",
                "reason": row.reason,
                "reversed": row.is_reversed,
                "reverses_date": be_date_short(row.reverses_date),
                "other_group": other.group_name if other else "",
                "other_url": reverse("groups:passbook", args=[other.group_id, other.member_id]) if other else "",
                "posted": f"{row.posted_by} · {be_datetime(row.posted_at)}",
                "reverse_url": reverse_urls.get(row.pk),
                "in": format_baht(row.amount) if row.amount > 0 else "",
                "out": format_baht(-row.amount) if row.amount < 0 else "",
                "balance": format_baht(row.running_balance),
            }
        )
    return lines


@treasurer_required
@require_http_methods(["GET", "POST"])
def deposit(request, pk, member_pk):
    group, member = access.member_for_posting(request.user, pk, member_pk)
    month = parse_be_month_slug(request.GET.get("month", "")) or _this_month()
    amount = selectors.commitment_in_force(member, month)
    form = DepositForm(request.POST or None, member=member, initial={"month": month, "amount": amount})
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
        "groups/network_summary.jinja",
        {
            "form": form,
            "first": first,
            "last": last,
            "money_end": month_end(last),
            "money": money,
            "lines": _summary_lines(money),
            "statuses": statuses,
        },
    )


def _summary_lines(money):
    """What each group's rows of the network summary show, worked out once here (see
    _passbook_lines): a hundred groups in two tables."""
    urls = _urls("groups:detail", last=[row.group.pk for row in money.groups])
    return [
        {
            "pk": row.group.pk,
            "url": urls[row.group.pk],
            "name": row.group.name,
            "community": str(row.group.community),
            "members": row.members,
            "opening": format_baht(row.opening),
            "deposits": format_baht(row.deposits),
            "withdrawals": format_baht(row.withdrawals),
            "closing": format_baht(row.closing),
            "owes_levy": bool(row.saved_for_months or row.levy),
            "saved_for_months": format_baht(row.saved_for_months),
            "levy": format_baht(row.levy),
        }
        for row in money.groups
    ]


# Membership at the meeting: joining, a new commitment, leaving (treasurers of the group and
# leaders), moving to another group (leaders). Each page is small, for a phone; each write is one
# service call.


@treasurer_required
@require_http_methods(["GET", "POST"])
def member_add(request, pk):
    group = access.group_for_posting(request.user, pk)
    search = PersonSearchForm(request.POST if request.method == "POST" else request.GET)
    name = search.cleaned_data["q"] if search.is_valid() else ""
    found = selectors.people_to_join(group, name) if name else []
    initial = {"number": selectors.next_member_number(group), "commitment": group.default_commitment}
    form = MemberJoinForm(request.POST or None, group=group, found=found, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.member_join(
                group=group,
                joined_on=data["joined_on"],
                first_month=data["first_month"],
                commitment=data["commitment"],
                number=data["number"],
                person=data["person"],
                new_person=form.new_person(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(person)s joined as member no. %(number)s, saving %(amount)s baht a month from %(month)s.")
                % {
                    "person": member.person,
                    "number": member.number,
                    "amount": format_baht(data["commitment"]),
                    "month": be_month(data["first_month"]),
                },
            )
            return redirect("groups:passbook", pk=group.pk, member_pk=member.pk)
    return render(
        request,
        "groups/member_add.html",
        {"group": group, "form": form, "search": search, "name": name, "found": found},
    )


def _gone(request, group, member):
    """A member who has left has nothing more to change: back to their passbook, saying so."""
    messages.info(
        request,
        _("%(member)s left the group on %(date)s.") % {"member": member.person, "date": be_date(member.left_on)},
    )
    return redirect("groups:passbook", pk=group.pk, member_pk=member.pk)


@treasurer_required
@require_http_methods(["GET", "POST"])
def commitment_change(request, pk, member_pk):
    group, member = access.member_for_posting(request.user, pk, member_pk)
    if member.left_on is not None:
        return _gone(request, group, member)
    selectors.with_terms([member])
    form = CommitmentChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        month, amount = form.cleaned_data["from_month"], form.cleaned_data["amount"]
        try:
            services.commitment_change(member=member, from_month=month, amount=amount)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("From %(month)s, %(member)s saves %(amount)s baht a month; the months before keep their commitment.")
                % {"month": be_month(month), "member": member.person, "amount": format_baht(amount)},
            )
            return redirect("groups:passbook", pk=group.pk, member_pk=member.pk)
    return render(
        request,
        "groups/commitment_form.html",
        {"group": group, "member": member, "form": form, "commitments": selectors.commitment_series(member)},
    )


@treasurer_required
@require_http_methods(["GET", "POST"])
def member_leave(request, pk, member_pk):
    group, member = access.member_for_posting(request.user, pk, member_pk)
    if member.left_on is not None:
        return _gone(request, group, member)
    form = MemberLeaveForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            payout = services.member_leave(
                member=member,
                left_on=form.cleaned_data["left_on"],
                user=request.user,
                request_key=form.cleaned_data["request_key"],
            )
        except services.AlreadyPosted:
            messages.info(request, _("This was already recorded; nothing was recorded twice."))
            return redirect("groups:passbook", pk=group.pk, member_pk=member.pk)
        except ValidationError as error:
            if getattr(error, "code", None) == "left":
                return _gone(request, group, access.member_for_posting(request.user, pk, member_pk)[1])
            add_service_error(form, error)
        else:
            if payout is None:
                text = _("%(member)s left the group. They had no savings to pay out.") % {"member": member.person}
            else:
                text = _("%(member)s left the group and was paid out their savings of %(amount)s baht.") % {
                    "member": member.person,
                    "amount": format_baht(-payout.amount),
                }
            messages.success(request, text)
            return redirect("groups:passbook", pk=group.pk, member_pk=member.pk)
    selectors.member_with_money(member)
    return render(request, "groups/leave_form.html", {"group": group, "member": member, "form": form})


@leader_required
@require_http_methods(["GET", "POST"])
def member_move(request, pk, member_pk):
    group, member = access.member_for_posting(request.user, pk, member_pk)
    if member.left_on is not None:
        return _gone(request, group, member)
    selectors.member_with_money(member)
    form = MemberMoveForm(
        request.POST or None,
        member=member,
        groups=selectors.groups_to_move_to(member),
        initial={"commitment": member.commitment},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.member_move(
                member=member,
                to_group=data["to_group"],
                date=data["date"],
                number=data["number"],
                commitment=data["commitment"],
                user=request.user,
                request_key=data["request_key"],
            )
        except services.AlreadyPosted as already:
            messages.info(request, _("This was already recorded; nothing was recorded twice."))
            entry = already.existing
            return redirect("groups:passbook", pk=entry.group_id, member_pk=entry.member_id)
        except ValidationError as error:
            if getattr(error, "code", None) == "left":
                return _gone(request, group, access.member_for_posting(request.user, pk, member_pk)[1])
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(member)s moved to %(group)s as member no. %(number)s, with their savings of %(amount)s baht.")
                % {
                    "member": moved.person,
                    "group": moved.group,
                    "number": moved.number,
                    "amount": format_baht(member.balance),
                },
            )
            return redirect("groups:passbook", pk=moved.group_id, member_pk=moved.pk)
    return render(request, "groups/move_form.html", {"group": group, "member": member, "form": form})


# The group's rules.


@group_reader_required
def rules(request, pk):
    """The group's rules in force this month, changes agreed for later, and the earlier ones."""
    group = access.group_for_reading(request.user, pk)
    month = _this_month()
    series = selectors.rules_series(group)
    in_force = selectors.rules_on(group, month)
    return render(
        request,
        "groups/rules.html",
        {
            "group": group,
            "in_force": in_force,
            "later": [r for r in series if r.from_month > month],
            "earlier": [r for r in reversed(series) if r.from_month < (in_force.from_month if in_force else month)],
            "can_post": access.can_post(request.user, group),
        },
    )


def _kind_forms(form_class, purposes, data, rules, kinds_of):
    """One form per purpose, prefilled with the terms `rules` gives that kind (if any)."""
    given = {kind.purpose: kind for kind in kinds_of(rules)} if rules else {}
    initial = {p: {name: getattr(kind, name) for name in form_class.base_fields} for p, kind in given.items()}
    return [form_class(data, purpose=purpose, label=label, initial=initial.get(purpose)) for purpose, label in purposes]


@treasurer_required
@require_http_methods(["GET", "POST"])
def rules_change(request, pk):
    """Agree new rules from a month: the group's year, the share-out, the fine, and the kinds of
    loan and welfare, prefilled with the rules in force."""
    group = access.group_for_posting(request.user, pk)
    in_force = selectors.rules_on(group, _this_month())
    data = request.POST if request.method == "POST" else None
    initial = {name: getattr(in_force, name) for name in services.RULES_TERMS} if in_force else None
    form = RulesForm(data, initial=initial)
    loan_forms = _kind_forms(LoanKindForm, LoanPurpose.choices, data, in_force, lambda r: r.loan_kinds.all())
    welfare_forms = _kind_forms(
        WelfareKindForm, WelfarePurpose.choices, data, in_force, lambda r: r.welfare_kinds.all()
    )
    every_form = [form, *loan_forms, *welfare_forms]
    if request.method == "POST" and all([f.is_valid() for f in every_form]):
        try:
            new = services.rules_change(
                group=group,
                from_month=form.cleaned_data["from_month"],
                terms={name: form.cleaned_data[name] for name in services.RULES_TERMS},
                loan_kinds={f.purpose: f.cleaned_data for f in loan_forms if f.offered},
                welfare_kinds={f.purpose: f.cleaned_data for f in welfare_forms if f.offered},
                user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The group's rules are saved, in force from %(month)s; the months before keep theirs.")
                % {"month": be_month(new.from_month)},
            )
            return redirect("groups:rules", pk=group.pk)
    return render(
        request,
        "groups/rules_form.html",
        {
            "group": group,
            "form": form,
            "loan_forms": loan_forms,
            "welfare_forms": welfare_forms,
            "has_errors": any(f.errors for f in every_form),
        },
    )


# Loans.


@group_reader_required
def loans(request, pk):
    """The group's loans: who borrowed what, and where each stands."""
    group = access.group_for_reading(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "groups/loans.html",
        {
            "group": group,
            "loans": selectors.loans_of(group, today),
            "cash": selectors.fund_cash(group, today),
            "today": today,
            "can_post": access.can_post(request.user, group),
        },
    )


@treasurer_required
@require_http_methods(["GET", "POST"])
def loan_apply(request, pk):
    group = access.group_for_posting(request.user, pk)
    today = timezone.localdate()
    rules = selectors.rules_on(group, today)
    kinds = list(rules.loan_kinds.all()) if rules else []
    form = LoanApplicationForm(request.POST or None, group=group, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            loan = services.loan_apply(
                member=data["member"],
                purpose=data["purpose"],
                amount=data["amount"],
                months=data["months"],
                guarantors=list(data["guarantors"]),
                applied_on=data["applied_on"],
                reason=data["reason"],
                user=request.user,
                request_key=data["request_key"],
            )
        except services.AlreadyPosted as already:
            messages.info(request, _("This application was already recorded; it was not recorded twice."))
            return redirect("groups:loan", pk=group.pk, loan_pk=already.existing.pk)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Application recorded. Two officers of the group now approve it."))
            return redirect("groups:loan", pk=group.pk, loan_pk=loan.pk)
    return render(request, "groups/loan_apply.html", {"group": group, "form": form, "rules": rules, "kinds": kinds})


def _loan_page(request, group, loan, *, approval_form=None, disbursement_form=None, status=200):
    today = timezone.localdate()
    paid = selectors.disbursement(loan)
    position = selectors.loan_position(loan, today)
    can_post = access.can_post(request.user, group)
    state = selectors.loan_state(loan)
    first_month = add_months(month_start(paid.date if paid else today), 1)
    written_off = selectors.write_off(loan)
    # A leader's alone: writing the loan off, or rescheduling it, while it owes principal.
    may_change = request.user.is_leader and written_off is None and position is not None and position.outstanding > 0
    officers = selectors.officers_in_office(group, today)
    if can_post and state == selectors.LoanState.APPLIED and approval_form is None:
        approval_form = LoanApprovalForm(officers=officers)
    if can_post and state == selectors.LoanState.APPROVED and disbursement_form is None:
        disbursement_form = LoanDisbursementForm()
    return render(
        request,
        "groups/loan.html",
        {
            "group": group,
            "loan": loan,
            "state": state,
            "paid": paid,
            "position": position,
            "rows": _loan_rows(group, loan, may_reverse=can_post, may_reverse_write_off=request.user.is_leader),
            "can_post": can_post,
            "written_off": written_off,
            "reschedules": sorted(loan.reschedules.all(), key=lambda change: change.from_month),
            "may_change": may_change,
            "schedule": position.schedule
            if position
            else interest.schedule(loan.amount, loan.monthly_rate, loan.months, loan.method, first_month),
            "approval_form": approval_form if can_post and state == selectors.LoanState.APPLIED else None,
            "disbursement_form": disbursement_form if can_post and state == selectors.LoanState.APPROVED else None,
            "cash": selectors.fund_cash(group, today),
        },
        status=status,
    )


def _loan_rows(group, loan, *, may_reverse, may_reverse_write_off):
    """The loan's money rows, oldest first, each with the link to reverse it when it may be (a
    write-off by a leader only)."""
    rows = sorted(loan.entries.all(), key=lambda e: (e.date, e.pk))
    reversed_ids = {e.reverses_id for e in rows if e.reverses_id}
    return [
        {
            "row": row,
            "reverse_url": reverse("groups:loan_reverse", args=[group.pk, loan.pk, row.pk])
            if may_reverse
            and row.reverses_id is None
            and row.pk not in reversed_ids
            and (may_reverse_write_off or row.kind != LoanEntryKind.WRITTEN_OFF)
            else "",
            "reversed": row.pk in reversed_ids,
        }
        for row in rows
    ]


def _loan_or_404(group, loan_pk):
    loan = selectors.loan_for_page(group, loan_pk)
    if loan is None:
        raise Http404
    return loan


@group_reader_required
def loan(request, pk, loan_pk):
    group = access.group_for_reading(request.user, pk)
    return _loan_page(request, group, _loan_or_404(group, loan_pk))


@treasurer_required
@require_http_methods(["POST"])
def loan_approve(request, pk, loan_pk):
    group = access.group_for_posting(request.user, pk)
    loan = _loan_or_404(group, loan_pk)
    officers = Officer.objects.filter(group=group).select_related("person")
    form = LoanApprovalForm(request.POST, officers=officers)
    if form.is_valid():
        try:
            services.loan_approve(
                loan=loan,
                officer=form.cleaned_data["officer"],
                approved_on=form.cleaned_data["approved_on"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Approval recorded."))
            return redirect("groups:loan", pk=group.pk, loan_pk=loan.pk)
    return _loan_page(request, group, _loan_or_404(group, loan_pk), approval_form=form)


@treasurer_required
@require_http_methods(["POST"])
def loan_disburse(request, pk, loan_pk):
    group = access.group_for_posting(request.user, pk)
    loan = _loan_or_404(group, loan_pk)
    form = LoanDisbursementForm(request.POST)
    if form.is_valid():
        try:
            services.loan_disburse(
                loan=loan,
                date=form.cleaned_data["date"],
                user=request.user,
                request_key=form.cleaned_data["request_key"],
            )
        except services.AlreadyPosted:
            messages.info(request, _("The loan was already paid out; it was not paid out twice."))
            return redirect("groups:loan", pk=group.pk, loan_pk=loan.pk)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Paid out %(amount)s baht to %(member)s.")
                % {"amount": format_baht(loan.amount), "member": loan.member.person},
            )
            return redirect("groups:loan", pk=group.pk, loan_pk=loan.pk)
    return _loan_page(request, group, _loan_or_404(group, loan_pk), disbursement_form=form)


@treasurer_required
@require_http_methods(["GET", "POST"])
def loan_entry_reverse(request, pk, loan_pk, entry_pk):
    """Correct a loan's money row by a reversal with a reason."""
    group = access.group_for_posting(request.user, pk)
    loan = _loan_or_404(group, loan_pk)
    entry = next((e for e in loan.entries.all() if e.pk == entry_pk), None)
    if entry is None:
        raise Http404
    if entry.kind == LoanEntryKind.WRITTEN_OFF and not request.user.is_leader:
        raise PermissionDenied  # a write-off is a leader's to undo, as to make
    back = redirect("groups:loan", pk=group.pk, loan_pk=loan.pk)
    if entry.reverses_id or any(e.reverses_id == entry.pk for e in loan.entries.all()):
        messages.info(request, _("This row is already reversed or is itself a reversal."))
        return back
    form = ReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.loan_entry_reverse(
                entry=entry, date=form.cleaned_data["date"], reason=form.cleaned_data["reason"], user=request.user
            )
        except services.AlreadyPosted:
            messages.info(request, _("This row was already reversed."))
            return back
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The row was reversed."))
            return back
    return render(
        request, "groups/loan_reverse_form.html", {"group": group, "loan": loan, "entry": entry, "form": form}
    )


def _nothing_to_change(loan, today):
    """Why the loan cannot be written off or rescheduled now ("" when it can): it owes no
    principal today, or is written off already."""
    if selectors.write_off(loan) is not None:
        return _("The loan is written off already.")
    position = selectors.loan_position(loan, today)
    if position is None or position.outstanding <= 0:
        return _("The loan owes no principal: it is not paid out, or is repaid.")
    return ""


@leader_required
@require_http_methods(["GET", "POST"])
def loan_write_off(request, pk, loan_pk):
    """A leader writes a loan off, with a reason: the principal still owed, no money moving."""
    group = access.group_for_posting(request.user, pk)
    loan = _loan_or_404(group, loan_pk)
    back = redirect("groups:loan", pk=group.pk, loan_pk=loan.pk)
    today = timezone.localdate()
    form = LoanWriteOffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.loan_write_off(
                loan=loan, date=data["date"], reason=data["reason"], user=request.user, request_key=data["request_key"]
            )
        except services.AlreadyPosted:
            messages.info(request, _("This was already recorded; nothing was recorded twice."))
            return back
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The loan of %(member)s is written off: %(amount)s baht of principal.")
                % {"member": loan.member.person, "amount": format_baht(entry.amount)},
            )
            return back
    elif why := _nothing_to_change(loan, today):
        messages.info(request, why)
        return back
    return render(
        request,
        "groups/loan_write_off_form.html",
        {"group": group, "loan": loan, "position": selectors.loan_position(loan, today), "form": form},
    )


@leader_required
@require_http_methods(["GET", "POST"])
def loan_reschedule(request, pk, loan_pk):
    """A leader reschedules what a loan still owes from this month or a later one, with a reason."""
    group = access.group_for_posting(request.user, pk)
    loan = _loan_or_404(group, loan_pk)
    back = redirect("groups:loan", pk=group.pk, loan_pk=loan.pk)
    today = timezone.localdate()
    form = LoanRescheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = services.loan_reschedule(
                loan=loan,
                from_month=data["from_month"],
                months=data["months"],
                reason=data["reason"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The loan of %(member)s is rescheduled: from %(month)s, over %(months)s months.")
                % {"member": loan.member.person, "month": be_month(change.from_month), "months": change.months},
            )
            return back
    elif why := _nothing_to_change(loan, today):
        messages.info(request, why)
        return back
    return render(
        request,
        "groups/loan_reschedule_form.html",
        {
            "group": group,
            "loan": loan,
            "position": selectors.loan_position(loan, today),
            "reschedules": sorted(loan.reschedules.all(), key=lambda change: change.from_month),
            "form": form,
        },
    )

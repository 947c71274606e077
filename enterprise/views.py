from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups import selectors as group_selectors
from songkhla_network.excel import xlsx_response
from songkhla_network.forms import MonthRangeForm, add_service_error
from songkhla_network.pdf import parts_of, pdf_response
from songkhla_network.roles import group_reader_required, leader_required, staff_required, treasurer_required
from songkhla_network.thai import be_date, be_date_input, be_month, be_month_slug, format_baht

from . import access, excel, selectors, services
from .forms import (
    AllocationForm,
    BatchForm,
    CashPeriodForm,
    CloseRoundForm,
    DonationForm,
    LevyForm,
    LiquidSaleForm,
    MaterialPurchaseForm,
    OrderSheetForm,
    PaymentForm,
    ReceiveForm,
    ReversalForm,
    RoundForm,
    StockMoveForm,
    quantity_key_ids,
)
from .models import CashKind

# Leaders run the enterprise and staff read its books (leaders pass every role check); treasurers
# also read the buying rounds, and enter their own members' orders and payments.


@staff_required
def overview(request):
    by_kind = selectors.cash_by_kind()
    return render(
        request,
        "enterprise/overview.html",
        {
            "cash": selectors.cash_balance(),
            "donations": by_kind.get(CashKind.DONATION, selectors.ZERO),
            "levy": by_kind.get(CashKind.LEVY, selectors.ZERO),
            "recent": selectors.recent_cash(5),
        },
    )


@staff_required
def cash_book(request):
    form = CashPeriodForm(request.GET or None)
    first, last = form.period(selectors.BEGINNING)
    paginator = Paginator(selectors.cash_book(first, last), 50)
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "enterprise/cash_book.html",
        {
            "form": form,
            "page": page,
            "ledger": selectors.cash_ledger(first, last),
            "from_the_beginning": first == selectors.BEGINNING,
            "query": query.urlencode(),
            "can_post": access.keeps_the_books(request.user),
        },
    )


@leader_required
@require_http_methods(["GET", "POST"])
def cash_reverse(request, pk):
    entry = access.cash_entry_for_reversing(request.user, pk)
    form = ReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cash_reverse(
                entry=entry, date=form.cleaned_data["date"], reason=form.cleaned_data["reason"], user=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The row was reversed."))
            return redirect("enterprise:cash_book")
    return render(request, "enterprise/cash_reverse.html", {"entry": entry, "form": form})


@staff_required
def donation_list(request):
    donations = selectors.donations()
    today = timezone.localdate()
    return render(
        request,
        "enterprise/donation_list.html",
        {
            "donations": donations,
            "total": selectors.donation_total(donations, today),
            "today": today,
            "can_post": access.keeps_the_books(request.user),
        },
    )


@leader_required
@require_http_methods(["GET", "POST"])
def donation_new(request):
    form = DonationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        donation = services.donation_post(user=request.user, **form.cleaned_data)
        messages.success(request, _("Donation recorded: %(amount)s baht.") % {"amount": format_baht(donation.amount)})
        return redirect("enterprise:donation", pk=donation.pk)
    return render(request, "enterprise/donation_form.html", {"form": form})


@staff_required
def donation_acknowledgement(request, pk):
    donation = access.donation_for_reading(request.user, pk)
    return render(
        request,
        "enterprise/donation_acknowledgement.html",
        {"donation": donation, "can_reverse": access.may_reverse_donation(request.user, donation)},
    )


@leader_required
@require_http_methods(["GET", "POST"])
def donation_reverse(request, pk):
    donation = access.donation_for_reversing(request.user, pk)
    form = ReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.donation_reverse(donation=donation, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The donation was reversed."))
            return redirect("enterprise:donation", pk=donation.pk)
    return render(request, "enterprise/donation_reverse.html", {"donation": donation, "form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def levy(request):
    form = LevyForm(request.POST if request.method == "POST" else request.GET)
    dues = first = last = None
    if form.is_valid():
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        if request.method == "POST":
            if not access.keeps_the_books(request.user):
                raise PermissionDenied
            try:
                posting = services.levy_post(
                    first=first, last=last, date=form.cleaned_data["date"] or timezone.localdate(), user=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Levy for %(first)s – %(last)s posted: %(amount)s baht.")
                    % {
                        "first": be_month(first),
                        "last": be_month(last),
                        "amount": format_baht(posting.cash_entry.amount),
                    },
                )
                return redirect("enterprise:levy")
        dues = selectors.levy_due(first, last)
    return render(
        request,
        "enterprise/levy.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "dues": dues,
            "to_post": sum((d.levy for d in dues or []), selectors.ZERO),
            "postings": selectors.levy_postings(24),
            "can_post": access.keeps_the_books(request.user),
        },
    )


# Buying rounds. Treasurers see the rounds and enter their own members' orders.


@group_reader_required
def round_list(request):
    return render(
        request,
        "enterprise/round_list.html",
        {
            "rounds": selectors.recent_rounds(50),
            "today": timezone.localdate(),
            "can_post": access.keeps_the_books(request.user),
        },
    )


@leader_required
@require_http_methods(["GET", "POST"])
def round_new(request):
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            buying_round = services.round_open(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Round opened: treasurers can now enter their members' orders."))
            return redirect("enterprise:round", pk=buying_round.pk)
    return render(request, "enterprise/round_form.html", {"form": form})


@group_reader_required
@require_http_methods(["GET", "POST"])
def round_detail(request, pk):
    buying_round = access.round_for_reading(request.user, pk)
    totals = selectors.item_totals(buying_round)
    groups = group_selectors.groups_by_name(access.groups_for_reading(request.user))
    counts = selectors.group_order_counts(buying_round)
    for group in groups:
        group.ordering_members = counts.get(group.pk, 0)
    close_form = None
    if access.can_close(request.user, buying_round):
        close_form = CloseRoundForm(request.POST if request.method == "POST" else None, totals=totals)
        for total, field in close_form.rows():
            total.field = field
        if request.method == "POST" and close_form.is_valid():
            try:
                services.round_close(buying_round=buying_round, packs=close_form.packs(), user=request.user)
            except ValidationError as error:
                close_form.add_error(None, error)
            else:
                messages.success(request, _("Round closed. The purchase orders can be printed."))
                return redirect("enterprise:round", pk=buying_round.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "enterprise/round_detail.html",
        {
            "round": buying_round,
            "totals": totals,
            "groups": groups,
            "close_form": close_form,
            "takes_orders": buying_round.takes_orders(timezone.localdate()),
            "supplier_total": sum((t.supplier_cost for t in totals), selectors.ZERO),
        },
    )


@treasurer_required
@require_http_methods(["GET", "POST"])
def order_sheet(request, pk, group_pk):
    buying_round, group = access.order_sheet_for_posting(request.user, pk, group_pk)
    items = selectors.round_items(buying_round)
    today = timezone.localdate()
    members = group_selectors.members_active_in(group, today.replace(day=1))
    existing = {
        quantity_key_ids(member_id, item_id): quantity
        for (member_id, item_id), quantity in selectors.group_orders(buying_round, group).items()
    }
    form = OrderSheetForm(
        request.POST if request.method == "POST" else None, members=members, items=items, initial=existing
    )
    takes_orders = buying_round.takes_orders(today)
    if request.method == "POST" and form.is_valid():
        try:
            services.orders_replace(
                buying_round=buying_round, group=group, quantities=form.quantities(), user=request.user, today=today
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Orders saved."))
            return redirect("enterprise:round", pk=buying_round.pk)
    return render(
        request,
        "enterprise/order_sheet.html",
        {"round": buying_round, "group": group, "form": form, "items": items, "takes_orders": takes_orders},
    )


@staff_required
def purchase_orders(request, pk):
    buying_round = access.round_for_reading(request.user, pk, closed=True)
    return render(
        request,
        "enterprise/purchase_orders.html",
        {"round": buying_round, "suppliers": selectors.purchase_orders(buying_round)},
    )


@leader_required
@require_http_methods(["GET", "POST"])
def round_receive(request, pk):
    buying_round = access.round_for_receiving(request.user, pk)
    form = ReceiveForm(request.POST or None, items=selectors.round_items(buying_round))
    if request.method == "POST" and form.is_valid():
        try:
            services.round_receive(
                buying_round=buying_round,
                received=form.received(),
                notes=form.notes(),
                date=form.cleaned_data["date"],
                user=request.user,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):  # keyed by product in the round: shown beside its note
                for item_id, messages_ in error.message_dict.items():
                    form.add_error(f"note_{item_id}", messages_)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Goods received and shared out. The pick-up list is ready."))
            return redirect("enterprise:pickup", pk=buying_round.pk)
    return render(request, "enterprise/round_receive.html", {"round": buying_round, "form": form})


def _pickup_context(request, buying_round):
    round_bills = selectors.bills(buying_round, groups=access.bill_groups(request.user))
    by_group = {}
    for bill in round_bills:
        by_group.setdefault(bill.member.group, []).append(bill)
    # The bills are already limited to the user's groups: for a treasurer, their own.
    can_pay = access.takes_payments(request.user)
    return {
        "round": buying_round,
        "by_group": [
            {
                "group": group,
                "bills": group_bills,
                "can_pay": can_pay,
                "due": sum((b.due for b in group_bills), selectors.ZERO),
                "owed": sum((b.owed for b in group_bills), selectors.ZERO),
                "saved": sum((b.saved for b in group_bills), selectors.ZERO),
            }
            for group, group_bills in by_group.items()
        ],
        "saved": sum((b.saved for b in round_bills), selectors.ZERO),
        "owed": sum((b.owed for b in round_bills), selectors.ZERO),
        "is_leader": request.user.is_leader,
    }


@group_reader_required
def pickup_list(request, pk):
    buying_round = access.round_for_reading(request.user, pk, received=True)
    return render(request, "enterprise/pickup_list.html", _pickup_context(request, buying_round))


@group_reader_required
def pickup_list_pdf(request, pk):
    buying_round = access.round_for_reading(request.user, pk, received=True)
    context = {**_pickup_context(request, buying_round), "printed_on": be_date(timezone.localdate())}
    # A long list (the whole network's) is laid out in parts, a run of groups each, side by side.
    parts = [{"by_group": run} for run in parts_of(context["by_group"], lambda entry: len(entry["bills"]))]
    return pdf_response("enterprise/pickup_list_pdf.html", context, f"pickup-{buying_round.pk}.pdf", parts)


@treasurer_required
@require_http_methods(["GET", "POST"])
def payment(request, pk, member_pk):
    buying_round, member = access.payment_for_posting(request.user, pk, member_pk)
    bill = selectors.member_bill(buying_round, member)
    form = PaymentForm(request.POST or None, initial={"amount": bill.owed})
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_post(buying_round=buying_round, member=member, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("enterprise:pickup", pk=buying_round.pk)
    return render(request, "enterprise/payment_form.html", {"round": buying_round, "bill": bill, "form": form})


@leader_required
@require_http_methods(["GET", "POST"])
def allocation_change(request, pk):
    allocation = access.allocation_for_changing(request.user, pk)
    form = AllocationForm(request.POST or None, initial={"quantity": allocation.quantity})
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_override(
                allocation=allocation, date=timezone.localdate(), user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The member's share was changed."))
            return redirect("enterprise:pickup", pk=allocation.order.item.round_id)
    return render(request, "enterprise/allocation_form.html", {"allocation": allocation, "form": form})


def _period(request, default="year"):
    """The period of months a ledger page shows, from its query: (form, first day, last day)."""
    form = MonthRangeForm(request.GET, default=default)
    return (form, *form.days())


@staff_required
@require_http_methods(["GET", "POST"])
def stock(request):
    form = None
    if access.keeps_the_books(request.user):
        form = StockMoveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.stock_move(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Stock updated."))
                return redirect("enterprise:stock")
    elif request.method == "POST":
        raise PermissionDenied
    period_form, first, last = _period(request)
    return render(
        request,
        "enterprise/stock.html",
        {
            "levels": selectors.stock_levels(timezone.localdate()),
            "form": form,
            "period_form": period_form,
            "first": first,
            "last": last,
            "ledgers": selectors.goods_ledgers(first, last),
        },
    )


# Production of cleaning liquids.


@staff_required
def production(request):
    period_form, first, last = _period(request)
    return render(
        request,
        "enterprise/production.html",
        {
            "batches": selectors.recent_batches(10),
            "period_form": period_form,
            "first": first,
            "last": last,
            "liquid_ledgers": selectors.liquid_ledgers(first, last),
            "material_ledgers": selectors.material_ledgers(first, last),
            "can_post": access.keeps_the_books(request.user),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def batch_detail(request, pk):
    batch = access.batch_for_reading(request.user, pk)
    form = None
    if access.may_reverse_batch(request.user, batch):
        form = ReversalForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                services.batch_reverse(batch=batch, user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The batch was reversed: its materials are back in stock."))
                return redirect("enterprise:batch", pk=batch.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "enterprise/batch_detail.html",
        {"batch": batch, "materials": selectors.batch_materials(batch), "form": form},
    )


def _production_form(request, form, post, success, title):
    if request.method == "POST" and form.is_valid():
        try:
            post(form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, success)
            return redirect("enterprise:production")
    return render(request, "enterprise/production_form.html", {"form": form, "title": title})


@leader_required
@require_http_methods(["GET", "POST"])
def material_buy(request):
    return _production_form(
        request,
        MaterialPurchaseForm(request.POST or None),
        lambda data: services.material_buy(user=request.user, **data),
        _("Raw material recorded."),
        _("Buy raw material"),
    )


@leader_required
@require_http_methods(["GET", "POST"])
def batch_new(request):
    return _production_form(
        request,
        BatchForm(request.POST or None, makers=group_selectors.current_members()),
        lambda data: services.batch_make(user=request.user, **data),
        _("Batch recorded."),
        _("Record a batch"),
    )


@leader_required
@require_http_methods(["GET", "POST"])
def liquid_sale(request):
    return _production_form(
        request,
        LiquidSaleForm(request.POST or None, members=group_selectors.current_members()),
        lambda data: services.liquid_sell(user=request.user, **data),
        _("Sale recorded."),
        _("Share or sell a liquid"),
    )


@staff_required
def statement(request):
    form, first, last = _period(request)
    return render(
        request,
        "enterprise/statement.html",
        {
            "form": form,
            "statement": selectors.statement(first, last),
            "query": request.GET.urlencode(),
            "cash_query": urlencode({"first": be_date_input(first), "last": be_date_input(last)}),
        },
    )


@staff_required
def statement_xlsx(request):
    form, first, last = _period(request)
    workbook = excel.statement_workbook(selectors.statement(first, last), selectors.cash_rows(first, last))
    return xlsx_response(workbook, f"enterprise-{be_month_slug(first)}-{be_month_slug(last)}.xlsx")

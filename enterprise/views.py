from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Sum, Window
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups import access as group_access
from groups.models import Member
from songkhla_network.excel import xlsx_response
from songkhla_network.forms import MonthRangeForm
from songkhla_network.models import Role
from songkhla_network.pdf import pdf_response
from songkhla_network.roles import role_required
from songkhla_network.thai import be_date, be_month, be_month_slug, format_baht

from . import excel, selectors, services
from .forms import (
    AllocationForm,
    AsOfForm,
    BatchForm,
    CashReversalForm,
    CloseRoundForm,
    DonationForm,
    LevyForm,
    LiquidSaleForm,
    MaterialPurchaseForm,
    OrderSheetForm,
    PaymentForm,
    ReceiveForm,
    RoundForm,
    StockMoveForm,
    quantity_key_ids,
)
from .models import Allocation, Batch, BuyingRound, CashEntry, CashKind, Donation, LevyPosting, Order, Product

# Leaders run the enterprise; staff read its books. Leaders pass every role check.
READERS = (Role.STAFF,)
leader_required = role_required()


@role_required(*READERS)
def overview(request):
    by_kind = dict(CashEntry.objects.order_by().values_list("kind").annotate(total=Sum("amount")))
    return render(
        request,
        "enterprise/overview.html",
        {
            "cash": services.cash_balance(),
            "donations": by_kind.get(CashKind.DONATION, services.ZERO),
            "levy": by_kind.get(CashKind.LEVY, services.ZERO),
            "recent": list(CashEntry.objects.select_related("posted_by").order_by("-date", "-id")[:5]),
        },
    )


@role_required(*READERS)
def cash_book(request):
    form = AsOfForm(request.GET or None)
    as_of = form.cleaned_data["as_of"] if form.is_valid() else None
    rows = CashEntry.objects.select_related("posted_by", "reverses", "donation").annotate(
        running_balance=Window(Sum("amount"), order_by=["date", "id"]),
        is_reversed=Exists(CashEntry.objects.filter(reverses=OuterRef("pk"))),
    )
    if as_of:
        rows = rows.filter(date__lte=as_of)
    paginator = Paginator(rows.order_by("date", "id"), 50)
    page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
    return render(
        request,
        "enterprise/cash_book.html",
        {
            "form": form,
            "page": page,
            "as_of": as_of,
            "balance": services.cash_balance(as_of),
            "can_post": request.user.is_leader,
        },
    )


@leader_required
@require_http_methods(["GET", "POST"])
def cash_reverse(request, pk):
    entry = get_object_or_404(CashEntry, pk=pk)
    form = CashReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cash_reverse(
                entry=entry, date=form.cleaned_data["date"], reason=form.cleaned_data["reason"], user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The row was reversed."))
            return redirect("enterprise:cash_book")
    return render(request, "enterprise/cash_reverse.html", {"entry": entry, "form": form})


@role_required(*READERS)
def donation_list(request):
    donations = list(
        Donation.objects.select_related("cash_entry").annotate(
            is_reversed=Exists(CashEntry.objects.filter(reverses__donation=OuterRef("pk")))
        )
    )
    total = sum((d.amount for d in donations if not d.is_reversed), services.ZERO)
    return render(
        request,
        "enterprise/donation_list.html",
        {"donations": donations, "total": total, "can_post": request.user.is_leader},
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


@role_required(*READERS)
def donation_acknowledgement(request, pk):
    donation = get_object_or_404(Donation.objects.select_related("posted_by"), pk=pk)
    return render(request, "enterprise/donation_acknowledgement.html", {"donation": donation})


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def levy(request):
    form = LevyForm(request.POST if request.method == "POST" else request.GET)
    dues = first = last = None
    if form.is_valid():
        first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        if request.method == "POST":
            if not request.user.is_leader:
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
        dues = services.levy_due(first, last)
    postings = list(LevyPosting.objects.select_related("posted_by", "cash_entry").order_by("-posted_at", "-id")[:24])
    return render(
        request,
        "enterprise/levy.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "dues": dues,
            "to_post": sum((d.levy for d in dues or [] if d.by_month), services.ZERO),
            "postings": postings,
            "can_post": request.user.is_leader,
        },
    )


# Buying rounds. Treasurers see the rounds and enter their own members' orders.
ROUND_READERS = (Role.STAFF, Role.TREASURER)


@role_required(*ROUND_READERS)
def round_list(request):
    rounds = list(BuyingRound.objects.order_by("-opened_on", "-id")[:50])
    return render(
        request,
        "enterprise/round_list.html",
        {"rounds": rounds, "today": timezone.localdate(), "can_post": request.user.is_leader},
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


@role_required(*ROUND_READERS)
@require_http_methods(["GET", "POST"])
def round_detail(request, pk):
    buying_round = get_object_or_404(BuyingRound.objects.select_related("closed_by"), pk=pk)
    totals = selectors.item_totals(buying_round)
    groups = list(group_access.readable_groups(request.user).select_related("community").order_by("name"))
    counts = selectors.group_order_counts(buying_round)
    for group in groups:
        group.ordering_members = counts.get(group.pk, 0)
    close_form = None
    if request.user.is_leader and buying_round.closed_at is None:
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
            "supplier_total": sum((t.supplier_cost for t in totals), services.ZERO),
        },
    )


@role_required(Role.TREASURER)
@require_http_methods(["GET", "POST"])
def order_sheet(request, pk, group_pk):
    buying_round = get_object_or_404(BuyingRound, pk=pk)
    group = group_access.group_for_posting(request.user, group_pk)
    items = list(buying_round.items.select_related("product").order_by("product__name"))
    today = timezone.localdate()
    members = [
        m for m in group.members.select_related("person").order_by("number") if m.active_in(today.replace(day=1))
    ]
    existing = {
        quantity_key_ids(o.member_id, o.item_id): o.quantity
        for o in Order.objects.filter(item__round=buying_round, member__group=group)
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


@role_required(Role.STAFF)
def purchase_orders(request, pk):
    buying_round = get_object_or_404(BuyingRound, pk=pk, closed_at__isnull=False)
    by_supplier = {}
    for total in selectors.item_totals(buying_round):
        if total.packs:
            by_supplier.setdefault(total.item.product.supplier, []).append(total)
    suppliers = [
        {"supplier": s, "lines": lines, "total": sum((t.supplier_cost for t in lines), services.ZERO)}
        for s, lines in sorted(by_supplier.items(), key=lambda pair: pair[0].name)
    ]
    return render(request, "enterprise/purchase_orders.html", {"round": buying_round, "suppliers": suppliers})


@leader_required
@require_http_methods(["GET", "POST"])
def round_receive(request, pk):
    buying_round = get_object_or_404(BuyingRound, pk=pk, closed_at__isnull=False, received_at__isnull=True)
    items = list(buying_round.items.select_related("product").order_by("product__name"))
    form = ReceiveForm(request.POST or None, items=items)
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
    groups = group_access.readable_groups(request.user)
    members = None if request.user.reads_everything else Member.objects.filter(group__in=groups)
    round_bills = selectors.bills(buying_round, members=members)
    by_group = {}
    for bill in round_bills:
        by_group.setdefault(bill.member.group, []).append(bill)
    # Members are already limited to the readable groups: for a treasurer, their own groups.
    can_pay = request.user.is_leader or request.user.role == Role.TREASURER
    return {
        "round": buying_round,
        "by_group": [
            {
                "group": group,
                "bills": group_bills,
                "can_pay": can_pay,
                "due": sum((b.due for b in group_bills), services.ZERO),
                "owed": sum((b.owed for b in group_bills), services.ZERO),
                "saved": sum((b.saved for b in group_bills), services.ZERO),
            }
            for group, group_bills in by_group.items()
        ],
        "saved": sum((b.saved for b in round_bills), services.ZERO),
        "owed": sum((b.owed for b in round_bills), services.ZERO),
        "is_leader": request.user.is_leader,
    }


@role_required(*ROUND_READERS)
def pickup_list(request, pk):
    buying_round = get_object_or_404(BuyingRound, pk=pk, received_at__isnull=False)
    return render(request, "enterprise/pickup_list.html", _pickup_context(request, buying_round))


@role_required(*ROUND_READERS)
def pickup_list_pdf(request, pk):
    buying_round = get_object_or_404(BuyingRound, pk=pk, received_at__isnull=False)
    context = {**_pickup_context(request, buying_round), "printed_on": be_date(timezone.localdate())}
    return pdf_response("enterprise/pickup_list_pdf.html", context, f"pickup-{buying_round.pk}.pdf")


@role_required(Role.TREASURER)
@require_http_methods(["GET", "POST"])
def payment(request, pk, member_pk):
    buying_round = get_object_or_404(BuyingRound, pk=pk, received_at__isnull=False)
    member = get_object_or_404(Member.objects.select_related("person", "group"), pk=member_pk)
    group_access.group_for_posting(request.user, member.group_id)
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
    allocation = get_object_or_404(
        Allocation.objects.select_related("order__item__product", "order__item__round", "order__member__person"), pk=pk
    )
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


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def stock(request):
    form = None
    if request.user.is_leader:
        form = StockMoveForm(request.POST or None, products=Product.objects.order_by("name"))
        if request.method == "POST" and form.is_valid():
            try:
                services.stock_move(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Stock updated."))
                return redirect("enterprise:stock")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request, "enterprise/stock.html", {"levels": selectors.stock_levels(timezone.localdate()), "form": form}
    )


# Production of cleaning liquids.


@role_required(*READERS)
def production(request):
    return render(
        request,
        "enterprise/production.html",
        {
            "liquids": selectors.liquid_figures(),
            "materials": selectors.material_levels(),
            "batches": list(Batch.objects.select_related("recipe").order_by("-date", "-id")[:10]),
            "can_post": request.user.is_leader,
        },
    )


def _current_members():
    return (
        Member.objects.filter(left_on__isnull=True).select_related("person", "group").order_by("group__name", "number")
    )


def _production_form(request, form, post, success, title):
    if request.method == "POST" and form.is_valid():
        try:
            post(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
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
        BatchForm(request.POST or None, makers=_current_members()),
        lambda data: services.batch_make(user=request.user, **data),
        _("Batch recorded."),
        _("Record a batch"),
    )


@leader_required
@require_http_methods(["GET", "POST"])
def liquid_sale(request):
    return _production_form(
        request,
        LiquidSaleForm(request.POST or None, members=_current_members()),
        lambda data: services.liquid_sell(user=request.user, **data),
        _("Sale recorded."),
        _("Share or sell a liquid"),
    )


def _statement_period(request):
    form = MonthRangeForm(request.GET, default="year")
    return (form, *form.days())


@role_required(*READERS)
def statement(request):
    form, first, last = _statement_period(request)
    return render(
        request,
        "enterprise/statement.html",
        {"form": form, "statement": selectors.statement(first, last), "query": request.GET.urlencode()},
    )


@role_required(*READERS)
def statement_xlsx(request):
    form, first, last = _statement_period(request)
    rows = CashEntry.objects.filter(date__range=(first, last)).order_by("date", "id")
    workbook = excel.statement_workbook(selectors.statement(first, last), rows)
    return xlsx_response(workbook, f"enterprise-{be_month_slug(first)}-{be_month_slug(last)}.xlsx")

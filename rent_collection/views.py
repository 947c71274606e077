"""Rent pages: arrears per household and community, collecting on a phone, voiding, remitting to
CODI, and the reports leaders and staff read. Who sees what is decided in `access`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods

from songkhla_network.charts import GREEN, GREY, RED, Series, bar_chart
from songkhla_network.excel import add_sheet, new_workbook, xlsx_response
from songkhla_network.forms import DateRangeForm, MonthRangeForm, add_service_error
from songkhla_network.roles import collector_required, rent_reader_required, staff_required
from songkhla_network.thai import be_date, be_month, be_month_short

from . import access, selectors, services
from .forms import CollectionForm, RemittanceForm, TenancyFilterForm, VoidForm


def _today():
    return timezone.localdate()


@rent_reader_required
def overview(request):
    """Leaders and staff: arrears by community, cash in hand per collector, letters about to
    expire. A collector: where they may collect today, their cash in hand, their latest receipts."""
    user, today = request.user, _today()
    cash = selectors.cash_in_hand(today)
    context = {"today": today}
    if user.reads_everything:
        context.update(summary=selectors.arrears_summary(today), cash=cash, expiring=selectors.letters_expiring(today))
    else:
        context["summary"] = selectors.arrears_summary(today, communities=access.readable_communities(user))
    if access.can_collect(user):
        context.update(
            my_communities=selectors.collector_communities(user, today),
            my_cash=next((row for row in cash if row.collector.pk == user.pk), None),
            my_receipts=list(selectors.receipts(collector=user)[:10]),
        )
    return render(request, "rent_collection/overview.html", context)


# Tenancies and a household's statement.


def _tenancies(request):
    """The filter form and the balances today of the households it shows."""
    user, today = request.user, _today()
    tenancies = access.readable_tenancies(user)
    form = TenancyFilterForm(request.GET or None, communities=access.readable_communities(user))
    owing = False
    if form.is_valid():
        data = form.cleaned_data
        tenancies = selectors.tenancies_matching(tenancies, community=data["community"], text=data["name"])
        owing = data["owing"]
    return form, selectors.tenancy_balances(today, tenancies=tenancies, in_arrears_only=owing)


@rent_reader_required
def tenancy_list(request):
    form, balances = _tenancies(request)
    collectible = set()
    if access.can_collect(request.user):
        collectible = {c.pk for c in selectors.collector_communities(request.user, _today())}
    return render(
        request,
        "rent_collection/tenancy_list.html",
        {
            "filter": form,
            "balances": balances,
            "collectible": collectible,
            "query": request.GET.urlencode(),
            "total_arrears": sum((b.arrears for b in balances), selectors.ZERO),
        },
    )


@rent_reader_required
def tenancy_list_xlsx(request):
    _form, balances = _tenancies(request)
    workbook = new_workbook()
    add_sheet(
        workbook,
        _("Tenancies"),
        [
            _("tenant (head of household)"),
            _("community"),
            _("plot or house number"),
            _("contract number"),
            _("monthly rent"),
            _("opening arrears"),
            _("arrears as of"),
            _("Arrears today"),
            _("Paid in advance"),
        ],
        [
            (
                str(b.tenancy.tenant),
                b.tenancy.community.name,
                b.tenancy.plot,
                b.tenancy.contract_number,
                b.tenancy.monthly_rent,
                b.opening,
                be_date(b.tenancy.opening_on),
                b.arrears,
                b.credit,
            )
            for b in balances
        ],
        money_columns=(5, 6, 8, 9),
    )
    return xlsx_response(workbook, "tenancies.xlsx")


@rent_reader_required
def tenancy_detail(request, pk):
    tenancy = access.tenancy_for_reading(request.user, pk)
    today = _today()
    may_collect = access.can_collect(request.user) and selectors.authorising_assignment(
        collector=request.user, community=tenancy.community, day=today
    )
    return render(
        request,
        "rent_collection/tenancy_detail.html",
        {"tenancy": tenancy, "statement": selectors.tenancy_statement(tenancy, today), "may_collect": may_collect},
    )


@rent_reader_required
def tenancy_statement_xlsx(request, pk):
    tenancy = access.tenancy_for_reading(request.user, pk)
    statement = selectors.tenancy_statement(tenancy, _today())
    workbook = new_workbook()
    add_sheet(
        workbook,
        pgettext("rent", "Statement"),
        [_("date"), _("item"), _("receipt number"), _("Rent due"), _("Paid"), pgettext("rent", "Balance")],
        [
            (
                be_date(line.date),
                _line_label(line),
                line.receipt.number if line.receipt else "",
                line.charge or None,
                line.payment or None,
                line.balance,
            )
            for line in statement.lines
        ],
        money_columns=(4, 5, 6),
    )
    return xlsx_response(workbook, f"statement-{tenancy.contract_number}.xlsx")


def _line_label(line):
    if line.month:
        return _("Rent of %(month)s") % {"month": be_month(line.month)}
    if line.voided:
        return _("Receipt (voided)")
    return str(line.label)


# Collecting, voiding, remitting.


@collector_required
@require_http_methods(["GET", "POST"])
def receipt_new(request, pk):
    """A collector takes a payment from a household. Whether a letter lets them collect there on
    that day is the service's to say, beside the form."""
    tenancy = access.tenancy_for_reading(request.user, pk)
    today = _today()
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            receipt = services.receipt_post(
                collector=request.user,
                tenancy=tenancy,
                date=data["date"],
                amount=data["amount"],
                user=request.user,
                accept_advance=data["accept_advance"],
                request_key=data["request_key"],
            )
        except services.AlreadyPosted as posted:
            return redirect("rent:receipt", pk=posted.existing.pk)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Receipt %(number)s written. Hand it to the household.") % {"number": receipt.number}
            )
            return redirect("rent:receipt", pk=receipt.pk)
    return render(
        request,
        "rent_collection/collect.html",
        {
            "tenancy": tenancy,
            "form": form,
            "balance": selectors.tenancy_balance(tenancy, today),
            "authorised": selectors.authorising_assignment(
                collector=request.user, community=tenancy.community, day=today
            ),
        },
    )


@collector_required
@require_http_methods(["POST"])
def receipt_void(request, pk):
    receipt = access.receipt_for_voiding(request.user, pk)
    form = VoidForm(request.POST)
    if form.is_valid():
        try:
            services.receipt_void(receipt=receipt, reason=form.cleaned_data["reason"], user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Receipt %(number)s is voided; its number stays used.") % {"number": receipt.number}
            )
    else:
        messages.error(request, _("Say why the receipt is voided."))
    return redirect("rent:receipt", pk=receipt.pk)


def _receipts(request):
    form = DateRangeForm(request.GET)
    first, last = form.period()
    receipts = selectors.receipts(within=access.readable_receipts(request.user), first=first, last=last)
    return form, first, last, list(receipts)


@rent_reader_required
def receipt_list(request):
    form, first, last, receipts = _receipts(request)
    counted = [r for r in receipts if not hasattr(r, "void")]
    return render(
        request,
        "rent_collection/receipt_list.html",
        {
            "form": form,
            "receipts": receipts,
            "first": first,
            "last": last,
            "query": request.GET.urlencode(),
            "total": sum((r.amount for r in counted), selectors.ZERO),
            "counted": len(counted),
        },
    )


@rent_reader_required
def receipt_list_xlsx(request):
    _form, _first, _last, receipts = _receipts(request)
    workbook = new_workbook()
    add_sheet(
        workbook,
        _("Receipts"),
        [
            _("collector"),
            _("receipt number"),
            _("date"),
            _("tenant (head of household)"),
            _("community"),
            _("contract number"),
            _("amount"),
            _("of which advance rent"),
            _("for"),
            _("Voided"),
            _("Remitted"),
        ],
        [
            (
                r.collector.get_full_name() or r.collector.username,
                r.number,
                be_date(r.date),
                str(r.tenancy.tenant),
                r.tenancy.community.name,
                r.tenancy.contract_number,
                r.amount,
                r.advance,
                r.covers_label,
                r.void.reason if hasattr(r, "void") else "",
                r.remittance_line.remittance.bank_reference if hasattr(r, "remittance_line") else "",
            )
            for r in receipts
        ],
        money_columns=(7, 8),
    )
    return xlsx_response(workbook, "receipts.xlsx")


@rent_reader_required
def remittance_list(request):
    remittances = selectors.remittances_with_counts(access.readable_remittances(request.user))
    return render(request, "rent_collection/remittance_list.html", {"remittances": remittances})


@collector_required
@require_http_methods(["GET", "POST"])
def remittance_new(request):
    """The collector transfers to CODI the money of receipts they still hold, and records it:
    the amount must be the receipts' sum."""
    waiting = selectors.unremitted_receipts(request.user)
    form = RemittanceForm(request.POST or None, receipts=waiting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            remittance = services.remittance_post(
                collector=request.user,
                receipts=list(data["receipts"]),
                transfer_date=data["transfer_date"],
                bank_reference=data["bank_reference"].strip(),
                amount=data["amount"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Remittance recorded."))
            return redirect("rent:remittance", pk=remittance.pk)
    waiting = list(form.fields["receipts"].queryset)
    return render(
        request,
        "rent_collection/remittance_form.html",
        {"form": form, "waiting": waiting, "waiting_total": sum((r.amount for r in waiting), selectors.ZERO)},
    )


@rent_reader_required
def remittance_detail(request, pk):
    remittance = access.remittance_for_reading(request.user, pk)
    receipts = selectors.remittance_receipts(remittance)
    return render(request, "rent_collection/remittance_detail.html", {"remittance": remittance, "receipts": receipts})


# Reports for leaders and staff.


@staff_required
def reconciliation(request):
    form = DateRangeForm(request.GET)
    first, last = form.period()
    return render(
        request,
        "rent_collection/reconciliation.html",
        {"form": form, "report": selectors.reconciliation(first, last), "query": request.GET.urlencode()},
    )


@staff_required
def reconciliation_xlsx(request):
    first, last = DateRangeForm(request.GET).period()
    report = selectors.reconciliation(first, last)
    header = [_("In hand before"), _("Collected"), _("Remitted to CODI"), _("In hand at the end")]

    def rows(lines, name):
        return [(name(r.key), r.in_hand_before, r.collected, r.remitted, r.in_hand_after) for r in lines] + [
            (
                _("Total"),
                report.total.in_hand_before,
                report.total.collected,
                report.total.remitted,
                report.total.in_hand_after,
            )
        ]

    workbook = new_workbook()
    add_sheet(
        workbook,
        _("By collector"),
        [_("collector"), *header],
        rows(report.by_collector, lambda u: u.get_full_name() or u.username),
        money_columns=(2, 3, 4, 5),
    )
    add_sheet(
        workbook,
        _("By community"),
        [_("community"), *header],
        rows(report.by_community, lambda c: c.name),
        money_columns=(2, 3, 4, 5),
    )
    return xlsx_response(workbook, f"reconciliation-{first.isoformat()}-{last.isoformat()}.xlsx")


def _charts(months):
    labels = [be_month_short(m.month) for m in months]
    collected = Series(_("collected in the month"), GREEN, [m.collected for m in months])
    return [
        bar_chart(
            _("Arrears at each month’s end and rent collected in the month"),
            labels,
            [Series(_("arrears at the month's end"), RED, [m.arrears for m in months]), collected],
        ),
        bar_chart(
            _("Rent that fell due in each month and rent collected in it"),
            labels,
            [Series(_("rent due in the month"), GREY, [m.rent_due for m in months]), collected],
        ),
    ]


def _progress(request):
    form = MonthRangeForm(request.GET, default=12, max_months=36)
    first, last = form.days()
    return form, selectors.progress_by_month(first, last)


@staff_required
def progress(request):
    form, report = _progress(request)
    return render(
        request,
        "rent_collection/progress.html",
        {
            "form": form,
            "report": report,
            "query": request.GET.urlencode(),
            "charts": _charts(report.total),
        },
    )


@staff_required
def progress_xlsx(request):
    _form, report = _progress(request)
    header = [
        _("community"),
        _("month"),
        _("Rent due"),
        _("Collected"),
        _("Arrears at the month's end"),
        _("Households"),
    ]
    rows = []
    for community in report.communities:
        rows += [
            (community.community.name, be_month(m.month), m.rent_due, m.collected, m.arrears, m.tenancies)
            for m in community.months
        ]
    rows += [
        (_("Whole network"), be_month(m.month), m.rent_due, m.collected, m.arrears, m.tenancies) for m in report.total
    ]
    workbook = new_workbook()
    add_sheet(workbook, _("Progress"), header, rows, money_columns=(3, 4, 5))
    return xlsx_response(workbook, "rent-progress.xlsx")

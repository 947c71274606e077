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
from songkhla_network.roles import collector_required, leader_required, rent_reader_required, staff_required
from songkhla_network.thai import be_date, be_month, be_month_short, format_baht

from . import access, selectors, services
from .forms import (
    CollectionForm,
    RemittanceForm,
    RentChangeForm,
    StatementPeriodForm,
    TenancyEndForm,
    TenancyFilterForm,
    TransferAccountForm,
    VoidForm,
)


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
            _("monthly rent this month"),
            _("opening arrears"),
            _("arrears as of"),
            _("tenancy ended on"),
            _("Arrears today"),
            _("Paid in advance"),
        ],
        [
            (
                str(b.tenancy.tenant),
                b.tenancy.community.name,
                b.tenancy.plot,
                b.tenancy.contract_number,
                b.rent,
                b.opening,
                be_date(b.tenancy.opening_on),
                be_date(b.tenancy.ended_on) if b.tenancy.ended_on else "",
                b.arrears,
                b.credit,
            )
            for b in balances
        ],
        money_columns=(5, 6, 9, 10),
    )
    return xlsx_response(workbook, "tenancies.xlsx")


def _statement(request, tenancy):
    """The period form of the tenancy's statement and the statement it asks for."""
    form = StatementPeriodForm(request.GET, tenancy=tenancy)
    first, last = form.period()
    return form, selectors.tenancy_statement(tenancy, last, first=first)


def _tenancy_page(request, tenancy, *, rent_form=None, end_form=None, status=200):
    today = _today()
    may_collect, qr = None, None
    if access.can_collect(request.user):
        may_collect, account = selectors.authorising_assignment_and_account(
            collector=request.user, community=tenancy.community, day=today
        )
        if account is not None:
            # What is owed today, payable by transfer into the account of the collector reading it.
            qr = selectors.payment_qr(account, selectors.tenancy_balance(tenancy, today).arrears)
    period, statement = _statement(request, tenancy)
    may_change = access.can_change_tenancy(request.user) and tenancy.ended_on is None
    return render(
        request,
        "rent_collection/tenancy_detail.html",
        {
            "tenancy": tenancy,
            "today": today,
            "rent_now": tenancy.rent_in(today),
            "rents": tenancy.rent_rows(),
            "period": period,
            "statement": statement,
            "query": request.GET.urlencode(),
            "may_collect": may_collect,
            "qr": qr,
            "rent_form": (rent_form or RentChangeForm()) if may_change else None,
            "end_form": (end_form or TenancyEndForm()) if may_change else None,
        },
        status=status,
    )


@rent_reader_required
def tenancy_detail(request, pk):
    return _tenancy_page(request, access.tenancy_for_reading(request.user, pk))


@leader_required
@require_http_methods(["POST"])
def rent_change(request, pk):
    """A leader changes a tenancy's rent from a month (this month or later)."""
    tenancy = access.tenancy_for_changing(request.user, pk)
    form = RentChangeForm(request.POST)
    if form.is_valid():
        try:
            rent = services.rent_change(
                tenancy=tenancy,
                from_month=form.cleaned_data["from_month"],
                amount=form.cleaned_data["amount"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The monthly rent is %(amount)s baht from %(month)s on.")
                % {"amount": format_baht(rent.amount), "month": be_month(rent.from_month)},
            )
            return redirect("rent:tenancy", pk=tenancy.pk)
    return _tenancy_page(request, tenancy, rent_form=form)


@leader_required
@require_http_methods(["POST"])
def tenancy_end(request, pk):
    """A leader records that a tenancy ended: no rent falls due after it, its arrears stay owed."""
    tenancy = access.tenancy_for_changing(request.user, pk)
    form = TenancyEndForm(request.POST)
    if form.is_valid():
        try:
            services.tenancy_end(
                tenancy=tenancy,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The tenancy ended on %(date)s: no rent falls due after it.") % {"date": be_date(tenancy.ended_on)},
            )
            return redirect("rent:tenancy", pk=tenancy.pk)
    return _tenancy_page(request, tenancy, end_form=form)


@rent_reader_required
def tenancy_statement_xlsx(request, pk):
    tenancy = access.tenancy_for_reading(request.user, pk)
    _period, statement = _statement(request, tenancy)
    workbook = new_workbook()
    add_sheet(
        workbook,
        pgettext("rent", "Statement"),
        [
            _("date"),
            _("item"),
            _("receipt number"),
            _("Rent due (by rent month)"),
            _("Paid (by receipt date)"),
            _("Voided (by void date)"),
            pgettext("rent", "Balance"),
        ],
        [
            *(
                (
                    be_date(line.date),
                    _line_label(line, tenancy),
                    line.receipt.number if line.receipt else "",
                    line.charge if line.kind == selectors.LineKind.RENT else None,
                    line.payment or None,
                    line.charge if line.kind == selectors.LineKind.VOID else None,
                    line.balance,
                )
                for line in statement.lines
            ),
            (
                be_date(statement.last),
                _("Total of the period"),
                "",
                statement.rent_due,
                statement.paid,
                statement.voided,
                statement.closing,
            ),
        ],
        money_columns=(4, 5, 6, 7),
    )
    return xlsx_response(workbook, f"statement-{tenancy.contract_number}.xlsx")


def _line_label(line, tenancy):
    if line.month:
        return _("Rent of %(month)s") % {"month": be_month(line.month)}
    if line.kind == selectors.LineKind.VOID:
        return _("Receipt %(number)s voided: %(reason)s") % {
            "number": line.receipt.number,
            "reason": line.receipt.void.reason,
        }
    if line.kind == selectors.LineKind.END:
        return _("Tenancy ended: %(reason)s") % {"reason": tenancy.end_reason}
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
                method=data["method"],
                bank_reference=data["bank_reference"],
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
    balance = selectors.tenancy_balance(tenancy, today)
    authorised, account = selectors.authorising_assignment_and_account(
        collector=request.user, community=tenancy.community, day=today
    )
    return render(
        request,
        "rent_collection/collect.html",
        {
            "tenancy": tenancy,
            "form": form,
            "balance": balance,
            "authorised": authorised,
            # The household may transfer what it owes into the collector's own account.
            "qr": selectors.payment_qr(account, balance.arrears),
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
    return form, selectors.receipts_report(access.readable_receipts(request.user), first, last)


@rent_reader_required
def receipt_list(request):
    form, report = _receipts(request)
    return render(
        request,
        "rent_collection/receipt_list.html",
        {"form": form, "report": report, "query": request.GET.urlencode()},
    )


@rent_reader_required
def receipt_list_xlsx(request):
    _form, report = _receipts(request)
    workbook = new_workbook()
    add_sheet(
        workbook,
        _("Receipts"),
        [
            _("collector"),
            _("receipt number"),
            _("date of the receipt"),
            _("tenant (head of household)"),
            _("community"),
            _("contract number"),
            _("amount"),
            _("of which advance rent"),
            _("for"),
            _("voided on"),
            _("why it was voided"),
            _("remitted to CODI on"),
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
                be_date(row.void.date) if row.void else "",
                row.void.reason if row.void else "",
                be_date(row.remittance.transfer_date) if row.remittance else "",
                row.remittance.bank_reference if row.remittance else "",
            )
            for row in report.receipts
            for r in [row.receipt]
        ],
        money_columns=(7, 8),
    )
    add_sheet(
        workbook,
        _("Voided in the period"),
        [
            _("voided on"),
            _("collector"),
            _("receipt number"),
            _("date of the receipt"),
            _("tenant (head of household)"),
            _("community"),
            _("amount"),
            _("why it was voided"),
        ],
        [
            (
                be_date(void.date),
                void.receipt.collector.get_full_name() or void.receipt.collector.username,
                void.receipt.number,
                be_date(void.receipt.date),
                str(void.receipt.tenancy.tenant),
                void.receipt.tenancy.community.name,
                void.receipt.amount,
                void.reason,
            )
            for void in report.voids
        ],
        money_columns=(7,),
    )
    add_sheet(
        workbook,
        _("Summary"),
        [_("Period"), f"{be_date(report.first)} – {be_date(report.last)}"],
        [
            (_("Receipts dated in the period (by receipt date)"), report.received),
            (_("Receipts voided in the period (by void date)"), report.voided),
            (_("Collected, net of voids"), report.collected),
        ],
        money_columns=(2,),
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
    return render(
        request,
        "rent_collection/remittance_detail.html",
        {
            "remittance": remittance,
            "receipts": receipts,
            "qr": selectors.payment_qr(selectors.codi_account(), remittance.amount),
        },
    )


@leader_required
@require_http_methods(["GET", "POST"])
def transfer_accounts(request):
    """The leaders set the PromptPay accounts: CODI's, into which collectors remit, and each
    collector's own, into which their households may transfer. Each setting is kept."""
    form = TransferAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.transfer_account_set(
                kind=data["kind"],
                collector=data["collector"],
                promptpay_id=data["promptpay_id"],
                name=data["name"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if account.promptpay_id:
                messages.success(request, _("The PromptPay account is set: %(account)s.") % {"account": account})
            else:
                messages.success(request, _("The collector's PromptPay account is taken away."))
            return redirect("rent:transfer_accounts")
    codi, collectors = selectors.transfer_accounts_in_force()
    return render(
        request,
        "rent_collection/transfer_accounts.html",
        {"form": form, "codi": codi, "collectors": collectors, "history": selectors.transfer_account_history()},
    )


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
    header = [
        _("In hand before"),
        _("Received (by receipt date)"),
        _("Voided (by void date)"),
        _("Remitted to CODI (by transfer date)"),
        _("In hand at the end"),
    ]

    def rows(lines, name):
        return [
            (name(r.key), r.in_hand_before, r.received, r.voided, r.remitted, r.in_hand_after)
            for r in [*lines, report.total]
        ]

    workbook = new_workbook()
    add_sheet(
        workbook,
        _("By collector"),
        [_("collector"), *header],
        rows(report.by_collector, lambda u: _("Total") if u is None else u.get_full_name() or u.username),
        money_columns=(2, 3, 4, 5, 6),
    )
    add_sheet(
        workbook,
        _("By community"),
        [_("community"), *header],
        rows(report.by_community, lambda c: _("Total") if c is None else c.name),
        money_columns=(2, 3, 4, 5, 6),
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
        _("Balance brought forward"),
        _("Arrears of households first counted"),
        _("Rent due (by rent month)"),
        _("Received (by receipt date)"),
        _("Voided (by void date)"),
        _("Balance carried forward"),
        _("Arrears at the month's end"),
        _("Paid in advance"),
        _("Households"),
    ]

    def row(name, m):
        month = be_month(m.month) if m.month else _("Whole period")
        return (
            name,
            month,
            m.opening,
            m.brought_in,
            m.rent_due,
            m.received,
            m.voided,
            m.balance,
            m.arrears,
            m.credit,
            m.tenancies,
        )

    rows = []
    for community in report.communities:
        rows += [row(community.community.name, m) for m in [*community.months, community.period]]
    rows += [row(_("Whole network"), m) for m in [*report.total, report.period]]
    workbook = new_workbook()
    add_sheet(workbook, _("Progress"), header, rows, money_columns=(3, 4, 5, 6, 7, 8, 9, 10))
    return xlsx_response(workbook, "rent-progress.xlsx")

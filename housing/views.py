"""The housing pages: the survey list and its Excel copy, a household's page and its steps, the
survey form and the import from a spreadsheet, and the proposals to CODI. Who sees what is decided
in `access`: leaders survey; staff read everything; treasurers see the households of their groups'
communities, without income, ID numbers or phone numbers. Writes go through `services`."""

import uuid
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_http_methods

from songkhla_network.excel import add_sheet, new_workbook, xlsx_response
from songkhla_network.models import Access, PersonalDataAccess, Purpose
from songkhla_network.pdf import pdf_response
from songkhla_network.roles import group_reader_required, leader_required, staff_required
from songkhla_network.thai import baht_words, be_date

from . import access, importing, selectors, services
from .forms import (
    BudgetLineForm,
    HouseholdFilterForm,
    ImportForm,
    ProposalForm,
    ProposalHouseholdsForm,
    StepForm,
    SurveyForm,
    TakeOutForm,
)
from .models import Step


def log_export(user, what, rows):
    """Every export of the survey's personal data is logged with who and when (PDPA)."""
    PersonalDataAccess.log(user=user, action=Access.EXPORTED, what=what, rows=rows)


def _detail_context(request, household, *, step_form):
    """The household's page. A reader who sees its income, ID number and phone leaves a line in
    the personal-data access log."""
    personal = access.sees_personal_data(request.user)
    if personal:
        PersonalDataAccess.log(
            user=request.user, person=household.head, action=Access.VIEWED, what=_("Household survey page")
        )
    return {
        "household": household,
        "steps": selectors.household_steps(household),
        "consents": selectors.housing_consents(household.head_id),
        "purpose_label": Purpose.HOUSING.label,
        "personal": personal,
        "step_form": step_form,
    }


def filtered_households(request, households):
    """The list as the reader narrowed it: by community, status and name (the same filter feeds
    the page and its Excel export)."""
    form = HouseholdFilterForm(request.GET or None, communities=selectors.communities_of(households))
    narrowed = form.cleaned_data if form.is_valid() else {}
    return form, selectors.households_matching(
        households,
        community=narrowed.get("community"),
        name=narrowed.get("name", ""),
        status=narrowed.get("status"),
    )


@group_reader_required
def household_list(request):
    form, households = filtered_households(request, access.visible_households(request.user))
    return render(
        request,
        "housing/household_list.html",
        {
            "households": households,
            "filter": form,
            "query": request.GET.urlencode(),
            "personal": access.sees_personal_data(request.user),
        },
    )


@group_reader_required
def household_detail(request, pk):
    household = access.household_for_reading(request.user, pk)
    return render(
        request,
        "housing/household_detail.html",
        _detail_context(request, household, step_form=StepForm() if request.user.is_leader else None),
    )


@leader_required
@require_http_methods(["GET", "POST"])
def household_new(request):
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_survey(
                person=form.person(),
                household=form.household(),
                surveyed_on=form.cleaned_data["surveyed_on"],
                consent=form.consent(),
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Household saved."))
            return redirect("housing:detail", pk=household.pk)
    return render(request, "housing/survey_form.html", {"form": form})


@leader_required
@require_http_methods(["POST"])
def step_new(request, pk):
    household = access.household_for_posting(request.user, pk)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.step_add(household=household, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Status recorded."))
            return redirect("housing:detail", pk=household.pk)
    return render(request, "housing/household_detail.html", _detail_context(request, household, step_form=form))


@staff_required
def household_xlsx(request):
    """Every surveyed household with its personal data, for leaders and staff; the export itself
    is recorded with who and when."""
    _form, households = filtered_households(
        request, access.visible_households(request.user).select_related("member__group")
    )
    workbook = new_workbook()
    add_sheet(
        workbook,
        _("Households"),
        [
            _("Head of household"),
            _("community today"),
            _("phone"),
            _("national ID number"),
            _("adults"),
            _("children"),
            _("elderly people"),
            _("people with disabilities"),
            _("current tenure"),
            _("monthly income"),
            _("monthly housing cost"),
            _("can pay each month for a new home"),
            _("savings-group member"),
            _("preferred area"),
            _("survey date"),
            _("Status"),
        ],
        [
            (
                str(h.head),
                h.community.name,
                h.head.phone,
                h.head.masked_national_id,
                h.adults,
                h.children,
                h.elderly,
                h.disabled,
                h.get_tenure_display(),
                h.monthly_income,
                h.housing_cost,
                h.can_pay,
                str(h.member.group) if h.member else "",
                h.preferred_area,
                be_date(h.surveyed_on),
                h.status_label,
            )
            for h in households
        ],
        money_columns=(10, 11, 12),
    )
    log_export(request.user, _("Household survey (Excel)"), len(households))
    return xlsx_response(workbook, "households.xlsx")


# Importing the existing survey from a spreadsheet: leaders only, all rows or none.

IMPORT_SESSION_KEY = "housing_import"


def _import_page(request, form, *, errors=(), preview=(), token=None, status=200):
    return render(
        request,
        "housing/import.html",
        {
            "form": form,
            "errors": errors,
            "preview": preview,
            "token": token,
            "max_mb": importing.MAX_BYTES // 1024 // 1024,
        },
        status=status,
    )


@leader_required
@require_http_methods(["GET", "POST"])
def household_import(request):
    """Upload a filled-in template: errors per row and column, or a preview to confirm. Nothing
    is written here; the rows wait in the session for the leader's confirmation."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "GET" or not form.is_valid():
        return _import_page(request, form)
    try:
        rows = [[importing.cell_text(v) for v in row] for row in importing.read_rows(form.cleaned_data["file"])]
        valid, errors = importing.check_rows(rows)
    except importing.ImportError_ as error:
        form.add_error("file", error.message)
        return _import_page(request, form)
    if errors:
        return _import_page(request, ImportForm(), errors=errors)
    token = uuid.uuid4().hex
    request.session[IMPORT_SESSION_KEY] = {"token": token, "rows": rows}
    return _import_page(request, ImportForm(), preview=valid, token=token)


@leader_required
@require_http_methods(["POST"])
def household_import_confirm(request):
    waiting = request.session.get(IMPORT_SESSION_KEY)
    if not waiting or waiting["token"] != request.POST.get("token"):
        messages.error(
            request,
            _(
                "This import was already confirmed or has expired. "
                "Upload the file again if the households are not in the list."
            ),
        )
        return redirect("housing:list")
    try:
        households, errors = importing.import_rows(waiting["rows"], user=request.user)
    except importing.ImportError_ as error:  # the records changed since the preview
        errors, households = [importing.RowError(1, "", "", error.message)], []
    del request.session[IMPORT_SESSION_KEY]
    if errors:
        return _import_page(request, ImportForm(), errors=errors)
    messages.success(
        request,
        ngettext("%(count)s household imported.", "%(count)s households imported.", len(households))
        % {"count": len(households)},
    )
    return redirect("housing:list")


@leader_required
def import_template(request, kind):
    if kind == "csv":
        response = HttpResponse(importing.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="survey-template.csv"'
        return response
    return xlsx_response(importing.template_workbook(), "survey-template.xlsx")


# The proposal to CODI: leaders draft it, staff read and export it.


def _proposal_context(proposal):
    """What the proposal's page, PDF and Excel file show, from one reading of its figures."""
    figures = selectors.proposal_figures(proposal)
    return {
        "proposal": proposal,
        "figures": figures,
        "households": figures.households,
        "summary": figures.summary,
        "tables": figures.tables,
        "budget": figures.budget,
        "budget_total": figures.budget_total,
    }


@staff_required
def proposal_list(request):
    return render(
        request,
        "housing/proposal_list.html",
        {"proposals": selectors.proposals_with_totals(), "can_post": request.user.is_leader},
    )


@leader_required
@require_http_methods(["GET", "POST"])
def proposal_new(request):
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_create(user=request.user, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Proposal drafted with %(count)s household.",
                    "Proposal drafted with %(count)s households.",
                    len(data["households"]),
                )
                % {"count": len(data["households"])},
            )
            return redirect("housing:proposal", pk=proposal.pk)
    return render(request, "housing/proposal_form.html", {"form": form})


def _proposal_page(request, proposal, *, add_form=None, budget_form=None, status=200):
    context = _proposal_context(proposal)
    if request.user.is_leader:
        context["add_form"] = add_form or ProposalHouseholdsForm()
        context["budget_form"] = budget_form or BudgetLineForm()
        context["removable"] = selectors.removable_households(proposal)
    return render(request, "housing/proposal_detail.html", context, status=status)


@staff_required
def proposal_detail(request, pk):
    return _proposal_page(request, access.proposal_for_reading(request.user, pk))


@leader_required
@require_http_methods(["POST"])
def proposal_households(request, pk):
    proposal = access.proposal_for_editing(request.user, pk)
    form = ProposalHouseholdsForm(request.POST)
    if form.is_valid():
        try:
            added = services.proposal_add(
                proposal=proposal, households=form.cleaned_data["households"], user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext("%(count)s household added.", "%(count)s households added.", len(added))
                % {"count": len(added)},
            )
            return redirect("housing:proposal", pk=proposal.pk)
    return _proposal_page(request, proposal, add_form=form)


@leader_required
@require_http_methods(["GET", "POST"])
def proposal_household_remove(request, pk, household_pk):
    """Take a household out of the proposal, saying when and why: its step "in a proposal" stays in
    its history and a new step takes it back to "verified"."""
    proposal, household = access.proposal_household_for_editing(request.user, pk, household_pk)
    latest = selectors.latest_step(household)
    removable = latest is not None and latest.step == Step.PROPOSED and latest.proposal_id == proposal.pk
    form = TakeOutForm(request.POST or None, proposed_on=latest.date if latest else timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_remove(proposal=proposal, household=household, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(household)s was taken out of the proposal and is back to “verified”.")
                % {"household": household.head},
            )
            return redirect("housing:proposal", pk=proposal.pk)
    return render(
        request,
        "housing/proposal_household_remove.html",
        {
            "proposal": proposal,
            "household": household,
            "form": form,
            "removable": removable,
        },
    )


@leader_required
@require_http_methods(["POST"])
def proposal_budget(request, pk):
    proposal = access.proposal_for_editing(request.user, pk)
    form = BudgetLineForm(request.POST)
    if not form.is_valid():
        return _proposal_page(request, proposal, budget_form=form)
    services.budget_line_add(proposal=proposal, **form.cleaned_data)
    messages.success(request, _("Budget line added."))
    return redirect("housing:proposal", pk=proposal.pk)


@leader_required
@require_http_methods(["POST"])
def proposal_budget_remove(request, pk, line_pk):
    _proposal, line = access.budget_line_for_editing(request.user, pk, line_pk)
    services.budget_line_remove(line=line)
    messages.success(request, _("Budget line “%(item)s” removed.") % {"item": line.item})
    return redirect("housing:proposal", pk=pk)


@staff_required
def proposal_list_xlsx(request):
    proposals = selectors.proposals_with_totals()
    workbook = new_workbook()
    add_sheet(
        workbook,
        _("Proposals to CODI"),
        [_("project title"), _("date"), _("target site"), _("Households"), _("Budget (baht)")],
        [(p.title, be_date(p.date), p.target_site, p.count, p.budget or Decimal("0.00")) for p in proposals],
        money_columns=(5,),
    )
    return xlsx_response(workbook, "proposals.xlsx")


@staff_required
def proposal_pdf(request, pk):
    proposal = access.proposal_for_reading(request.user, pk)
    context = {**_proposal_context(proposal), "printed_on": be_date(timezone.localdate())}
    log_export(request.user, _("Proposal %(title)s (PDF)") % {"title": proposal.title}, len(context["households"]))
    return pdf_response("housing/proposal_pdf.html", context, f"proposal-{proposal.pk}.pdf")


@staff_required
def proposal_xlsx(request, pk):
    """The proposal as an Excel workbook with everything its PDF holds: the proposal itself (its
    text and the figures of its opening paragraph), each summary table, the budget and the annex,
    from the same figures."""
    proposal = access.proposal_for_reading(request.user, pk)
    context = _proposal_context(proposal)
    log_export(request.user, _("Proposal %(title)s (Excel)") % {"title": proposal.title}, len(context["households"]))
    return xlsx_response(proposal_workbook(context["figures"]), f"proposal-{proposal.pk}.xlsx")


def proposal_workbook(figures):
    """The workbook of a proposal's figures (`selectors.ProposalFigures`): a sheet for the proposal,
    one per summary table in the PDF's order, the budget, and the annex with IDs masked."""
    proposal, s = figures.proposal, figures.summary
    workbook = new_workbook()
    add_sheet(
        workbook,
        _("Proposal"),
        [_("field"), pgettext("a field's content", "value")],
        [
            (_("project title"), proposal.title),
            (_("date"), be_date(proposal.date)),
            (_("target site"), proposal.target_site),
            (_("background and reasons"), proposal.background),
            (_("Households"), s["total"]),
            (_("People"), s["people"]),
            (_("Households saving in a group"), s["members"]),
            (_("Savings-group membership rate (per cent)"), s["member_rate"]),
            (_("Budget (baht)"), figures.budget_total),
            (_("Budget in words"), baht_words(figures.budget_total)),
        ],
    )
    for table in figures.tables:
        add_sheet(workbook, table.title, [table.title, _("Households"), _("Per cent")], table.rows)
    add_sheet(
        workbook,
        _("Budget"),
        [_("item"), _("Amount (baht)")],
        [*((b.item, b.amount) for b in figures.budget), (_("Total"), figures.budget_total)],
        money_columns=(2,),
    )
    add_sheet(
        workbook,
        _("Annex: households"),
        [
            pgettext("a row's place in a list", "No."),
            _("Head of household"),
            _("community today"),
            _("national ID number"),
            _("People"),
            _("current tenure"),
            _("can pay each month for a new home"),
        ],
        [
            (
                number,
                str(h.head),
                h.community.name,
                h.head.masked_national_id or "—",
                h.size,
                h.get_tenure_display(),
                h.can_pay,
            )
            for number, h in enumerate(figures.households, start=1)
        ],
        money_columns=(7,),
    )
    return workbook

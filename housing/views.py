from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from groups.access import readable_groups
from songkhla_network.excel import add_sheet, new_workbook, xlsx_response
from songkhla_network.models import Role
from songkhla_network.pdf import pdf_response
from songkhla_network.roles import role_required
from songkhla_network.thai import be_date

from . import selectors, services
from .forms import ProposalForm, StepForm, SurveyForm
from .models import ExportRecord, Household, Proposal, StatusStep, Step

# Leaders survey; staff read everything. Treasurers see the households of their groups'
# communities, without income, ID numbers or phone numbers.
READERS = (Role.STAFF, Role.TREASURER)
leader_required = role_required()


def visible_households(user):
    households = Household.objects.select_related("head", "community")
    if user.reads_everything:
        return households
    return households.filter(community__in=readable_groups(user).values("community"))


def sees_personal_data(user):
    return user.reads_everything


def households_with_status(households):
    """The households, in list order, each with its latest step's `status`, `status_label` and
    `status_date` (one query)."""
    latest = StatusStep.objects.filter(household=OuterRef("pk")).order_by("-date", "-id")
    households = list(
        households.annotate(status=Subquery(latest.values("step")[:1]), status_date=Subquery(latest.values("date")[:1]))
        .order_by("community__name", "head__first_name")
    )
    labels = dict(Step.choices)
    for household in households:
        household.status_label = str(labels.get(household.status, ""))
    return households


@role_required(*READERS)
def household_list(request):
    households = households_with_status(visible_households(request.user))
    return render(
        request,
        "housing/household_list.html",
        {"households": households, "personal": sees_personal_data(request.user), "can_post": request.user.is_leader},
    )


@role_required(*READERS)
def household_detail(request, pk):
    household = get_object_or_404(
        visible_households(request.user).select_related("member__group", "surveyor"), pk=pk
    )
    return render(
        request,
        "housing/household_detail.html",
        {
            "household": household,
            "steps": list(household.steps.select_related("recorded_by").order_by("date", "id")),
            "personal": sees_personal_data(request.user),
            "step_form": StepForm() if request.user.is_leader else None,
        },
    )


@leader_required
@require_http_methods(["GET", "POST"])
def household_new(request):
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_survey(
                person=form.person(), household=form.household(), surveyed_on=form.cleaned_data["surveyed_on"], user=request.user
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
    household = get_object_or_404(Household, pk=pk)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.step_add(household=household, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Status recorded."))
            return redirect("housing:detail", pk=household.pk)
    return render(
        request,
        "housing/household_detail.html",
        {
            "household": household,
            "steps": list(household.steps.select_related("recorded_by").order_by("date", "id")),
            "personal": True,
            "step_form": form,
        },
    )


@role_required(Role.STAFF)
def household_xlsx(request):
    """Every surveyed household with its personal data, for leaders and staff; the export itself
    is recorded with who and when."""
    households = households_with_status(visible_households(request.user).select_related("member__group"))
    workbook = new_workbook()
    add_sheet(
        workbook,
        _("Households"),
        [
            _("Head of household"), _("community today"), _("phone"), _("national ID number"), _("adults"), _("children"),
            _("elderly people"), _("people with disabilities"), _("current tenure"), _("monthly income"),
            _("monthly housing cost"), _("can pay each month for a new home"), _("savings-group member"),
            _("preferred area"), _("survey date"), _("Status"),
        ],
        [
            (
                str(h.head), h.community.name, h.head.phone, h.head.masked_national_id, h.adults, h.children, h.elderly,
                h.disabled, h.get_tenure_display(), h.monthly_income, h.housing_cost, h.can_pay,
                str(h.member.group) if h.member else "", h.preferred_area, be_date(h.surveyed_on), h.status_label,
            )
            for h in households
        ],
        money_columns=(10, 11, 12),
    )  # fmt: skip
    ExportRecord.objects.create(user=request.user, what=_("Household survey (Excel)"), rows=len(households))
    return xlsx_response(workbook, "households.xlsx")


# The proposal to CODI: leaders draft it, staff read and export it.


def _proposal_context(proposal):
    households = list(
        proposal.households.select_related("head", "community", "member").order_by("community__name", "head__first_name")
    )
    budget = list(proposal.budget_lines.all())
    return {
        "proposal": proposal,
        "households": households,
        "summary": selectors.summary(households),
        "budget": budget,
        "budget_total": sum((line.amount for line in budget), Decimal("0.00")),
    }


@role_required(Role.STAFF)
def proposal_list(request):
    return render(
        request,
        "housing/proposal_list.html",
        {"proposals": list(Proposal.objects.annotate(count=Count("households"))), "can_post": request.user.is_leader},
    )


@leader_required
@require_http_methods(["GET", "POST"])
def proposal_new(request):
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        proposal = services.proposal_create(user=request.user, **form.cleaned_data)
        messages.success(request, _("Proposal drafted with every verified household."))
        return redirect("housing:proposal", pk=proposal.pk)
    return render(request, "housing/proposal_form.html", {"form": form})


@role_required(Role.STAFF)
def proposal_detail(request, pk):
    proposal = get_object_or_404(Proposal, pk=pk)
    return render(request, "housing/proposal_detail.html", _proposal_context(proposal))


@role_required(Role.STAFF)
def proposal_pdf(request, pk):
    proposal = get_object_or_404(Proposal, pk=pk)
    context = {**_proposal_context(proposal), "printed_on": be_date(timezone.localdate())}
    ExportRecord.objects.create(user=request.user, what=_("Proposal %(title)s (PDF)") % {"title": proposal.title}, rows=len(context["households"]))
    return pdf_response("housing/proposal_pdf.html", context, f"proposal-{proposal.pk}.pdf")


@role_required(Role.STAFF)
def proposal_xlsx(request, pk):
    proposal = get_object_or_404(Proposal, pk=pk)
    context = _proposal_context(proposal)
    s = context["summary"]
    workbook = new_workbook()
    for title, rows in [
        (_("By community"), s["by_community"]), (_("By household size"), s["by_size"]), (_("By tenure"), s["by_tenure"]),
        (_("By income"), s["by_income"]), (_("By ability to pay"), s["by_pay"]),
    ]:  # fmt: skip
        add_sheet(workbook, title, [title, _("Households"), _("Per cent")], rows)
    add_sheet(workbook, _("Budget"), [_("item"), _("Amount (baht)")], [(b.item, b.amount) for b in context["budget"]], money_columns=(2,))
    add_sheet(
        workbook,
        _("Annex: households"),
        [_("Head of household"), _("community today"), _("national ID number"), _("People"), _("current tenure"), _("can pay each month for a new home")],
        [(str(h.head), h.community.name, h.head.masked_national_id, h.size, h.get_tenure_display(), h.can_pay) for h in context["households"]],
        money_columns=(6,),
    )
    ExportRecord.objects.create(user=request.user, what=_("Proposal %(title)s (Excel)") % {"title": proposal.title}, rows=len(context["households"]))
    return xlsx_response(workbook, f"proposal-{proposal.pk}.xlsx")

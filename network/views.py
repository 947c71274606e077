"""The pages that read every program area: each role's home (the dashboard for leaders and
staff), the progress report to CODI, and the network's full copy of its records as Excel.

The full copy: leaders and staff may download it. Staff read every record already and their work
is exporting lists, and the network keeps its copy through them as much as through its leaders.
The copy holds people's personal data unmasked, so every download is written in the personal-data
access log with who and when, as the survey's exports are."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from songkhla_network.excel import xlsx_response
from songkhla_network.forms import MonthRangeForm
from songkhla_network.models import Role
from songkhla_network.pdf import pdf_response
from songkhla_network.roles import AuthenticatedRequest, staff_required
from songkhla_network.thai import be_date, be_month_slug, be_year

from .codi_report import CodiReport, codi_report, codi_report_workbook
from .dashboard import dashboard
from .full_export import full_copy


@login_required
def home(request: AuthenticatedRequest) -> HttpResponseBase:
    """Each role starts where its work is: leaders and staff on the network at a glance."""
    user = request.user
    if user.reads_everything:
        return render(request, "network/dashboard.jinja", {"dashboard": dashboard(timezone.localdate())})
    if user.role == Role.TREASURER:
        return redirect("groups:list")
    if user.role == Role.COLLECTOR:
        return redirect("rent:overview")
    return render(request, "network/home.html")


# The progress report to CODI: staff and leaders choose the months, preview, and export.


def _report(request: HttpRequest) -> tuple[MonthRangeForm, CodiReport]:
    form = MonthRangeForm(request.GET, default=3, max_months=24)
    first, last = form.period()
    return form, codi_report(first, last, issued=timezone.localdate())


@staff_required
def report(request: HttpRequest) -> HttpResponse:
    form, data = _report(request)
    return render(request, "network/codi_report.html", {"form": form, "report": data, "query": request.GET.urlencode()})


@staff_required
def report_pdf(request: HttpRequest) -> HttpResponse:
    form, data = _report(request)
    if form.is_bound and not form.is_valid():
        return render(request, "network/codi_report.html", {"form": form, "report": data, "query": ""})
    name = f"codi-report-{be_month_slug(data.first)}-{be_month_slug(data.last)}.pdf"
    return pdf_response("network/codi_report_pdf.html", {"report": data, "printed_on": be_date(data.issued)}, name)


@staff_required
def report_xlsx(request: HttpRequest) -> HttpResponse:
    form, data = _report(request)
    if form.is_bound and not form.is_valid():
        return render(request, "network/codi_report.html", {"form": form, "report": data, "query": ""})
    return xlsx_response(
        codi_report_workbook(data), f"codi-report-{be_month_slug(data.first)}-{be_month_slug(data.last)}.xlsx"
    )


@require_GET
@staff_required
def full_export(request: AuthenticatedRequest) -> HttpResponse:
    now = timezone.now()
    workbook, __ = full_copy(exported_by=request.user, now=now)
    day = timezone.localdate(now)
    return xlsx_response(workbook, f"songkhla-network-{be_year(day)}-{day:%m-%d}.xlsx")

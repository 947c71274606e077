"""The pages of personal data under the PDPA, for network leaders only: find a person, see and
export everything the app holds about them, erase their personal fields at their request, and
read the log of who viewed, exported or erased personal data."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from songkhla_network.excel import xlsx_response
from songkhla_network.models import Access, Person, PersonalDataAccess
from songkhla_network.roles import leader_required

from . import personal_data
from .forms import ErasureForm, PersonSearchForm

LOG_PAGE_SIZE = 50


@leader_required
@require_GET
def people(request):
    form = PersonSearchForm(request.GET or None)
    found = personal_data.find_people(form.cleaned_data["q"]) if form.is_valid() else []
    return render(
        request,
        "network/people.html",
        {
            "form": form,
            "people": found,
            "searched": form.is_valid() and bool(form.cleaned_data["q"].strip()),
            "limit": personal_data.SEARCH_LIMIT,
        },
    )


@leader_required
@require_GET
def person_detail(request, pk):
    person = get_object_or_404(Person.objects.select_related("community"), pk=pk)
    PersonalDataAccess.log(user=request.user, person=person, action=Access.VIEWED, what=_("Person page"))
    data = personal_data.person_data(person)
    return render(
        request,
        "network/person.html",
        {
            "data": data,
            "person": person,
            "blockers": [] if person.erased_at else personal_data.erasure_blockers(person),
        },
    )


@leader_required
@require_GET
def person_export(request, pk):
    """The copy of their data a person asked for, as an Excel workbook; the export is logged."""
    person = get_object_or_404(Person.objects.select_related("community"), pk=pk)
    PersonalDataAccess.log(
        user=request.user,
        person=person,
        action=Access.EXPORTED,
        what=_("Everything the network holds about the person (Excel)"),
    )
    return xlsx_response(
        personal_data.person_workbook(personal_data.person_data(person)), f"personal-data-{person.pk}.xlsx"
    )


@leader_required
@require_http_methods(["GET", "POST"])
def person_erase(request, pk):
    person = get_object_or_404(Person.objects.select_related("community"), pk=pk)
    if person.erased_at:
        messages.info(request, _("This person's data were already erased."))
        return redirect("people:detail", pk=person.pk)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            personal_data.person_erase(person=person, reason=form.cleaned_data["reason"], user=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The person's personal data were erased. Their money rows stay as they were."))
            return redirect("people:detail", pk=person.pk)
    return render(
        request,
        "network/person_erase.html",
        {"person": person, "form": form, "blockers": personal_data.erasure_blockers(person)},
        status=200,
    )


@leader_required
@require_GET
def access_log(request):
    entries = PersonalDataAccess.objects.select_related("user", "person").order_by("-at", "-id")
    person = None
    # An id, or nothing: str.isdigit() also takes "²", and int() refuses thousands of digits.
    if re.fullmatch(r"[0-9]{1,18}", request.GET.get("person", "")):
        person = get_object_or_404(Person, pk=request.GET["person"])
        entries = entries.filter(person=person)
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "network/access_log.html", {"page": page, "person": person})

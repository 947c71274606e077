"""Community works pages: the list of communities, a community's portfolio (the page a leader
opens on a phone in front of the judges), a work with its quantities and photos, contests. Who
sees and adds what is decided in `access`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from songkhla_network.forms import add_service_error
from songkhla_network.roles import group_reader_required, leader_required, treasurer_required

from . import access, selectors, services
from .forms import ContestForm, DocumentForm, EntryForm, PhotoForm, QuantityForm, ResultForm, WorkForm

# Readers: staff and treasurers (leaders pass every check). Works are added by treasurers in their
# own communities and by leaders anywhere (`access.can_edit`); contests are recorded by leaders.


@group_reader_required
def community_list(request):
    communities = list(access.visible_communities(request.user).order_by("name"))
    totals = selectors.community_totals(communities)
    # Communities without a work yet are listed for those who may add one.
    adds = access.can_add_works(request.user)
    rows = [(c, *totals[c.pk]) for c in communities if totals[c.pk][0] or adds]
    return render(
        request,
        "works/community_list.html",
        {"rows": rows, "can_add_contest": request.user.is_leader},
    )


@group_reader_required
def portfolio(request, pk):
    community = access.community_for_reading(request.user, pk)
    return render(
        request,
        "works/portfolio.html",
        {"portfolio": selectors.portfolio(community), "can_edit": access.can_edit(request.user, community)},
    )


@treasurer_required
@require_http_methods(["GET", "POST"])
def work_new(request, pk):
    community = access.community_for_editing(request.user, pk)
    form = WorkForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            work = services.work_create(community=community, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Work recorded. Add its quantities and photos below."))
            return redirect("works:work", pk=work.pk)
    return render(request, "works/work_form.html", {"form": form, "community": community})


def _work_page(request, work, *, quantity_form=None, photo_form=None, status=200):
    can_edit = access.can_edit(request.user, work.community)
    figures = selectors.work_figures(work)
    return render(
        request,
        "works/work_detail.html",
        {
            "work": work,
            "figures": figures,
            "can_edit": can_edit,
            "participants": selectors.work_participants(work),
            "quantity_form": (quantity_form or QuantityForm()) if can_edit else None,
            "photo_form": (photo_form or PhotoForm()) if can_edit else None,
        },
        status=status,
    )


@group_reader_required
def work_detail(request, pk):
    return _work_page(request, access.work_for_reading(request.user, pk))


@treasurer_required
@require_http_methods(["POST"])
def quantity_new(request, pk):
    work = access.work_for_editing(request.user, pk)
    form = QuantityForm(request.POST)
    if form.is_valid():
        try:
            services.quantity_add(work=work, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Quantity recorded."))
            return redirect("works:work", pk=work.pk)
    return _work_page(request, work, quantity_form=form)


@treasurer_required
@require_http_methods(["POST"])
def photo_new(request, pk):
    work = access.work_for_editing(request.user, pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.photo_add(
                work=work, upload=form.cleaned_data["photo"], caption=form.cleaned_data["caption"], user=request.user
            )
        except ValidationError as error:
            form.add_error("photo", error)
        else:
            messages.success(request, _("Photo added."))
            return redirect("works:work", pk=work.pk)
    return _work_page(request, work, photo_form=form)


@group_reader_required
def photo_file(request, pk, size):
    """A photo, to signed-in users who may see its community only; never cached by a shared cache."""
    photo = access.photo_for_reading(request.user, pk)
    return _private_file(photo.image if size == "large" else photo.thumbnail, "image/jpeg")


def _private_file(field, content_type):
    """An uploaded file, for the signed-in user who asked only: a shared cache keeps no copy, and
    the browser takes it for the type the app says, whatever its bytes."""
    try:
        response = FileResponse(field.open("rb"), content_type=content_type)
    except FileNotFoundError:
        raise Http404 from None
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Contests: leaders record them, enter works and record results; readers see those of their
# communities.


@group_reader_required
def contest_list(request):
    contests = selectors.contests_with_entry_counts(access.contests_visible(request.user))
    return render(request, "works/contest_list.html", {"contests": contests, "can_add": request.user.is_leader})


@leader_required
@require_http_methods(["GET", "POST"])
def contest_new(request):
    form = ContestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contest = services.contest_create(**form.cleaned_data)
        messages.success(request, _("Contest recorded. Enter the works below."))
        return redirect("works:contest", pk=contest.pk)
    return render(request, "works/contest_form.html", {"form": form})


def _contest_page(request, contest, *, entry_form=None, result_form=None, document_form=None, status=200):
    entries = selectors.contest_entries(contest, access.visible_communities(request.user))
    context = {"contest": contest, "entries": entries, "documents": selectors.contest_documents(contest)}
    if request.user.is_leader:
        works = access.works_for_contests(request.user)
        context.update(
            entry_form=entry_form or EntryForm(works=selectors.works_by_community(works)),
            result_form=result_form or ResultForm(works=selectors.works_by_community(works, entered_in=contest)),
            document_form=document_form or DocumentForm(),
        )
    return render(request, "works/contest_detail.html", context, status=status)


@group_reader_required
def contest_detail(request, pk):
    return _contest_page(request, access.contest_for_reading(request.user, pk))


@leader_required
@require_http_methods(["POST"])
def entry_new(request, pk):
    contest = access.contest_for_editing(request.user, pk)
    form = EntryForm(request.POST, works=access.works_for_contests(request.user))
    if form.is_valid():
        try:
            services.entry_add(contest=contest, work=form.cleaned_data["work"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Work entered in the contest."))
            return redirect("works:contest", pk=contest.pk)
    return _contest_page(request, contest, entry_form=form)


@leader_required
@require_http_methods(["POST"])
def result_new(request, pk):
    contest = access.contest_for_editing(request.user, pk)
    # Any work may be named: the service refuses one that was not entered, and says so.
    form = ResultForm(request.POST, works=access.works_for_contests(request.user))
    if form.is_valid():
        try:
            services.result_record(contest=contest, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Result recorded."))
            return redirect("works:contest", pk=contest.pk)
    return _contest_page(request, contest, result_form=form)


@leader_required
@require_http_methods(["POST"])
def document_new(request, pk):
    contest = access.contest_for_editing(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_add(
                contest=contest, upload=form.cleaned_data["file"], title=form.cleaned_data["title"], user=request.user
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("Document added."))
            return redirect("works:contest", pk=contest.pk)
    return _contest_page(request, contest, document_form=form)


@group_reader_required
def document_file(request, pk):
    document = access.document_for_reading(request.user, pk)
    response = _private_file(document.file, document.content_type)
    response["Content-Disposition"] = "inline"
    return response

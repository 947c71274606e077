from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Sum, Window
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from songkhla_network.models import Role
from songkhla_network.roles import role_required
from songkhla_network.thai import be_month, format_baht

from . import services
from .forms import AsOfForm, CashReversalForm, DonationForm, LevyForm
from .models import CashEntry, CashKind, Donation, LevyPosting

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
    donations = list(Donation.objects.select_related("cash_entry").annotate(
        is_reversed=Exists(CashEntry.objects.filter(reverses__donation=OuterRef("pk")))
    ))
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
    return render(
        request, "enterprise/donation_acknowledgement.html", {"donation": donation, "today": timezone.localdate()}
    )


@role_required(*READERS)
@require_http_methods(["GET", "POST"])
def levy(request):
    data = request.POST if request.method == "POST" else (request.GET if "first_0" in request.GET else None)
    form = LevyForm(data)
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
    postings = list(
        LevyPosting.objects.select_related("posted_by", "cash_entry").order_by("-posted_at", "-id")[:24]
    )
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

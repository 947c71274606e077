"""The year-end share-out's pages: the group's years, a year's draft (for the committee to check)
or its statement once posted (for the general meeting), as a page and as an A4 PDF, and the
form that posts it. A posted year is read from what was posted (YearEnd, YearEndShare), never
worked out again; a year not posted yet is groups.year_end.draft."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from songkhla_network.append_only import AlreadyPosted
from songkhla_network.forms import BEDateField, add_service_error
from songkhla_network.pdf import pdf_response
from songkhla_network.roles import group_reader_required, treasurer_required
from songkhla_network.thai import be_date, be_month, be_month_slug, format_baht, months_between, parse_be_month_slug

from . import access, selectors, year_end
from .forms import RequestKeyMixin
from .models import ShareOut, YearEnd


class YearEndPostForm(RequestKeyMixin):
    shares_paid_as = forms.ChoiceField(
        label=gettext_lazy("The members' shares are"),
        choices=ShareOut.choices,
        widget=forms.RadioSelect,
        initial=ShareOut.SAVINGS,
        error_messages={"required": gettext_lazy("Choose how the members' shares are paid.")},
    )
    posted_on = BEDateField(
        label=gettext_lazy("Shared out on"),
        allow_future=False,
        help_text=gettext_lazy("The day the share-out is made: after the year's last day."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("The committee has checked the figures above; they cannot be changed once posted."),
        error_messages={"required": gettext_lazy("Tick the box once the committee has checked the figures.")},
    )


def _share_lines(shares, months):
    """What each member's row of the year's shares shows, worked out once (see
    views._passbook_lines)."""
    return [
        {
            "pk": share.member.pk,
            "number": share.member.number,
            "name": str(share.member.person),
            "savings_months": share.savings_months,
            "average": year_end.average_balance(share, months),
            "interest_paid": share.interest_paid,
            "dividend": share.dividend,
            "interest_refund": share.interest_refund,
            "total": share.total,
        }
        for share in shares
    ]


def _totals(lines):
    names = ("savings_months", "interest_paid", "dividend", "interest_refund", "total")
    return {name: sum((line[name] for line in lines), selectors.ZERO) for name in names}


def _year(group, month, today):
    """The year ending with `month` as its pages show it: posted (its stored figures) or the group's
    next year to close (its draft). None for any other month."""
    posted = (
        YearEnd.objects.select_related("rules", "posted_by").filter(group=group, last_month=month).first()
        if month
        else None
    )
    if posted is not None:
        figures = posted
        shares = list(posted.shares.select_related("member__person").order_by("member__number"))
        to_reserve = year_end.parts_to_reserve(posted.rules, shares)
        can_be_posted = False
    else:
        next_year = year_end.next_year(group)
        if next_year is None or next_year.last_month != month:
            return None
        figures = year_end.draft(group, month)
        shares = figures.shares
        to_reserve = figures.to_reserve
        can_be_posted = next_year.closes_on < today
    months = months_between(figures.first_month, figures.last_month)
    lines = _share_lines(shares, months)
    return {
        "group": group,
        "posted": posted,
        "figures": figures,
        "result": year_end.year_result(figures),
        "allocation": year_end.allocation(figures),
        "to_reserve": to_reserve,
        "lines": lines,
        "totals": _totals(lines),
        "months": months,
        "month_slug": be_month_slug(figures.last_month),
        "fund": selectors.group_fund(group, figures.closes_on),
        "can_be_posted": can_be_posted,
        "today": today,
    }


def _not_a_year(request, group, month):
    next_year = year_end.next_year(group)
    if next_year is None:
        messages.info(request, _("The group has no rules yet: its year is set in its rules."))
    else:
        messages.info(
            request,
            _("“%(month)s” is not a year to show: years are closed in order, and the next ends with %(next)s.")
            % {"month": month, "next": be_month(next_year.last_month)},
        )
    return redirect("groups:year_ends", pk=group.pk)


def _year_page(request, group, context, *, form=None, status=200):
    can_post = access.can_post(request.user, group)
    if can_post and context["can_be_posted"] and form is None:
        form = YearEndPostForm(initial={"posted_on": context["today"]})
    return render(
        request,
        "groups/year_end.html",
        {**context, "can_post": can_post, "form": form if can_post and context["can_be_posted"] else None},
        status=status,
    )


@group_reader_required
def year_ends(request, pk):
    """The group's years: those closed, each with its statement, and the next one to close."""
    group = access.group_for_reading(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "groups/year_ends.html",
        {
            "group": group,
            "years": year_end.years(group, today),
            "can_post": access.can_post(request.user, group),
        },
    )


@group_reader_required
def year_end_page(request, pk, month):
    """A year's share-out: the draft to check while it is not posted, the posted figures after."""
    group = access.group_for_reading(request.user, pk)
    context = _year(group, parse_be_month_slug(month), timezone.localdate())
    if context is None:
        return _not_a_year(request, group, month)
    return _year_page(request, group, context)


@treasurer_required
@require_http_methods(["POST"])
def year_end_post(request, pk, month):
    group = access.group_for_posting(request.user, pk)
    context = _year(group, parse_be_month_slug(month), timezone.localdate())
    if context is None:
        return _not_a_year(request, group, month)
    back = redirect("groups:year_end", pk=group.pk, month=context["month_slug"])
    if context["posted"]:
        messages.info(request, _("This year was already closed; nothing was posted twice."))
        return back
    form = YearEndPostForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            posted = year_end.year_end_post(
                group=group,
                last_month=context["figures"].last_month,
                shares_paid_as=data["shares_paid_as"],
                posted_on=data["posted_on"],
                user=request.user,
                request_key=data["request_key"],
            )
        except AlreadyPosted:
            messages.info(request, _("This year was already closed; nothing was posted twice."))
            return back
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("The year ending with %(month)s is closed: %(profit)s baht of profit shared out on %(date)s.")
                % {
                    "month": be_month(posted.last_month),
                    "profit": format_baht(posted.profit),
                    "date": be_date(posted.posted_on),
                },
            )
            return back
    return _year_page(request, group, context, form=form)


@group_reader_required
def year_end_pdf(request, pk, month):
    """The year's draft for the committee to check, or once posted its statement for the general
    meeting, on A4."""
    group = access.group_for_reading(request.user, pk)
    context = _year(group, parse_be_month_slug(month), timezone.localdate())
    if context is None:
        return _not_a_year(request, group, month)
    kind = "statement" if context["posted"] else "draft"
    return pdf_response(
        "groups/year_end_pdf.html",
        {**context, "printed_on": be_date(context["today"])},
        f"year-end-{kind}-{group.pk}-{context['month_slug']}.pdf",
    )

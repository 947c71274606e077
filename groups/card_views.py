"""Members' cards: the treasurer issues and prints a group's cards, and a member reads their own
figures by scanning theirs (groups.cards holds the rules)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from songkhla_network.pdf import pdf_response
from songkhla_network.qr import qr_data_uri
from songkhla_network.roles import treasurer_required
from songkhla_network.thai import be_date
from songkhla_network.views import page_not_found

from . import access, cards
from .forms import RequestKeyMixin
from .models import Member


class CardsForm(RequestKeyMixin):
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Members to issue a card to"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": gettext_lazy("Choose at least one member.")},
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = group.members.filter(left_on__isnull=True).select_related("person")


@treasurer_required
@require_http_methods(["GET", "POST"])
def cards_page(request, pk):
    """The group's cards: who has one in use and since when; ticking members and sending the form
    issues them new cards and answers with the PDF to print (a card in use is replaced, and stops
    working). Members without a card are ticked to begin with."""
    group = access.group_for_posting(request.user, pk)
    in_use = cards.cards_in_use(group)
    current = list(group.members.filter(left_on__isnull=True).select_related("person").order_by("number"))
    form = CardsForm(
        request.POST or None, group=group, initial={"members": [m.pk for m in current if m.pk not in in_use]}
    )
    if request.method == "POST" and form.is_valid():
        chosen = sorted(form.cleaned_data["members"], key=lambda member: member.number)
        try:
            issued = cards.cards_issue(
                group=group, members=chosen, user=request.user, request_key=form.cleaned_data["request_key"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("groups:cards", pk=group.pk)
        return pdf_response(
            "groups/cards_pdf.html",
            {
                "group": group,
                "cards": [
                    {"member": member, "qr": qr_data_uri(request.build_absolute_uri(reverse("member_card", args=[t])))}
                    for member, t in issued
                ],
                "printed_on": be_date(timezone.localdate()),
            },
            f"cards-{group.pk}.pdf",
        )
    boxes = {int(str(box.data["value"])): box for box in form["members"]}
    rows = [(member, in_use.get(member.pk), boxes[member.pk]) for member in current]
    return render(request, "groups/cards.html", {"group": group, "form": form, "rows": rows})


@require_GET
def card(request, token):
    """A member's own figures, opened by the QR of their card, without a login: nothing of another
    member, no ID or phone number, no link into the app. Rate-limited by address, kept from search
    engines and from the address bar of any page it might link to, and logged."""
    now = timezone.now()
    address = cards.client_address(request)
    if cards.throttled(address, now):
        response = render(
            request,
            "songkhla_network/error.html",
            {
                "title": _("Too many requests"),
                "message": _("Too many requests came from this address. Wait a minute, then scan the card again."),
                "status": 429,
            },
            status=429,
        )
    else:
        found = cards.card_for(token, timezone.localdate())
        cards.card_request_log(address=address, card=found, now=now)
        if found is None:
            response = page_not_found(request)
        else:
            figures = cards.card_figures(found.member, timezone.localdate())
            response = render(request, "groups/card_page.html", {"figures": figures, "today": timezone.localdate()})
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response

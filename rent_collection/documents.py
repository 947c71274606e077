"""Papers of rent collection: the receipt a household keeps (a page to print and a PDF, A5 or
80 mm roll), the CODI letters that say who may collect where, and the request to CODI for a new
letter, drafted as a PDF for CODI to sign."""

from django import forms
from django.db.models import Prefetch, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from songkhla_network.forms import BEDateField
from songkhla_network.models import Community, Role, User
from songkhla_network.pdf import pdf_response
from songkhla_network.roles import role_required
from songkhla_network.thai import be_date

from . import selectors
from .access import READERS, receipt_for_reading
from .models import COLLECTING_ROLES, CodiLetter, LetterCollector

# Receipt papers a collector can print on: an A5 sheet, or an 80 mm roll of a pocket printer.
PAPER_A5 = "a5"
PAPER_ROLL = "80mm"
EXPIRING_WITHIN_DAYS = 30


def _receipt_state(receipt):
    """The void and the remittance of a receipt loaded by `selectors.receipts`, or None."""
    void = getattr(receipt, "void", None)
    line = getattr(receipt, "remittance_line", None)
    return void, line.remittance if line else None


@role_required(*READERS)
def receipt_detail(request, pk):
    receipt = receipt_for_reading(request.user, pk)
    void, remittance = _receipt_state(receipt)
    # Voiding is the writer's or a leader's; once remitted, the money has left for CODI.
    can_void = (
        void is None and remittance is None and (request.user.is_leader or receipt.collector_id == request.user.pk)
    )
    return render(
        request,
        "rent_collection/receipt.html",
        {"receipt": receipt, "void": void, "remittance": remittance, "can_void": can_void},
    )


@role_required(*READERS)
def receipt_pdf(request, pk):
    receipt = receipt_for_reading(request.user, pk)
    void, remittance = _receipt_state(receipt)
    paper = PAPER_ROLL if request.GET.get("size") == PAPER_ROLL else PAPER_A5
    context = {
        "receipt": receipt,
        "void": void,
        "remittance": remittance,
        "paper": paper,
        "printed_on": be_date(timezone.localdate()),
    }
    suffix = "-80mm" if paper == PAPER_ROLL else ""
    return pdf_response(
        "rent_collection/receipt_pdf.html", context, f"receipt-{receipt.collector_id}-{receipt.number}{suffix}.pdf"
    )


@role_required(*READERS)
def letter_list(request):
    today = timezone.localdate()
    letters = list(
        CodiLetter.objects.prefetch_related(
            Prefetch(
                "collectors",
                queryset=LetterCollector.objects.select_related("collector")
                .prefetch_related(Prefetch("communities", queryset=Community.objects.order_by("name")))
                .order_by("collector__first_name", "collector__last_name", "id"),
            )
        ).order_by("-valid_to", "-valid_from", "-id")
    )
    for letter in letters:
        letter.expired = letter.valid_to < today
        letter.not_yet = letter.valid_from > today
        letter.days_left = (letter.valid_to - today).days
        letter.expiring = not (letter.expired or letter.not_yet) and letter.days_left <= EXPIRING_WITHIN_DAYS
    return render(
        request,
        "rent_collection/letter_list.html",
        {
            "today": today,
            "by_community": selectors.authorisations_by_community(today),
            "expiring": selectors.letters_expiring(today, within_days=EXPIRING_WITHIN_DAYS),
            "expiring_within": EXPIRING_WITHIN_DAYS,
            "letters": letters,
            "is_leader": request.user.is_leader,
            "can_request": request.user.reads_everything,
        },
    )


COMMUNITIES_PREFIX = "communities_"


class LetterRequestForm(forms.Form):
    """Who the network proposes CODI names, each with the communities they would collect in, and
    the day whose arrears the request shows. Communities ticked under a person not proposed are
    an error, not silently dropped: the leader meant something by them.

    The choices are the lists given, already loaded: the form asks the database nothing more,
    however many collectors and communities it offers."""

    date = BEDateField(label=_("Arrears as of"), allow_future=False)
    collectors = forms.TypedMultipleChoiceField(
        label=_("Proposed collectors"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one person to propose as a collector.")},
    )

    def __init__(self, *args, candidates, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        self.communities = {c.pk: c for c in communities}
        self.fields["collectors"].choices = [(u.pk, str(u)) for u in candidates]
        for user in candidates:
            self.fields[f"{COMMUNITIES_PREFIX}{user.pk}"] = forms.TypedMultipleChoiceField(
                label=_("Communities of %(name)s") % {"name": user},
                choices=[(c.pk, c.name) for c in communities],
                coerce=int,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def rows(self):
        """Each candidate with whether they are ticked, and the field of their communities."""
        chosen = {str(v) for v in (self["collectors"].value() or [])}
        return [(user, str(user.pk) in chosen, self[f"{COMMUNITIES_PREFIX}{user.pk}"]) for user in self.candidates]

    def clean(self):
        cleaned = super().clean()
        chosen = set(cleaned.get("collectors") or [])
        for user in self.candidates:
            name = f"{COMMUNITIES_PREFIX}{user.pk}"
            if name in self.errors:
                continue
            communities = cleaned.get(name)
            if user.pk in chosen and not communities:
                self.add_error(name, _("Tick the communities where %(name)s would collect.") % {"name": user})
            elif communities and user.pk not in chosen and "collectors" not in self.errors:
                self.add_error(
                    name, _("Tick %(name)s as a proposed collector too, or clear these communities.") % {"name": user}
                )
        return cleaned

    def assignments(self):
        """[(user, [communities])] for `selectors.letter_request_draft`."""
        chosen = set(self.cleaned_data["collectors"])
        return [
            (user, [self.communities[pk] for pk in self.cleaned_data[f"{COMMUNITIES_PREFIX}{user.pk}"]])
            for user in self.candidates
            if user.pk in chosen
        ]


def _letter_request_initial(today):
    """Start from who the letters valid today name, where: a request is most often a renewal."""
    named = {}
    for assignment in selectors.assignments_on(today):
        named.setdefault(assignment.collector_id, set()).update(c.pk for c in assignment.communities.all())
    return {
        "date": today,
        "collectors": list(named),
        **{f"{COMMUNITIES_PREFIX}{pk}": sorted(communities) for pk, communities in named.items()},
    }


@role_required(Role.STAFF)
def letter_request(request):
    """A GET form: drafting the request writes nothing, so the filled-in address can be kept
    and opened again."""
    today = timezone.localdate()
    candidates = list(
        User.objects.filter(role__in=COLLECTING_ROLES, is_active=True).order_by("first_name", "last_name", "username")
    )
    # Railway communities: those with tenancies, or named in a letter before.
    communities = list(
        Community.objects.filter(Q(tenancies__isnull=False) | Q(letter_assignments__isnull=False))
        .distinct()
        .order_by("name")
    )
    submitted = "date" in request.GET
    form = LetterRequestForm(
        request.GET if submitted else None,
        initial=None if submitted else _letter_request_initial(today),
        candidates=candidates,
        communities=communities,
    )
    if submitted and form.is_valid():
        day = form.cleaned_data["date"]
        proposals = [
            (user, rows, sum((total for _community, _tenancies, total in rows), selectors.ZERO))
            for user, rows in selectors.letter_request_draft(assignments=form.assignments(), day=day)
        ]
        # Two people may be proposed for one community: its households are counted once.
        by_community = {
            community.pk: (tenancies, total) for _u, rows, _t in proposals for community, tenancies, total in rows
        }
        context = {
            "day": day,
            "today": today,
            "proposals": proposals,
            "community_count": len(by_community),
            "tenancy_count": sum(len(tenancies) for tenancies, _total in by_community.values()),
            "total": sum((total for _tenancies, total in by_community.values()), selectors.ZERO),
            "printed_on": be_date(today),
        }
        return pdf_response("rent_collection/letter_request_pdf.html", context, f"letter-request-{day.isoformat()}.pdf")
    return render(
        request,
        "rent_collection/letter_request.html",
        {"form": form, "rows": form.rows(), "has_communities": bool(communities)},
    )

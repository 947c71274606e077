"""Papers of rent collection: the receipt a household keeps (a page to print and a PDF, A5 or
80 mm roll), the remittance slip to CODI with the QR that pays it, the CODI letters that say who
may collect where, and the request to CODI for a new letter, drafted as a PDF for CODI to sign."""

from django.shortcuts import render
from django.utils import timezone

from songkhla_network.pdf import pdf_response
from songkhla_network.roles import rent_reader_required, staff_required
from songkhla_network.thai import be_date

from . import access, selectors
from .forms import COMMUNITIES_PREFIX, LetterRequestForm

# Receipt papers a collector can print on: an A5 sheet, or an 80 mm roll of a pocket printer.
PAPER_A5 = "a5"
PAPER_ROLL = "80mm"
EXPIRING_WITHIN_DAYS = 30


def _receipt_state(receipt):
    """The void and the remittance of a receipt loaded by `selectors.receipts`, or None."""
    void = getattr(receipt, "void", None)
    line = getattr(receipt, "remittance_line", None)
    return void, line.remittance if line else None


@rent_reader_required
def receipt_detail(request, pk):
    receipt = access.receipt_for_reading(request.user, pk)
    void, remittance = _receipt_state(receipt)
    # Once remitted, the money has left for CODI.
    can_void = void is None and remittance is None and access.can_void(request.user, receipt)
    return render(
        request,
        "rent_collection/receipt.html",
        {"receipt": receipt, "void": void, "remittance": remittance, "can_void": can_void},
    )


@rent_reader_required
def receipt_pdf(request, pk):
    receipt = access.receipt_for_reading(request.user, pk)
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


@rent_reader_required
def remittance_pdf(request, pk):
    """The remittance slip to CODI on paper: the receipts it pays in, and the QR that pays CODI's
    account the amount from any banking app."""
    remittance = access.remittance_for_reading(request.user, pk)
    context = {
        "remittance": remittance,
        "receipts": selectors.remittance_receipts(remittance),
        "qr": selectors.payment_qr(selectors.codi_account(), remittance.amount),
        "printed_on": be_date(timezone.localdate()),
    }
    return pdf_response(
        "rent_collection/remittance_pdf.html", context, f"remittance-{remittance.collector_id}-{remittance.pk}.pdf"
    )


@rent_reader_required
def letter_list(request):
    today = timezone.localdate()
    return render(
        request,
        "rent_collection/letter_list.html",
        {
            "today": today,
            "by_community": selectors.authorisations_by_community(today),
            "expiring": selectors.letters_expiring(today, within_days=EXPIRING_WITHIN_DAYS),
            "expiring_within": EXPIRING_WITHIN_DAYS,
            "letters": selectors.letters_as_of(
                today, access.readable_letters(request.user), expiring_within=EXPIRING_WITHIN_DAYS
            ),
            "is_leader": request.user.is_leader,
            "can_request": request.user.reads_everything,
        },
    )


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


@staff_required
def letter_request(request):
    """A GET form: drafting the request writes nothing, so the filled-in address can be kept
    and opened again."""
    today = timezone.localdate()
    communities = selectors.railway_communities()
    submitted = "date" in request.GET
    form = LetterRequestForm(
        request.GET if submitted else None,
        initial=None if submitted else _letter_request_initial(today),
        candidates=selectors.collecting_candidates(),
        communities=communities,
    )
    if submitted and form.is_valid():
        day = form.cleaned_data["date"]
        proposals = [
            (user, rows, sum((total for _community, _balances, total in rows), selectors.ZERO))
            for user, rows in selectors.letter_request_draft(assignments=form.assignments(), day=day)
        ]
        # Two people may be proposed for one community: its households are counted once.
        by_community = {
            community.pk: (balances, total) for _u, rows, _t in proposals for community, balances, total in rows
        }
        context = {
            "day": day,
            "today": today,
            "proposals": proposals,
            "community_count": len(by_community),
            "tenancy_count": sum(len(balances) for balances, _total in by_community.values()),
            "total": sum((total for _balances, total in by_community.values()), selectors.ZERO),
            "printed_on": be_date(today),
        }
        return pdf_response("rent_collection/letter_request_pdf.html", context, f"letter-request-{day.isoformat()}.pdf")
    return render(
        request,
        "rent_collection/letter_request.html",
        {"form": form, "rows": form.rows(), "has_communities": bool(communities)},
    )

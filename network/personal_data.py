"""Personal data under Thailand's PDPA (พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562), across every
program area: finding a person, everything the app holds about them (for their page and for the
copy they may ask for), and erasing their personal fields at their request while every money row
stays as it was.

This module sits on top of the program areas and reads all of them, like the CODI report."""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprise.models import MemberPayment, Order
from groups import selectors as group_selectors
from groups.models import FundEntry, FundEntryKind, LedgerEntry, Loan, LoanGuarantor, Member, Officer, YearEndShare
from housing.models import Household, StatusStep, Step
from rent_collection import selectors as rent_selectors
from rent_collection.models import Receipt, Tenancy
from songkhla_network.excel import add_sheet, new_workbook
from songkhla_network.models import Access, Person, PersonalDataAccess, PersonalDataConsent, User
from songkhla_network.thai import arabic_digits, be_date, be_datetime, be_month, format_baht

ZERO = Decimal("0.00")
SEARCH_LIMIT = 50


def find_people(query):
    """People whose name holds every word of `query`, or whose national ID or phone holds its
    digits (Thai digits and dashes allowed); at most SEARCH_LIMIT, in name order."""
    text = arabic_digits(query or "").strip()
    if not text:
        return []
    digits = re.sub(r"[\s-]", "", text)
    if digits.isdigit():
        match = Q(national_id__contains=digits) | Q(phone__contains=digits)
    else:
        match = Q()
        for word in text.split():
            match &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    return list(
        Person.objects.filter(match)
        .select_related("community")
        .order_by("first_name", "last_name", "id")[:SEARCH_LIMIT]
    )


@dataclass
class PersonData:
    """Everything the app holds about one person, each list in the order a person reads it."""

    person: Person
    login: User | None
    consents: list
    memberships: list  # Member, each with `balance` and `rows` (their ledger rows)
    offices: list
    household: Household | None
    steps: list
    tenancies: list  # Tenancy, each with `receipt_rows`
    orders: list
    payments: list
    works: list
    accesses: list
    entries: list = field(default_factory=list)
    loans: list = field(default_factory=list)  # Loan: borrowed, each with `state`
    guarantees: list = field(default_factory=list)  # LoanGuarantor: loans they guarantee
    welfare: list = field(default_factory=list)  # FundEntry: welfare paid to them (and its reversals)
    shares: list = field(default_factory=list)  # YearEndShare: their shares of their groups' profit

    @property
    def receipts(self):
        return [receipt for tenancy in self.tenancies for receipt in tenancy.receipt_rows]


def _commitments(member):
    """A member's dated commitments, oldest first: "100.00 from December 2564, 200.00 from ..."."""
    return ", ".join(
        _("%(amount)s from %(month)s") % {"amount": format_baht(c.amount), "month": be_month(c.from_month)}
        for c in sorted(member.commitments.all(), key=lambda c: c.from_month)
    )


def person_data(person):
    """Everything about `person` across the program areas, in a fixed number of queries."""
    memberships = list(
        Member.objects.filter(person=person)
        .select_related("group__community")
        .prefetch_related("commitments")
        .annotate(balance=Sum("entries__amount"))
        .order_by("joined_on", "id")
    )
    entries = list(
        LedgerEntry.objects.filter(member__person=person)
        .select_related("group", "member")
        .order_by("member", "date", "id")
    )
    for member in memberships:
        member.balance = member.balance or ZERO
        member.rows = [e for e in entries if e.member_id == member.pk]
    household = Household.objects.filter(head=person).select_related("community", "member__group", "surveyor").first()
    tenancies = list(Tenancy.objects.filter(tenant=person).select_related("community").order_by("start_date", "id"))
    rent_selectors.load_rents(tenancies, among=Tenancy.objects.filter(tenant=person))
    receipts = list(
        Receipt.objects.filter(tenancy__tenant=person)
        .select_related("collector", "void")
        .order_by("date", "collector", "number")
    )
    for tenancy in tenancies:
        tenancy.receipt_rows = [r for r in receipts if r.tenancy_id == tenancy.pk]
    return PersonData(
        person=person,
        login=User.objects.filter(person=person).first(),
        consents=list(
            PersonalDataConsent.objects.filter(person=person)
            .select_related("recorded_by")
            .order_by("purpose", "given_on", "id")
        ),
        memberships=memberships,
        entries=entries,
        offices=list(Officer.objects.filter(person=person).select_related("group").order_by("since", "id")),
        household=household,
        steps=list(StatusStep.objects.filter(household__head=person).order_by("date", "id")),
        tenancies=tenancies,
        orders=list(
            Order.objects.filter(member__person=person)
            .select_related("item__product", "item__round", "member__group", "allocation")
            .order_by("item__round__opened_on", "item__product__name")
        ),
        payments=list(
            MemberPayment.objects.filter(member__person=person)
            .select_related("round", "member__group")
            .order_by("date", "id")
        ),
        works=list(person.works.select_related("community").order_by("started_on", "id")),
        accesses=list(PersonalDataAccess.objects.filter(person=person).select_related("user").order_by("-at", "-id")),
        loans=_loans(Loan.objects.filter(member__person=person)),
        guarantees=list(
            LoanGuarantor.objects.filter(member__person=person)
            .select_related("loan__group", "loan__member__person")
            .order_by("loan__applied_on", "loan__id")
        ),
        welfare=list(
            FundEntry.objects.filter(member__person=person, kind=FundEntryKind.WELFARE)
            .select_related("group")
            .order_by("date", "id")
        ),
        shares=list(
            YearEndShare.objects.filter(member__person=person)
            .select_related("year_end__group")
            .order_by("year_end__last_month", "id")
        ),
    )


def _loans(loans):
    """The loans, oldest first, each with its group and `state` (groups.selectors.loan_state)."""
    rows = list(
        loans.select_related("group")
        .prefetch_related("approvals__officer", "entries", "reschedules")
        .order_by("applied_on", "id")
    )
    for loan in rows:
        loan.state = group_selectors.loan_state(loan)
    return rows


def _yes(value):
    return _("yes") if value else _("no")


def person_workbook(data):
    """The copy of their data a person may ask for (PDPA section 30): one sheet per kind of
    record, Thai headers, B.E. dates, baht with satang. The national ID is written in full: the
    file is for the person it belongs to."""
    person, household = data.person, data.household
    workbook = new_workbook()
    add_sheet(
        workbook,
        _("Person"),
        [_("field"), _("value")],
        [
            (_("title"), person.title),
            (_("first name"), person.first_name),
            (_("last name"), person.last_name),
            (_("phone"), person.phone),
            (_("national ID number"), person.national_id),
            (_("community"), str(person.community or "")),
            (_("address"), person.address),
            (_("login"), data.login.username if data.login else ""),
            (_("personal data erased at"), be_datetime(person.erased_at)),
        ],
    )
    add_sheet(
        workbook,
        _("Consent"),
        [_("purpose"), _("consent given"), _("date"), _("how"), _("witness"), _("recorded by"), _("recorded at")],
        [
            (
                c.get_purpose_display(),
                _yes(c.given),
                be_date(c.given_on),
                c.get_how_display(),
                c.witness,
                str(c.recorded_by),
                be_datetime(c.recorded_at),
            )
            for c in data.consents
        ],
    )
    add_sheet(
        workbook,
        _("Savings groups"),
        [_("group"), _("member number"), _("joined on"), _("left on"), _("monthly commitment"), _("Balance")],
        [
            (m.group.name, m.number, be_date(m.joined_on), be_date(m.left_on), _commitments(m), m.balance)
            for m in data.memberships
        ]
        + [(o.group.name, o.get_position_display(), be_date(o.since), be_date(o.until), "", "") for o in data.offices],
        money_columns=(6,),
    )
    add_sheet(
        workbook,
        _("Loans"),
        [_("group"), _("Kind of loan"), _("Applied on"), _("Amount (baht)"), _("Repaid over (months)"), _("borrower")],
        [
            (loan.group.name, loan.get_purpose_display(), be_date(loan.applied_on), loan.amount, loan.months, "")
            for loan in data.loans
        ]
        + [
            (
                g.loan.group.name,
                g.loan.get_purpose_display(),
                be_date(g.loan.applied_on),
                g.loan.amount,
                g.loan.months,
                str(g.loan.member.person),
            )
            for g in data.guarantees
        ],
        money_columns=(4,),
    )
    add_sheet(
        workbook,
        _("Welfare and shares of profit"),
        [_("group"), _("date"), _("kind"), _("amount")],
        [(w.group.name, be_date(w.date), w.get_welfare_purpose_display(), w.amount) for w in data.welfare]
        + [
            (
                s.year_end.group.name,
                be_date(s.year_end.posted_on),
                _("Dividend and interest refund of the year to %(month)s") % {"month": be_month(s.year_end.last_month)},
                s.total,
            )
            for s in data.shares
        ],
        money_columns=(4,),
    )
    add_sheet(
        workbook,
        _("Passbook"),
        [_("group"), _("member number"), _("date"), _("for month"), _("kind"), _("amount"), _("reason")],
        [
            (
                e.group.name,
                e.member.number,
                be_date(e.date),
                be_month(e.month),
                e.get_kind_display(),
                e.amount,
                e.reason,
            )
            for e in data.entries
        ],
        money_columns=(6,),
    )
    survey = []
    if household:
        survey = [
            (_("community today"), household.community.name),
            (_("address today"), household.address),
            (_("adults"), household.adults),
            (_("children"), household.children),
            (_("elderly people"), household.elderly),
            (_("people with disabilities"), household.disabled),
            (_("current tenure"), household.get_tenure_display()),
            (_("monthly income"), household.monthly_income),
            (_("monthly housing cost"), household.housing_cost),
            (_("can pay each month for a new home"), household.can_pay),
            (_("savings-group member"), str(household.member.group) if household.member else ""),
            (_("reason for moving"), household.reason),
            (_("preferred area"), household.preferred_area),
            (_("survey date"), be_date(household.surveyed_on)),
            (_("surveyor"), str(household.surveyor)),
        ]
        survey += [
            (_("Status"), f"{be_date(s.date)}: {s.get_step_display()}" + (f" — {s.reason}" if s.reason else ""))
            for s in data.steps
        ]
    add_sheet(workbook, _("Housing survey"), [_("field"), _("value")], survey)
    add_sheet(
        workbook,
        _("Tenancies"),
        [
            _("contract number"),
            _("community"),
            _("plot or house number"),
            _("monthly rent"),
            _("contract start date"),
            _("opening arrears"),
            _("arrears as of"),
            _("source of the opening arrears"),
            _("note"),
        ],
        [
            (
                t.contract_number,
                t.community.name,
                t.plot,
                t.rent_in(timezone.localdate()),
                be_date(t.start_date),
                t.opening_balance,
                be_date(t.opening_on),
                t.opening_source,
                t.note,
            )
            for t in data.tenancies
        ],
        money_columns=(4, 6),
    )
    add_sheet(
        workbook,
        _("Receipts"),
        [
            _("receipt number"),
            _("collector"),
            _("date"),
            _("amount"),
            _("of which advance rent"),
            _("For"),
            _("Voided"),
        ],
        [
            (
                r.number,
                str(r.collector),
                be_date(r.date),
                r.amount,
                r.advance,
                r.covers_label,
                r.void.reason if hasattr(r, "void") else "",
            )
            for r in data.receipts
        ],
        money_columns=(4, 5),
    )
    add_sheet(
        workbook,
        _("Buying together"),
        [_("buying round"), _("group"), _("product"), _("quantity"), _("quantity received")],
        [
            (
                o.item.round.title,
                o.member.group.name,
                o.item.product.name,
                o.quantity,
                o.allocation.quantity if hasattr(o, "allocation") else "",
            )
            for o in data.orders
        ],
    )
    add_sheet(
        workbook,
        _("Payments for goods"),
        [_("buying round"), _("group"), _("date"), _("amount")],
        [(p.round.title, p.member.group.name, be_date(p.date), p.amount) for p in data.payments],
        money_columns=(4,),
    )
    add_sheet(
        workbook,
        _("Community works"),
        [_("name of the work"), _("community"), _("kind of work"), _("started on")],
        [(w.title, w.community.name, w.get_kind_display(), be_date(w.started_on)) for w in data.works],
    )
    add_sheet(
        workbook,
        _("Who saw these data"),
        [_("when"), _("user"), _("action"), _("what")],
        [(be_datetime(a.at), a.reader, a.get_action_display(), a.what) for a in data.accesses],
    )
    return workbook


# Erasure.

# The household steps an erasure may follow: before the household is in a proposal to CODI.
ERASABLE_STEPS = (Step.SURVEYED, Step.VERIFIED, Step.WITHDRAWN)


def erasure_blockers(person, *, today=None):
    """Why the person's data cannot be erased today, as sentences for the leader (empty when they
    can). The network keeps what it still needs to serve the person or to account for money
    (PDPA section 33 allows it): the name of a saver who has not left their group or still has
    savings in it, of a group officer, of a tenant whose tenancy still runs or ended with rent
    still owed, of a household in a proposal to CODI, and of anyone with a login."""
    today = today or timezone.localdate()
    blockers = []
    login = User.objects.filter(person=person).first()
    if login:
        blockers.append(
            _("They have a login (%(username)s): unlink it from the person in the admin first.")
            % {"username": login.username}
        )
    for member in Member.objects.filter(person=person).select_related("group").annotate(balance=Sum("entries__amount")):
        if member.left_on is None or member.left_on > today:
            blockers.append(
                _("They are still a member of %(group)s: record the day they left the group first.")
                % {"group": member.group}
            )
        if member.balance:
            blockers.append(
                _("They still have %(amount)s baht in %(group)s: pay it out (a withdrawal) first.")
                % {"amount": f"{member.balance:,.2f}", "group": member.group}
            )
    # A loan paid out and still owed (not repaid, not written off) is owed by its borrower and
    # guarantors.
    for loan in _loans(Loan.objects.filter(Q(member__person=person) | Q(guarantees__member__person=person)).distinct()):
        position = group_selectors.loan_position(loan, today)
        if position is not None and position.outstanding > 0:
            blockers.append(
                _("A loan of %(amount)s baht in %(group)s that they borrowed or guarantee is not repaid yet.")
                % {"amount": format_baht(loan.amount), "group": loan.group}
            )
    for office in (
        Officer.objects.filter(person=person)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("group")
    ):
        blockers.append(
            _("They are %(position)s of %(group)s: record the end of the term first.")
            % {"position": office.get_position_display(), "group": office.group}
        )
    # A tenancy still running, or one that ended with rent still owed.
    for balance in rent_selectors.tenancy_balances(today, tenancies=Tenancy.objects.filter(tenant=person)):
        tenancy = balance.tenancy
        if not balance.ended:
            blockers.append(
                _(
                    "They are the tenant of lease %(contract)s: "
                    "rent is collected under their name for CODI while the lease lasts."
                )
                % {"contract": tenancy.contract_number}
            )
        elif balance.arrears:
            blockers.append(
                _("Their lease %(contract)s ended, but they still owe %(amount)s baht of rent: it is collected first.")
                % {"contract": tenancy.contract_number, "amount": format_baht(balance.arrears)}
            )

    latest = StatusStep.objects.filter(household__head=person).order_by("-date", "-id").first()
    if latest and latest.step not in ERASABLE_STEPS:
        blockers.append(
            _(
                "Their household is at “%(step)s” in the proposal to CODI: "
                "take it out of the proposal first, or keep the data while CODI holds it."
            )
            % {"step": latest.get_step_display()}
        )
    return blockers


def _scrub_history(model, pks, **values):
    """The same fields blanked in the model's change history, or the old values would stay there."""
    history = getattr(model, "history", None)
    if history is not None and pks:
        history.model.objects.filter(id__in=pks).update(**values)


@transaction.atomic
def person_erase(*, person, reason, user, today=None):
    """Erase a person's personal fields at their request, in one transaction: their name becomes
    a fixed marker, their national ID, phone and address are emptied, and so are their household
    survey's address, income and costs, disabilities, free-text reasons and preferred area — in
    the records and in their change history. A household still waiting (surveyed or verified)
    is withdrawn. Every money row (savings ledger, rent receipts, payments) stays exactly as it
    was; the rows still count in every balance and total, under the marker. Refused, with the
    reasons, when `erasure_blockers` names any. The erasure is logged with who, when and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the data are erased, e.g. the person's written request and its date.")}
        )
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.erased_at:
        raise ValidationError(_("This person's data were already erased."))
    blockers = erasure_blockers(person, today=today)
    if blockers:
        raise ValidationError(blockers)
    today = today or timezone.localdate()
    marker = str(Person.ERASED_NAME)
    person_fields = {"title": "", "first_name": marker, "last_name": "", "phone": "", "national_id": "", "address": ""}
    for name, value in person_fields.items():
        setattr(person, name, value)
    person.erased_at = timezone.now()
    person._change_reason = _("Personal data erased at the person's request")
    person.save()
    _scrub_history(Person, [person.pk], **person_fields)

    household = Household.objects.select_for_update().filter(head=person).first()
    if household:
        household_fields = {
            "address": "",
            "reason": "",
            "preferred_area": "",
            "disabled": 0,
            "monthly_income": ZERO,
            "housing_cost": ZERO,
            "can_pay": ZERO,
        }
        for name, value in household_fields.items():
            setattr(household, name, value)
        household.save()
        _scrub_history(Household, [household.pk], **household_fields)
        steps = household.steps.exclude(reason="")
        step_ids = list(steps.values_list("pk", flat=True))
        steps.erase_reasons(marker)
        _scrub_history(StatusStep, step_ids, reason=marker)
        latest = household.steps.order_by("-date", "-id").first()
        if latest is None or latest.step != Step.WITHDRAWN:
            StatusStep.objects.create(
                household=household,
                step=Step.WITHDRAWN,
                date=max(today, latest.date if latest else today),
                reason=_("Personal data erased at the person's request"),
                recorded_by=user,
            )
    PersonalDataAccess.log(
        user=user, person=person, action=Access.ERASED, what=_("Personal data erased"), reason=reason
    )
    return person

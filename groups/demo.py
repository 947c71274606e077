"""Demo savings groups that reproduce the network's report of 9 March 2565: 16 groups founded
December 2564 – February 2565 in 16 communities, 1 revived, 6 still forming, and deposits of a
little over 56,000 baht at the end of February 2565. Deposits go on, month by month, up to the
month before the day the demo is created, so the current month's sheet is left for a treasurer
to post. Every name is made up."""

import datetime
import random
from decimal import Decimal

from songkhla_network.demo_names import FIRST_NAMES, LAST_NAMES
from songkhla_network.models import Community, Person
from songkhla_network.thai import add_months, month_end, month_range, month_start

from . import selectors, services, welfare, year_end
from .models import (
    CollectionSheet,
    Commitment,
    EntryKind,
    GroupStatus,
    GroupStatusChange,
    LedgerEntry,
    Loan,
    LoanMethod,
    LoanPurpose,
    Member,
    Officer,
    SavingsGroup,
    ShareOut,
    WelfarePurpose,
)

# (community, group founded on) — the 16 groups founded December 2564 – February 2565.
FOUNDED = [
    ("แหลมสนอ่อน", datetime.date(2021, 12, 5)),
    ("เก้าเส้ง", datetime.date(2021, 12, 8)),
    ("สวนหม่อน", datetime.date(2021, 12, 12)),
    ("กุโบร์", datetime.date(2021, 12, 15)),
    ("หัวป้อม", datetime.date(2021, 12, 19)),
    ("บ้านบน", datetime.date(2021, 12, 26)),
    ("ท่าสะอ้าน", datetime.date(2022, 1, 5)),
    ("ศาลาเหลือง", datetime.date(2022, 1, 9)),
    ("ริมทางรถไฟ", datetime.date(2022, 1, 12)),
    ("ชลาทัศน์", datetime.date(2022, 1, 16)),
    ("บ่อนวัว", datetime.date(2022, 1, 23)),
    ("หลังสถานีรถไฟ", datetime.date(2022, 1, 30)),
    ("ทะเลหลวง", datetime.date(2022, 2, 3)),
    ("โรงสี", datetime.date(2022, 2, 6)),
    ("พาณิชย์สำราญ", datetime.date(2022, 2, 13)),
    ("บาลาเซาะห์", datetime.date(2022, 2, 20)),
]
REVIVED = ("ถนนไทรบุรี", datetime.date(2018, 6, 10), datetime.date(2020, 3, 15), datetime.date(2022, 2, 27))
FORMING = [
    ("ภูผาเบิก", datetime.date(2022, 1, 20)),
    ("ท่านางหอม", datetime.date(2022, 1, 27)),
    ("สะพานติณสูลานนท์", datetime.date(2022, 2, 2)),
    ("มัสยิดบ้านบน", datetime.date(2022, 2, 10)),
    ("ตลาดทรัพย์สิน", datetime.date(2022, 2, 17)),
    ("วชิรา", datetime.date(2022, 2, 24)),
]
COMMITMENTS = [
    Decimal("100"),
    Decimal("100"),
    Decimal("150"),
    Decimal("200"),
    Decimal("200"),
    Decimal("300"),
    Decimal("50"),
]


def group_name(community):
    return f"กลุ่มสัจจะออมทรัพย์ชุมชน{community}"


def _person(rng, community, used):
    while True:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) not in used:
            used.add((first, last))
            break
    title = rng.choice(["นาง", "นาง", "นางสาว", "นาย"])
    return Person(
        title=title, first_name=first, last_name=last, community=community, phone=f"08{rng.randrange(10**7, 10**8)}"
    )


def _ensure_group(community_name, *, changes, rng, members_range):
    community, _ = Community.objects.get_or_create(name=community_name)
    group, created = SavingsGroup.objects.get_or_create(
        name=group_name(community_name),
        defaults={"community": community, "meeting_day": rng.randrange(1, 28), "default_commitment": Decimal("100")},
    )
    for status, day, note in changes:
        GroupStatusChange.objects.get_or_create(group=group, date=day, defaults={"status": status, "note": note})
    if created and members_range:
        used = set()
        people = Person.objects.bulk_create(_person(rng, community, used) for _ in range(rng.randrange(*members_range)))
        joined = changes[-1][1]
        members = Member.objects.bulk_create(
            Member(group=group, person=p, number=i, joined_on=joined) for i, p in enumerate(people, start=1)
        )
        # Drawn in the same order as ever, so the demo's figures stay what the README says.
        Commitment.objects.bulk_create(
            Commitment(member=m, from_month=month_start(joined), amount=rng.choice(COMMITMENTS)) for m in members
        )
        for position, person in zip(
            [Officer.Position.CHAIR, Officer.Position.TREASURER, Officer.Position.SECRETARY], people, strict=False
        ):
            Officer.objects.create(group=group, person=person, position=position, since=joined)
    return group


def _paid(group, member, commitment, month, first_month):
    """What a member paid for a month: usually the commitment; sometimes less, more or nothing.
    Drawn from the member and the month alone, so the figures of a month never depend on the day
    the demo was created."""
    roll = random.Random(f"{group.name}:{member.number}:{month}").random()
    if month == first_month and roll < 0.25:
        return commitment * 2  # a joining gift to oneself: paid two months at once
    if roll < 0.06:
        return None
    if roll < 0.12:
        return commitment / 2
    if roll < 0.16:
        return commitment + Decimal("50")
    return commitment


def _post_history(group, *, first_month, last_month, user):
    """Sheets for every month from first_month to last_month not posted yet."""
    posted = set(group.sheets.values_list("month", flat=True))
    members = selectors.with_terms(list(group.members.all()))
    entries = []
    for month in month_range(first_month, last_month):
        if month in posted:
            continue
        meeting = month.replace(day=min(group.meeting_day or 5, 28))
        sheet = CollectionSheet.objects.create(group=group, month=month, paid_on=meeting, posted_by=user)
        for member in members:
            commitment = selectors.commitment_in_force(member, month)
            amount = commitment and _paid(group, member, commitment, month, first_month)
            if amount:
                entries.append(
                    LedgerEntry(
                        group=group,
                        member=member,
                        kind=EntryKind.DEPOSIT,
                        month=month,
                        date=meeting,
                        amount=amount,
                        sheet=sheet,
                        posted_by=user,
                    )
                )
    services.entries_post(entries=entries)
    return len(entries)


# The first group's rules, agreed at its founding meeting (the paper rules of the seed's groups).
DEMO_RULES = {
    "year_ends_in": 12,
    "late_fine": Decimal("20.00"),
    "dividend": Decimal("40"),
    "interest_refund": Decimal("20"),
    "welfare_fund": Decimal("15"),
    "committee": Decimal("10"),
    "reserve": Decimal("10"),
    "community": Decimal("5"),
    "note": "มติที่ประชุมใหญ่สามัญประจำปี",
}
DEMO_LOANS = {
    LoanPurpose.EMERGENCY: {
        "times_savings": Decimal("2"),
        "ceiling": Decimal("5000"),
        "monthly_rate": Decimal("1"),
        "method": LoanMethod.FLAT,
        "longest_term": 10,
        "guarantors": 1,
    },
    LoanPurpose.OCCUPATION: {
        "times_savings": Decimal("3"),
        "ceiling": Decimal("20000"),
        "monthly_rate": Decimal("1"),
        "method": LoanMethod.DECLINING,
        "longest_term": 24,
        "guarantors": 2,
    },
}
DEMO_WELFARE = {
    WelfarePurpose.ILLNESS: {"amount": Decimal("200"), "months_of_membership": 6},
    WelfarePurpose.BIRTH: {"amount": Decimal("500"), "months_of_membership": 6},
    WelfarePurpose.FUNERAL: {"amount": Decimal("3000"), "months_of_membership": 6},
}


def _last_year_ended(today):
    """The last month of the demo group's last year that has ended by `today` (its year ends
    with DEMO_RULES' month)."""
    month = add_months(month_start(today), -1)
    while month.month != DEMO_RULES["year_ends_in"]:
        month = add_months(month, -1)
    return month


def _agree_rules(group, *, today, user):
    """The group's written rules, agreed at the start of its last year ended (once): it saved
    for years before it began to lend."""
    if group.rules.exists():
        return
    first_month = add_months(_last_year_ended(today), -11)
    services.rules_change(
        group=group,
        from_month=first_month,
        terms=DEMO_RULES,
        loan_kinds=DEMO_LOANS,
        welfare_kinds=DEMO_WELFARE,
        user=user,
        today=first_month,
    )


def _lend(group, *, today, user):
    """Two loans of the first group's current year: an emergency loan paid out three months ago whose
    borrower has repaid nothing since (late), and an occupation loan applied for this month,
    waiting for the officers' approval."""
    chair, secretary = (
        group.officers.get(position=position) for position in (Officer.Position.CHAIR, Officer.Position.SECRETARY)
    )
    officer_people = set(group.officers.values_list("person", flat=True))
    others = [
        m for m in group.members.filter(left_on__isnull=True).order_by("number") if m.person_id not in officer_people
    ]
    # New borrowers: members who have not borrowed before.
    new = [m for m in others if not m.loans.exists()]
    borrower, guarantor, applicant = new[0], new[1], new[-1]
    second = next(m for m in others if m not in (borrower, guarantor, applicant))
    applied = add_months(today.replace(day=1), -3).replace(day=10)
    late = services.loan_apply(
        member=borrower,
        purpose=LoanPurpose.EMERGENCY,
        amount=Decimal("3000"),
        months=6,
        guarantors=[guarantor],
        applied_on=applied,
        reason="ค่ารักษาพยาบาลของแม่",
        user=user,
        today=applied,
    )
    for officer in (chair, secretary):
        services.loan_approve(loan=late, officer=officer, approved_on=applied, user=user, today=applied)
    services.loan_disburse(loan=late, date=applied.replace(day=12), user=user, today=applied.replace(day=12))
    services.loan_apply(
        member=applicant,
        purpose=LoanPurpose.OCCUPATION,
        amount=Decimal("8000"),
        months=12,
        guarantors=[guarantor, second],
        applied_on=today,
        reason="ทุนขายอาหารหน้าโรงเรียน",
        user=user,
        today=today,
    )


def _repay(loan, sheets, *, months, user):
    """The borrower repays what the loan owes at each of `months`' meetings, on that month's
    sheet."""
    for month in months:
        sheet = sheets[month]
        position = selectors.loan_position(Loan.objects.get(pk=loan.pk), sheet.paid_on)
        if (owed := selectors.owed_at_meeting(position, month)) > 0:
            services.repayments_add(sheet=sheet, repayments={loan.pk: owed}, user=user)


def _a_year(group, *, today, user):
    """The first group's last year ended, as such a year runs, and this year so far (once): loans
    for a trade, paid out and repaid at the monthly meetings; an emergency loan repaid to the
    year's end, then no more (its borrower moved away); a cost of the group. The year closed, its
    profit added to the members' savings; after it, welfare paid from the fund the year gave, the
    emergency loan written off by a leader, and this year's two loans (one late, one waiting for
    approval: _lend)."""
    if group.year_ends.exists():
        return
    last_month = _last_year_ended(today)
    first_month = add_months(last_month, -11)
    sheets = {sheet.month: sheet for sheet in group.sheets.all()}
    last_sheet = max(sheets)
    officers = {o.position: o for o in group.officers.filter(until__isnull=True)}
    chair, secretary = officers[Officer.Position.CHAIR], officers[Officer.Position.SECRETARY]
    officer_people = {o.person_id for o in officers.values()}
    members = [m for m in group.members.filter(left_on__isnull=True).order_by("number")]
    others = [m for m in members if m.person_id not in officer_people]
    by_savings = sorted(others, key=lambda m: selectors.savings_on(m, first_month), reverse=True)

    def lend(member, purpose, amount, months, month, guarantors, reason):
        day = sheets[month].paid_on
        ceiling = DEMO_LOANS[purpose]["times_savings"] * selectors.savings_on(member, day)
        amount = min(amount, ceiling // 1000 * 1000)
        loan = services.loan_apply(
            member=member,
            purpose=purpose,
            amount=amount,
            months=months,
            guarantors=guarantors,
            applied_on=day,
            reason=reason,
            user=user,
            today=day,
        )
        for officer in (chair, secretary):
            services.loan_approve(loan=loan, officer=officer, approved_on=day, user=user, today=day)
        services.loan_disburse(loan=loan, date=day, user=user, today=day)
        return loan

    trade = [
        (by_savings[0], Decimal("15000"), 12, 0, "ทุนซื้อเรือและอวนหาปลา"),
        (by_savings[1], Decimal("12000"), 10, 1, "ทุนเปิดร้านขายของชำ"),
        (by_savings[2], Decimal("10000"), 10, 3, "ทุนทำขนมขาย"),
    ]
    for borrower, amount, months, offset, reason in trade:
        month = add_months(first_month, offset)
        guarantors = [m for m in by_savings[3:] if m != borrower][offset % 2 : offset % 2 + 2]
        loan = lend(borrower, LoanPurpose.OCCUPATION, amount, months, month, guarantors, reason)
        _repay(
            loan,
            sheets,
            months=month_range(add_months(month, 1), min(add_months(month, months), last_sheet)),
            user=user,
        )
    # This year's: two more loans for a trade, repaid month by month so far.
    for borrower, amount, months, offset, reason in (
        (by_savings[1], Decimal("15000"), 12, 13, "ทุนขยายร้านขายของชำ"),
        (by_savings[2], Decimal("10000"), 10, 15, "ทุนซื้อเตาและหม้อทำขนม"),
    ):
        month = add_months(first_month, offset)
        if month in sheets:
            guarantors = [m for m in by_savings[3:] if m != borrower][:2]
            loan = lend(borrower, LoanPurpose.OCCUPATION, amount, months, month, guarantors, reason)
            _repay(loan, sheets, months=month_range(add_months(month, 1), last_sheet), user=user)
    # Repaid to the year's end, then nothing: its borrower moved away.
    month = add_months(first_month, 7)
    emergency = lend(by_savings[3], LoanPurpose.EMERGENCY, Decimal("2000"), 8, month, [by_savings[4]], "ค่าซ่อมหลังคาบ้าน")
    _repay(emergency, sheets, months=month_range(add_months(month, 1), last_month), user=user)
    stationery = sheets[add_months(first_month, 5)].paid_on
    welfare.cost_pay(
        group=group, date=stationery, amount=Decimal("350"), what_for="สมุดบัญชีและเครื่องเขียน", user=user, today=stationery
    )
    _lend(group, today=today, user=user)

    closes_on = month_end(last_month)
    posted_on = min(closes_on + datetime.timedelta(days=12), today)
    year_end.year_end_post(
        group=group,
        last_month=last_month,
        shares_paid_as=ShareOut.SAVINGS,
        posted_on=posted_on,
        user=user,
        today=posted_on,
    )
    written_off = min(add_months(last_month, 4).replace(day=20), today)
    services.loan_write_off(
        loan=emergency,
        date=written_off,
        reason="ผู้กู้ย้ายไปทำงานต่างจังหวัด ติดต่อไม่ได้ ที่ประชุมกรรมการมีมติตัดเป็นหนี้สูญ",
        user=user,
        today=written_off,
    )
    visited = min(add_months(last_month, 2).replace(day=15), today)
    welfare.welfare_pay(
        member=by_savings[5], purpose=WelfarePurpose.ILLNESS, date=visited, approved_by=chair, user=user, today=visited
    )


def seed(*, today, user, treasurer_a=None, treasurer_b=None):
    """Create (or complete) the demo groups. Safe to run again: nothing is created twice."""
    rng = random.Random(2565)
    last_month = add_months(today.replace(day=1), -1)
    founded = []
    for community, day in FOUNDED:
        group = _ensure_group(community, changes=[(GroupStatus.FOUNDED, day, "")], rng=rng, members_range=(8, 14))
        founded.append(group)
    community, first_founded, dormant, revived_on = REVIVED
    revived = _ensure_group(
        community,
        changes=[
            (GroupStatus.FOUNDED, first_founded, ""),
            (GroupStatus.DORMANT, dormant, "หยุดประชุมช่วงโควิด"),
            (GroupStatus.REVIVED, revived_on, "ฟื้นฟูโดยเครือข่าย"),
        ],
        rng=rng,
        members_range=(8, 12),
    )
    for community, day in FORMING:
        _ensure_group(community, changes=[(GroupStatus.FORMING, day, "")], rng=rng, members_range=None)

    rows = 0
    for group in founded:
        first = group.status_changes.order_by("date").first().date.replace(day=1)
        rows += _post_history(group, first_month=first, last_month=last_month, user=user)
    # The revived group starts its new ledger in March 2565, after its revival.
    rows += _post_history(revived, first_month=datetime.date(2022, 3, 1), last_month=last_month, user=user)

    _agree_rules(founded[0], today=today, user=user)
    _a_year(founded[0], today=today, user=user)
    if treasurer_a:
        founded[0].treasurers.add(treasurer_a)
    if treasurer_b:
        founded[1].treasurers.add(treasurer_b)
    return {"groups": SavingsGroup.objects.count(), "new_rows": rows}

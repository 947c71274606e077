"""Loans from a group's fund: applied for on the terms of the group's rules, approved by two of its
officers (never the borrower or a guarantor), paid out once and never beyond the fund's cash."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from groups import selectors, services
from groups.models import Loan, LoanEntry, Officer
from network.personal_data import erasure_blockers, person_data, person_workbook
from songkhla_network.append_only import AlreadyPosted
from tests.factories import FOUNDED_ON, client_for, make_group
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

FEB = datetime.date(2022, 2, 1)
TODAY = datetime.date(2022, 3, 15)
SHARES = {"dividend": 50, "interest_refund": 20, "welfare_fund": 10, "committee": 10, "reserve": 5, "community": 5}
EMERGENCY = {
    "times_savings": Decimal("2"),
    "ceiling": Decimal("500"),
    "monthly_rate": Decimal("1"),
    "method": "flat",
    "longest_term": 6,
    "guarantors": 1,
}


@pytest.fixture
def group(db, leader):
    """Five members who each saved 100 a month in December 2564 – February 2565 (300 each, a fund
    of 1,500 baht), the group's rules from February, and three officers: members 4 and 5 and
    someone who is no member."""
    group = make_group("กลุ่มเงินกู้", "ชุมชนเงินกู้", members=5)
    for month in (datetime.date(2021, 12, 1), datetime.date(2022, 1, 1), FEB):
        services.sheet_post(
            group=group,
            month=month,
            paid_on=month.replace(day=5),
            amounts={m.pk: Decimal("100") for m in group.members.all()},
            user=leader,
        )
    services.rules_change(
        group=group,
        from_month=FEB,
        terms={"year_ends_in": 12, "late_fine": Decimal("0"), "note": "", **SHARES},
        loan_kinds={"emergency": EMERGENCY},
        welfare_kinds={},
        user=leader,
        today=FEB,
    )
    members = list(group.members.order_by("number"))
    for member, position in ((members[3], Officer.Position.CHAIR), (members[4], Officer.Position.SECRETARY)):
        Officer.objects.create(group=group, person=member.person, position=position, since=FOUNDED_ON)
    return group


def _members(group):
    return list(group.members.order_by("number"))


def _apply(group, leader, *, amount="400", months=4, guarantor=1, **changes):
    one, *others = _members(group)
    return services.loan_apply(
        **{
            "member": one,
            "purpose": "emergency",
            "amount": Decimal(amount),
            "months": months,
            "guarantors": [others[guarantor - 1]] if guarantor else [],
            "applied_on": datetime.date(2022, 3, 1),
            "reason": "ค่ารักษาพยาบาล",
            "user": leader,
            "today": TODAY,
            **changes,
        }
    )


def _officers(group):
    return list(Officer.objects.filter(group=group).order_by("pk"))


def test_a_loan_takes_its_kinds_terms_and_keeps_them_when_the_rules_change(group, leader):
    loan = _apply(group, leader)
    assert (loan.monthly_rate, loan.method, loan.months, loan.amount) == (Decimal("1.00"), "flat", 4, Decimal("400"))
    services.rules_change(
        group=group,
        from_month=datetime.date(2022, 4, 1),
        terms={"year_ends_in": 12, "late_fine": Decimal("0"), "note": "", **SHARES},
        loan_kinds={"emergency": {**EMERGENCY, "monthly_rate": Decimal("2"), "method": "declining"}},
        welfare_kinds={},
        user=leader,
        today=TODAY,
    )
    loan.refresh_from_db()
    assert (loan.monthly_rate, loan.method) == (Decimal("1.00"), "flat")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "600.01"}, "amount"),  # twice 300 of savings is 600, but the ceiling is 500
        ({"amount": "500.01"}, "amount"),
        ({"months": 7}, "months"),  # longest term 6
        ({"guarantor": 0}, "guarantors"),  # one needed
        ({"purpose": "education"}, "purpose"),  # not offered
        ({"applied_on": datetime.date(2022, 1, 20)}, None),  # no rules in force yet
        ({"applied_on": datetime.date(2022, 3, 16)}, "applied_on"),  # not come yet
    ],
)
def test_an_application_beyond_the_rules_is_refused_and_writes_nothing(group, leader, changes, field):
    with pytest.raises(ValidationError) as refused:
        _apply(group, leader, **changes)
    if field:
        assert field in refused.value.message_dict
    assert not Loan.objects.exists()


def test_the_borrower_cannot_guarantee_their_own_loan(group, leader):
    one = _members(group)[0]
    with pytest.raises(ValidationError) as refused:
        _apply(group, leader, guarantor=0, guarantors=[one])
    assert "guarantors" in refused.value.message_dict


def test_two_different_officers_approve_and_neither_the_borrower_nor_a_guarantor_may(group, leader):
    chair, secretary = _officers(group)
    # Member 4 (the chair) guarantees this loan: the chair may not approve it.
    loan = _apply(group, leader, guarantor=3)
    with pytest.raises(ValidationError) as refused:
        services.loan_approve(loan=loan, officer=chair, approved_on=TODAY, user=leader, today=TODAY)
    assert "officer" in refused.value.message_dict
    services.loan_approve(loan=loan, officer=secretary, approved_on=TODAY, user=leader, today=TODAY)
    with pytest.raises(ValidationError):  # the same person twice, in another position
        again = Officer.objects.create(
            group=group, person=secretary.person, position=Officer.Position.COMMITTEE, since=FOUNDED_ON
        )
        services.loan_approve(loan=loan, officer=again, approved_on=TODAY, user=leader, today=TODAY)
    assert selectors.loan_state(loan) == selectors.LoanState.APPLIED
    with pytest.raises(ValidationError) as refused:  # one approval is not enough
        services.loan_disburse(loan=loan, date=TODAY, user=leader, today=TODAY)
    assert refused.value.code == "approvals"
    assert not LoanEntry.objects.exists()


def _approved(group, leader, **changes):
    chair, secretary = _officers(group)
    loan = _apply(group, leader, **changes)
    for officer in (chair, secretary):
        services.loan_approve(loan=loan, officer=officer, approved_on=TODAY, user=leader, today=TODAY)
    assert selectors.loan_state(loan) == selectors.LoanState.APPROVED
    return loan


def test_a_loan_is_paid_out_once_from_the_funds_cash(group, leader):
    assert selectors.fund_cash(group, TODAY) == Decimal("1500.00")
    loan = _approved(group, leader)
    paid = services.loan_disburse(loan=loan, date=TODAY, user=leader, today=TODAY)
    assert (paid.kind, paid.amount) == ("disbursement", Decimal("400.00"))
    assert selectors.fund_cash(group, TODAY) == Decimal("1100.00")
    assert selectors.fund_cash(group, TODAY - datetime.timedelta(days=1)) == Decimal("1500.00")
    assert selectors.loan_state(loan) == selectors.LoanState.PAID_OUT
    with pytest.raises(AlreadyPosted):
        services.loan_disburse(loan=loan, date=TODAY, user=leader, today=TODAY)
    assert LoanEntry.objects.count() == 1
    # A money row: the database itself refuses to change or delete it.
    for sql in ("UPDATE groups_loanentry SET amount = 1 WHERE id = %s", "DELETE FROM groups_loanentry WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [paid.pk])


def test_no_loan_is_paid_out_beyond_the_cash_the_fund_holds(group, leader):
    members = _members(group)
    for member in members[1:]:  # four members take their savings out: 300 baht of cash is left
        services.withdrawal_post(member=member, date=TODAY, amount=Decimal("300"), reason="", user=leader)
    loan = _approved(group, leader)
    with pytest.raises(ValidationError) as refused:
        services.loan_disburse(loan=loan, date=TODAY, user=leader, today=TODAY)
    assert refused.value.code == "cash"
    assert not LoanEntry.objects.exists()


def test_the_pages_show_the_loan_and_its_schedule_in_thai(group, leader, staff, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    loan = _approved(group, leader)
    client = client_for(leader)
    response = client.post(
        reverse("groups:loan_disburse", args=[group.pk, loan.pk]),
        {"date": "15/3/2565", "request_key": str(uuid.uuid4())},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client_for(staff).get(reverse("groups:loan", args=[group.pk, loan.pk]))
    assert_no_english(page)
    text = page.content.decode()
    # Flat 1 % a month on 400 over 4 months, from April 2565: 100 + 4.00 a month.
    assert text.count("104.00") == 4 and "เม.ย. 2565" in text
    listing = client_for(staff).get(reverse("groups:loans", args=[group.pk]))
    assert_no_english(listing)
    assert "1,100.00" in listing.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "หนึ่งพัน"},
        {"amount": "99999999999999"},
        {"months": "0"},
        {"months": "สาม"},
        {"purpose": "<script>"},
        {"member": "999999"},
        {"guarantors": ["999999"]},
        {"applied_on": "31/2/2565"},
        {"reason": "x" * 400},
    ],
)
def test_bad_input_on_the_application_is_told_in_thai_and_writes_nothing(group, leader, monkeypatch, changes):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    one, two, *_rest = _members(group)
    data = {
        "request_key": "6f1c8f4e-0000-4000-8000-000000000001",
        "member": str(one.pk),
        "purpose": "emergency",
        "amount": "400",
        "months": "4",
        "guarantors": [str(two.pk)],
        "applied_on": "1/3/2565",
        "reason": "",
        **changes,
    }
    response = client_for(leader).post(reverse("groups:loan_apply", args=[group.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert_no_english(response)
    assert not Loan.objects.exists()


def test_a_persons_data_holds_their_loans_and_guarantees_and_an_unpaid_loan_stops_erasure(group, leader):
    loan = _approved(group, leader)
    one, two = _members(group)[:2]
    assert [(row.pk, row.state) for row in person_data(one.person).loans] == [(loan.pk, "approved")]
    assert [g.loan_id for g in person_data(two.person).guarantees] == [loan.pk]
    person_workbook(person_data(two.person))  # the download has the loans' sheet too
    before = erasure_blockers(two.person, today=TODAY)
    services.loan_disburse(loan=loan, date=TODAY, user=leader, today=TODAY)
    for person in (one.person, two.person):
        blockers = erasure_blockers(person, today=TODAY)
        assert any("400.00" in b for b in blockers), blockers
    assert len(erasure_blockers(two.person, today=TODAY)) == len(before) + 1


def test_savings_lent_out_cannot_be_withdrawn_until_repaid(group, leader):
    """Five members saved 1,500; 400 is lent out: 1,100 is in the box. Four members may take out
    their 300 each only while the cash lasts."""
    loan = _approved(group, leader)
    services.loan_disburse(loan=loan, date=TODAY, user=leader, today=TODAY)
    one, two, three, four, five = _members(group)
    for member in (two, three, four):
        services.withdrawal_post(member=member, date=TODAY, amount=Decimal("300"), reason="", user=leader)
    assert selectors.fund_cash(group, TODAY) == Decimal("200.00")
    with pytest.raises(ValidationError) as refused:
        services.withdrawal_post(member=five, date=TODAY, amount=Decimal("300"), reason="", user=leader)
    assert refused.value.code == "cash"
    services.withdrawal_post(member=five, date=TODAY, amount=Decimal("200"), reason="", user=leader)
    assert selectors.fund_cash(group, TODAY) == Decimal("0.00")


# Repayments, on the monthly sheet with the savings.

APR, MAY, JUN = datetime.date(2022, 4, 1), datetime.date(2022, 5, 1), datetime.date(2022, 6, 1)


def _paid_out(group, leader):
    """400 baht lent in March 2565, flat 1 % over 4 months: 100 + 4.00 due in each of April – July."""
    loan = _approved(group, leader)
    services.loan_disburse(loan=loan, date=TODAY, user=leader, today=TODAY)
    return loan


def _sheet(group, leader, month, repayments, day=10):
    return services.sheet_post(
        group=group,
        month=month,
        paid_on=month.replace(day=day),
        amounts={m.pk: Decimal("100") for m in group.members.all()},
        repayments=repayments,
        user=leader,
    )


def test_a_repayment_on_the_sheet_pays_the_months_interest_then_principal(group, leader):
    loan = _paid_out(group, leader)
    position = selectors.loan_position(loan, datetime.date(2022, 4, 1))
    assert [(i.month, i.principal, i.interest) for i in position.schedule][:2] == [
        (APR, Decimal("100.00"), Decimal("4.00")),
        (MAY, Decimal("100.00"), Decimal("4.00")),
    ]
    assert position.owed_by(APR) == (Decimal("100.00"), Decimal("4.00"))
    sheet = _sheet(group, leader, APR, {loan.pk: Decimal("104")})
    rows = sorted((e.kind, e.amount, e.month, e.sheet_id) for e in LoanEntry.objects.filter(sheet=sheet))
    assert rows == [("interest", Decimal("4.00"), APR, sheet.pk), ("principal", Decimal("100.00"), APR, sheet.pk)]
    after = selectors.loan_position(Loan.objects.get(pk=loan.pk), datetime.date(2022, 5, 2))
    assert (after.outstanding, after.arrears, after.days_overdue) == (Decimal("300.00"), 0, 0)
    # Paying 50 of May's 104: the month's interest first.
    _sheet(group, leader, MAY, {loan.pk: Decimal("50")})
    late = selectors.loan_position(Loan.objects.get(pk=loan.pk), datetime.date(2022, 6, 10))
    assert (late.principal_paid, late.interest_paid) == (Decimal("146.00"), Decimal("8.00"))
    assert late.arrears == Decimal("54.00")  # May's instalment, less the 50 paid
    assert late.days_overdue == 10  # since the end of May
    assert selectors.repaid_at(sheet) == {loan.member_id: Decimal("104.00")}


def test_a_repayment_beyond_what_the_loan_owes_is_refused_and_the_sheet_not_posted(group, leader):
    loan = _paid_out(group, leader)
    with pytest.raises(ValidationError) as refused:
        _sheet(group, leader, APR, {loan.pk: Decimal("404.01")})  # 400 principal + April's 4.00
    assert refused.value.code == "repayment"
    assert not group.sheets.filter(month=APR).exists() and not LoanEntry.objects.filter(sheet__isnull=False).exists()
    _sheet(group, leader, APR, {loan.pk: Decimal("404.00")})  # repaid early, in full
    done = selectors.loan_position(Loan.objects.get(pk=loan.pk), datetime.date(2022, 9, 1))
    # Repaid in full: the later months' interest is not owed (interest runs while principal is owed).
    assert (done.outstanding, done.arrears, done.days_overdue) == (0, 0, 0)


def test_the_fund_balances_cash_and_loans_against_savings_and_income(group, leader):
    loan = _paid_out(group, leader)
    _sheet(group, leader, APR, {loan.pk: Decimal("104")})
    fund = selectors.group_fund(group, datetime.date(2022, 4, 30))
    assert fund.savings == Decimal("2000.00")  # 1,500 + April's 500
    assert (fund.lent_out, fund.interest, fund.cash) == (Decimal("300.00"), Decimal("4.00"), Decimal("1704.00"))
    assert fund.balances and fund.total == fund.savings + fund.income


def test_the_sheet_form_offers_each_loan_owed_beside_its_borrower_and_posts_it_once(group, leader, monkeypatch):
    loan = _paid_out(group, leader)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2022, 4, 10))
    client = client_for(leader)
    url = reverse("groups:sheet", args=[group.pk, "2565-04"])
    page = client.get(url)
    assert_no_english(page)
    form = page.context["form"]
    assert form.box(f"repay_{loan.pk}")["value"] == "104.00"
    data = {"paid_on": "10/4/2565", f"repay_{loan.pk}": "104"}
    data.update({f"amount_{m.pk}": "100" for m in group.members.all()})
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the second tap posts nothing more
    assert LoanEntry.objects.filter(sheet__isnull=False).count() == 2
    posted = client.get(url)
    assert_no_english(posted)
    assert "104.00" in posted.content.decode()
    passbook = client.get(reverse("groups:passbook", args=[group.pk, loan.member_id]))
    assert_no_english(passbook)
    assert "300.00" in passbook.content.decode()  # still owes
    guarantor = loan.guarantees.get().member
    assert (
        str(loan.member.person)
        in client.get(reverse("groups:passbook", args=[group.pk, guarantor.pk])).content.decode()
    )
    group_page = client.get(reverse("groups:detail", args=[group.pk]))
    assert_no_english(group_page)
    assert "✓" in group_page.content.decode()


def test_a_repayment_box_for_another_groups_loan_is_refused(group, leader, monkeypatch):
    loan = _paid_out(group, leader)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2022, 4, 10))
    data = {"paid_on": "10/4/2565", f"repay_{loan.pk + 1000}": "10", f"amount_{_members(group)[0].pk}": "100"}
    response = client_for(leader).post(reverse("groups:sheet", args=[group.pk, "2565-04"]), data)
    assert response.status_code == 200 and not group.sheets.filter(month=APR).exists()


def test_a_wrong_repayment_is_corrected_by_a_reversal_with_a_reason(group, leader):
    loan = _paid_out(group, leader)
    sheet = _sheet(group, leader, APR, {loan.pk: Decimal("304")})  # meant 104
    principal = LoanEntry.objects.get(sheet=sheet, kind="principal")
    with pytest.raises(ValidationError) as refused:
        services.loan_entry_reverse(entry=principal, date=APR.replace(day=11), reason="  ", user=leader, today=TODAY)
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:  # the payout, while repayments stand
        services.loan_entry_reverse(
            entry=LoanEntry.objects.get(kind="disbursement"), date=TODAY, reason="ผิด", user=leader, today=TODAY
        )
    assert refused.value.code == "repaid"
    day = APR.replace(day=11)
    back = services.loan_entry_reverse(entry=principal, date=day, reason="พิมพ์ผิด", user=leader, today=day)
    assert (back.kind, back.amount, back.reverses_id) == ("principal", Decimal("-300.00"), principal.pk)
    with pytest.raises(AlreadyPosted):
        services.loan_entry_reverse(entry=principal, date=day, reason="ซ้ำ", user=leader, today=day)
    with pytest.raises(ValidationError):
        services.loan_entry_reverse(entry=back, date=day, reason="กลับอีก", user=leader, today=day)
    position = selectors.loan_position(Loan.objects.get(pk=loan.pk), day)
    assert (position.principal_paid, position.interest_paid, position.outstanding) == (
        Decimal("0.00"),
        Decimal("4.00"),
        Decimal("400.00"),
    )
    assert selectors.group_fund(group, day).balances


def test_a_payout_recorded_by_mistake_is_reversed_and_the_loan_waits_again(group, leader, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    loan = _paid_out(group, leader)
    payout = LoanEntry.objects.get(kind="disbursement")
    client = client_for(leader)
    url = reverse("groups:loan_reverse", args=[group.pk, loan.pk, payout.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert_no_english(page)
    assert client.post(url, {"date": "15/3/2565", "reason": ""}).status_code == 200  # a reason is needed
    assert client.post(url, {"date": "15/3/2565", "reason": "จ่ายผิดคน"}).status_code == 302
    assert selectors.loan_state(Loan.objects.get(pk=loan.pk)) == selectors.LoanState.APPROVED
    assert selectors.fund_cash(group, TODAY) == Decimal("1500.00")
    assert client.get(url).status_code == 302  # reversed already: back to the loan
    loan_page = client.get(reverse("groups:loan", args=[group.pk, loan.pk]))
    assert_no_english(loan_page)
    assert "จ่ายผิดคน" in loan_page.content.decode()


def test_a_payout_reversed_may_be_recorded_again_and_only_once(group, leader):
    loan = _paid_out(group, leader)
    payout = LoanEntry.objects.get(kind="disbursement")
    services.loan_entry_reverse(entry=payout, date=TODAY, reason="วันที่ผิด", user=leader, today=TODAY)
    again = services.loan_disburse(loan=loan, date=TODAY, user=leader, today=TODAY)
    assert selectors.disbursement(Loan.objects.get(pk=loan.pk)) == again
    with pytest.raises(AlreadyPosted):
        services.loan_disburse(loan=loan, date=TODAY, user=leader, today=TODAY)
    assert selectors.fund_cash(group, TODAY) == Decimal("1100.00")


def test_loans_outstanding_and_the_portfolio_at_risk(group, leader):
    """PAR30: the principal still owed on loans more than 30 days late, over all principal owed."""
    loan = _paid_out(group, leader)  # 400, due 104 a month from April 2565
    assert selectors.loan_portfolio(TODAY).par30 == 0
    # Nothing repaid: April's instalment fell due at the end of April; 30 days on, not yet at risk.
    on_time = selectors.loan_portfolio(datetime.date(2022, 5, 30))
    assert (on_time.loans, on_time.outstanding, on_time.at_risk) == (1, Decimal("400.00"), 0)
    late = selectors.loan_portfolio(datetime.date(2022, 5, 31))  # 31 days overdue
    assert (late.at_risk, late.par30) == (Decimal("400.00"), Decimal("100.00"))
    assert selectors.loan_portfolio(datetime.date(2022, 5, 31), groups=[]).outstanding == 0
    # A second loan, on time, halves it.
    one, two, three = _members(group)[:3]
    other = services.loan_apply(
        member=two,
        purpose="emergency",
        amount=Decimal("400"),
        months=4,
        guarantors=[three],
        applied_on=datetime.date(2022, 5, 20),
        reason="",
        user=leader,
        today=datetime.date(2022, 5, 20),
    )
    for officer in _officers(group):
        services.loan_approve(
            loan=other,
            officer=officer,
            approved_on=datetime.date(2022, 5, 20),
            user=leader,
            today=datetime.date(2022, 5, 20),
        )
    services.loan_disburse(loan=other, date=datetime.date(2022, 5, 20), user=leader, today=datetime.date(2022, 5, 20))
    both = selectors.loan_portfolio(datetime.date(2022, 5, 31))
    assert (both.loans, both.outstanding, both.par30) == (2, Decimal("800.00"), Decimal("50.00"))
    assert one == loan.member


def test_the_dashboard_and_the_codi_report_show_the_loans_and_their_risk(group, leader, monkeypatch):
    _paid_out(group, leader)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2022, 6, 15))
    client = client_for(leader)
    dashboard = client.get(reverse("home"))
    assert_no_english(dashboard)
    assert (dashboard.context["dashboard"].loans.outstanding, dashboard.context["dashboard"].loans.par30) == (
        Decimal("400.00"),
        Decimal("100.00"),
    )
    months = {"first_0": "3", "first_1": "2565", "last_0": "5", "last_1": "2565"}
    report = client.get(reverse("report"), months)
    assert_no_english(report)
    assert report.context["report"].loans.outstanding == Decimal("400.00")
    assert "400.00" in report.content.decode()
    assert client.get(reverse("report_xlsx"), months).status_code == 200


def test_the_list_of_loans_says_which_are_late_and_by_how_many_days(group, leader, monkeypatch):
    _paid_out(group, leader)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: datetime.date(2022, 6, 10))
    listing = client_for(leader).get(reverse("groups:loans", args=[group.pk]))
    assert_no_english(listing)
    [loan] = listing.context["loans"]
    assert (loan.position.arrears, loan.position.days_overdue) == (Decimal("208.00"), 41)  # April and May
    assert "208.00" in listing.content.decode() and "41" in listing.content.decode()

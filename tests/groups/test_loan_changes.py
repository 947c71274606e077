"""A loan written off or rescheduled: a network leader's decision, with a reason. A write-off is one
row of the principal still owed; no money moves, the loan owes nothing more and its reversal is the
only correction. A rescheduling gives what is still owed new months from this month or a later
one; the months before keep what they were, and a position as of a day before it is as it was."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import selectors, services
from groups.models import Loan, LoanEntry, LoanReschedule, Officer
from songkhla_network.append_only import AlreadyPosted
from songkhla_network.models import Person
from tests.factories import client_for
from tests.helpers import ALLOCATION, assert_no_english

pytestmark = pytest.mark.django_db

FEB, MAR, APR, MAY, JUN, JUL = (datetime.date(2022, month, 1) for month in range(2, 8))
TODAY = datetime.date(2022, 6, 10)
# Flat 1 % a month: 600 baht over 3 months is 200 + 6.00 due in each of March, April and May 2565.
EMERGENCY = {
    "times_savings": Decimal("2"),
    "ceiling": Decimal("1000"),
    "monthly_rate": Decimal("1"),
    "method": "flat",
    "longest_term": 12,
    "guarantors": 1,
}


def _sheet(group, leader, month, repayments=None):
    return services.sheet_post(
        group=group,
        month=month,
        paid_on=month.replace(day=5),
        amounts={m.pk: Decimal("100") for m in group.members.all()},
        repayments=repayments or {},
        user=leader,
    )


@pytest.fixture
def loan(group_a, leader):
    """Group A's three members saved 100 a month from December 2564 (900 baht by February); member 1
    borrowed 600 of it on 15 February 2565, flat 1 % over 3 months, and repaid nothing."""
    return _lent(group_a, leader)


def _lent(group_a, leader, late_fine=Decimal("0")):
    for month in (datetime.date(2021, 12, 1), datetime.date(2022, 1, 1), FEB):
        _sheet(group_a, leader, month)
    services.rules_change(
        group=group_a,
        from_month=FEB,
        terms={"year_ends_in": 12, "late_fine": late_fine, "note": "", **ALLOCATION},
        loan_kinds={"emergency": EMERGENCY},
        welfare_kinds={},
        user=leader,
        today=FEB,
    )
    one, two, three = group_a.members.order_by("number")
    loan = services.loan_apply(
        member=one,
        purpose="emergency",
        amount=Decimal("600"),
        months=3,
        guarantors=[two],
        applied_on=datetime.date(2022, 2, 10),
        reason="ค่ารักษาพยาบาล",
        user=leader,
    )
    for person in (three.person, Person.objects.create(first_name="กรรมการ", last_name="ชุมชนเอ")):
        officer = Officer.objects.create(
            group=group_a, person=person, position=Officer.Position.COMMITTEE, since=datetime.date(2021, 12, 1)
        )
        services.loan_approve(loan=loan, officer=officer, approved_on=datetime.date(2022, 2, 12), user=leader)
    services.loan_disburse(loan=loan, date=datetime.date(2022, 2, 15), user=leader)
    return Loan.objects.get(pk=loan.pk)


def _position(loan, day):
    return selectors.loan_position(Loan.objects.get(pk=loan.pk), day)


def _write_off(loan, leader, day=TODAY, reason="ผู้กู้เสียชีวิต มติที่ประชุมกลุ่ม"):
    return services.loan_write_off(loan=loan, date=day, reason=reason, user=leader, today=TODAY)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return TODAY


def _url(name, loan):
    return reverse(f"groups:{name}", args=[loan.group_id, loan.pk])


# Who may.


def test_only_a_leader_writes_off_or_reschedules_a_loan(loan, leader, treasurer_a, staff, today):
    for user in (treasurer_a, staff):
        client = client_for(user)
        for name, data in [
            ("loan_write_off", {"date": "10/6/2565", "reason": "เก็บไม่ได้", "request_key": str(uuid.uuid4())}),
            ("loan_reschedule", {"from_month_0": "6", "from_month_1": "2565", "months": "4", "reason": "ตกงาน"}),
        ]:
            assert client.get(_url(name, loan)).status_code == 403
            assert client.post(_url(name, loan), data).status_code == 403
    assert not LoanEntry.objects.filter(kind="written_off").exists() and not LoanReschedule.objects.exists()
    # The treasurer's loan page offers neither; the leader's offers both.
    page = client_for(treasurer_a).get(_url("loan", loan)).content.decode()
    assert _url("loan_write_off", loan) not in page and _url("loan_reschedule", loan) not in page
    page = client_for(leader).get(_url("loan", loan)).content.decode()
    assert _url("loan_write_off", loan) in page and _url("loan_reschedule", loan) in page


# Writing off.


def test_a_write_off_needs_a_reason_and_writes_nothing_without_one(loan, leader, today):
    with pytest.raises(ValidationError) as refused:
        _write_off(loan, leader, reason="   ")
    assert "reason" in refused.value.message_dict
    response = client_for(leader).post(
        _url("loan_write_off", loan), {"date": "10/6/2565", "reason": "", "request_key": str(uuid.uuid4())}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert_no_english(response)
    assert not LoanEntry.objects.filter(kind="written_off").exists()


@pytest.mark.parametrize(
    ("day", "field"),
    [
        (datetime.date(2022, 2, 14), "date"),  # before the payout
        (datetime.date(2022, 3, 4), "date"),  # before the loan's last row, March's repayment
        (datetime.date(2022, 6, 11), "date"),  # after today
    ],
)
def test_a_write_off_is_dated_from_the_loans_last_row_to_today(loan, leader, day, field):
    _sheet(loan.group, leader, MAR, {loan.pk: Decimal("206")})
    with pytest.raises(ValidationError) as refused:
        _write_off(loan, leader, day=day)
    assert field in refused.value.message_dict
    assert not LoanEntry.objects.filter(kind="written_off").exists()


def test_a_late_loan_written_off_owes_nothing_and_the_fund_loses_it_from_loans_and_profit(loan, leader, today):
    group = loan.group
    _sheet(group, leader, MAR, {loan.pk: Decimal("206")})  # March's instalment; April and May not paid
    late = _position(loan, TODAY)
    assert (late.outstanding, late.arrears, late.days_overdue) == (Decimal("400.00"), Decimal("412.00"), 41)
    assert selectors.loan_portfolio(TODAY, [group]).at_risk == Decimal("400.00")
    before = selectors.group_fund(group, TODAY)

    entry = _write_off(loan, leader)

    assert (entry.kind, entry.amount, entry.month, entry.date) == ("written_off", Decimal("400.00"), JUN, TODAY)
    after = _position(loan, TODAY)
    assert (after.outstanding, after.arrears, after.days_overdue, after.written_off) == (0, 0, 0, Decimal("400.00"))
    assert _position(loan, datetime.date(2023, 1, 1)).arrears == 0  # the interest not paid is not earned
    assert _position(loan, TODAY - datetime.timedelta(days=1)).outstanding == Decimal("400.00")  # the day before
    portfolio = selectors.loan_portfolio(TODAY, [group])
    assert (portfolio.loans, portfolio.outstanding, portfolio.at_risk, portfolio.par30) == (0, 0, 0, None)
    fund = selectors.group_fund(group, TODAY)
    assert fund.lent_out == before.lent_out - Decimal("400.00") == 0
    assert fund.undistributed == before.undistributed - Decimal("400.00")
    assert fund.cash == before.cash
    assert fund.balances and before.balances
    # Not on the sheet: no repayment box for it.
    assert selectors.loan_positions(group, TODAY) == {}
    sheet = client_for(leader).get(reverse("groups:sheet", args=[group.pk, "2565-06"]))
    assert not any(sheet.context["form"].loans.values()) and 'name="repay_' not in sheet.content.decode()
    # The loan's page says so: when, how much, why and who; nothing more to write off or reschedule.
    page = client_for(leader).get(_url("loan", loan))
    assert_no_english(page)
    text = page.content.decode()
    assert "ผู้กู้เสียชีวิต มติที่ประชุมกลุ่ม" in text and "400.00" in text and str(leader) in text
    assert page.context["written_off"] == entry and not page.context["may_change"]
    assert _url("loan_write_off", loan) not in text


def test_a_write_off_is_made_once_while_it_stands(loan, leader):
    _write_off(loan, leader)
    for day in (TODAY, datetime.date(2022, 5, 1)):  # an earlier day, when the loan still owed
        with pytest.raises(ValidationError) as refused:
            _write_off(loan, leader, day=day)
        assert refused.value.code == "written_off"
    assert LoanEntry.objects.filter(kind="written_off").count() == 1


def test_a_write_off_posted_twice_from_one_form_is_posted_once(loan, leader, today):
    data = {"date": "10/6/2565", "reason": "เก็บไม่ได้", "request_key": str(uuid.uuid4())}
    client = client_for(leader)
    assert client.post(_url("loan_write_off", loan), data).status_code == 302
    assert client.post(_url("loan_write_off", loan), data).status_code == 302
    assert LoanEntry.objects.filter(kind="written_off").count() == 1
    assert client.get(_url("loan_write_off", loan)).status_code == 302  # nothing left to write off


def test_a_write_off_is_undone_by_its_reversal_which_needs_no_cash_and_only_a_leader_makes(
    loan, leader, treasurer_a, today
):
    group = loan.group
    entry = _write_off(loan, leader)
    before = selectors.group_fund(group, TODAY)
    # The members take out what the box holds: 300 baht, less than the 600 written off.
    for member in group.members.order_by("number")[1:]:
        services.withdrawal_post(member=member, date=TODAY, amount=Decimal("150"), reason="", user=leader)
    assert selectors.fund_cash(group, TODAY) == 0
    # The treasurer may not undo it: no link, 403 on the form and on its answer.
    url = reverse("groups:loan_reverse", args=[group.pk, loan.pk, entry.pk])
    treasurer = client_for(treasurer_a)
    assert url not in treasurer.get(_url("loan", loan)).content.decode()
    assert treasurer.get(url).status_code == 403
    assert treasurer.post(url, {"date": "10/6/2565", "reason": "ผิด"}).status_code == 403
    assert not LoanEntry.objects.filter(reverses=entry).exists()
    # The leader may, though the box is empty: no money moves.
    leader_client = client_for(leader)
    assert url in leader_client.get(_url("loan", loan)).content.decode()
    assert leader_client.post(url, {"date": "10/6/2565", "reason": "ผู้กู้ยังชำระได้"}).status_code == 302
    back = LoanEntry.objects.get(reverses=entry)
    assert (back.kind, back.amount) == ("written_off", Decimal("-600.00"))
    restored = _position(loan, TODAY)
    assert (restored.outstanding, restored.arrears, restored.days_overdue) == (
        Decimal("600.00"),
        Decimal("618.00"),
        71,
    )
    fund = selectors.group_fund(group, TODAY)
    assert fund.lent_out == before.lent_out + Decimal("600.00") and fund.balances
    assert selectors.loan_portfolio(TODAY, [group]).at_risk == Decimal("600.00")
    # Reversed, the loan may be written off again: once more.
    _write_off(loan, leader, reason="มติที่ประชุมครั้งที่สอง")
    assert _position(loan, TODAY).outstanding == 0


def test_a_loan_repaid_is_neither_written_off_nor_rescheduled(loan, leader):
    _sheet(loan.group, leader, MAR, {loan.pk: Decimal("606")})  # repaid in full in March
    with pytest.raises(ValidationError) as refused:
        _write_off(loan, leader)
    assert refused.value.code == "repaid"
    with pytest.raises(ValidationError) as refused:
        services.loan_reschedule(loan=loan, from_month=JUN, months=4, reason="ตกงาน", user=leader, today=TODAY)
    assert refused.value.code == "repaid"


# Rescheduling.


def test_a_late_loan_rescheduled_from_this_month_is_late_no_more_while_last_month_keeps_its_arrears(loan, leader):
    group = loan.group
    last_month_end = datetime.date(2022, 5, 31)
    before = _position(loan, last_month_end)
    assert (before.arrears, before.days_overdue) == (Decimal("412.00"), 61)  # March and April
    assert _position(loan, TODAY).arrears == Decimal("618.00")

    change = services.loan_reschedule(
        loan=loan, from_month=JUN, months=4, reason="ผู้กู้ตกงาน มติที่ประชุม", user=leader, today=TODAY
    )

    assert (change.from_month, change.months, change.recorded_by) == (JUN, 4, leader)
    now = _position(loan, TODAY)
    assert (now.outstanding, now.arrears, now.days_overdue) == (Decimal("600.00"), 0, 0)
    # 600 over June – September: 150 + 6.00 a month, June's with the 18.00 of interest March – May left.
    assert [(i.month, i.principal, i.interest) for i in now.schedule if i.month >= JUN] == [
        (JUN, Decimal("150.00"), Decimal("24.00")),
        (JUL, Decimal("150.00"), Decimal("6.00")),
        (datetime.date(2022, 8, 1), Decimal("150.00"), Decimal("6.00")),
        (datetime.date(2022, 9, 1), Decimal("150.00"), Decimal("6.00")),
    ]
    assert selectors.loan_portfolio(TODAY, [group]).at_risk == 0
    # History does not change: as of the end of May, March and April are still late.
    assert _position(loan, last_month_end) == before
    assert selectors.loan_portfolio(last_month_end, [group]).at_risk == Decimal("600.00")
    # June's new instalment, not repaid, is late from the end of June.
    july = _position(loan, datetime.date(2022, 7, 31))
    assert (july.arrears, july.days_overdue) == (Decimal("174.00"), 31)
    # The sheet asks for June's instalment.
    assert selectors.loan_positions(group, TODAY)[loan.member_id][0].owed_by(JUN) == (
        Decimal("150.00"),
        Decimal("24.00"),
    )


def test_a_repayment_after_a_rescheduling_pays_the_new_months(loan, leader):
    _sheet(loan.group, leader, MAR, {loan.pk: Decimal("206")})
    services.loan_reschedule(loan=loan, from_month=JUN, months=2, reason="ตกงาน", user=leader, today=TODAY)
    # 400 over June and July: 200 + 4.00 a month, June's with April's and May's 12.00 left.
    sheet = services.sheet_post(
        group=loan.group,
        month=JUN,
        paid_on=TODAY,
        amounts={m.pk: Decimal("100") for m in loan.group.members.all()},
        repayments={loan.pk: Decimal("216")},
        user=leader,
    )
    rows = sorted((e.kind, e.amount) for e in LoanEntry.objects.filter(sheet=sheet))
    assert rows == [("interest", Decimal("16.00")), ("principal", Decimal("200.00"))]
    position = _position(loan, datetime.date(2022, 7, 1))
    assert (position.outstanding, position.arrears, position.owed_by(JUL)) == (
        Decimal("200.00"),
        0,
        (Decimal("200.00"), Decimal("4.00")),
    )


def test_reschedulings_apply_in_order_of_their_months(loan, leader):
    services.loan_reschedule(loan=loan, from_month=JUN, months=4, reason="ตกงาน", user=leader, today=TODAY)
    services.loan_reschedule(
        loan=loan, from_month=datetime.date(2022, 8, 1), months=1, reason="ได้งานใหม่", user=leader, today=TODAY
    )
    # Nothing repaid: June and July (174 and 156 fell due, unpaid) are settled at nothing from
    # August, whose one month asks for all 600, its own 6.00 of interest and the 30.00 that March –
    # July left (18.00 carried into June, 6.00 of June's own, 6.00 of July's).
    august = _position(loan, datetime.date(2022, 8, 15))
    assert [(i.month, i.principal, i.interest) for i in august.schedule if i.principal or i.interest] == [
        (datetime.date(2022, 8, 1), Decimal("600.00"), Decimal("36.00"))
    ]
    assert [i.month for i in august.schedule] == [MAR, APR, MAY, JUN, JUL, datetime.date(2022, 8, 1)]
    assert (august.arrears, august.days_overdue) == (0, 0)
    july = _position(loan, datetime.date(2022, 7, 31))  # as the first rescheduling had it
    assert (july.arrears, len(july.schedule)) == (Decimal("174.00"), 7)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"from_month": MAY}, "from_month"),  # a month already over
        ({"months": 0}, "months"),
        ({"months": 121}, "months"),
        ({"reason": "  "}, "reason"),
    ],
)
def test_a_rescheduling_beyond_the_rules_is_refused_and_writes_nothing(loan, leader, changes, field):
    with pytest.raises(ValidationError) as refused:
        services.loan_reschedule(
            **{
                "loan": loan,
                "from_month": JUN,
                "months": 4,
                "reason": "ตกงาน",
                "user": leader,
                "today": TODAY,
                **changes,
            }
        )
    assert field in refused.value.message_dict
    assert not LoanReschedule.objects.exists()


def test_a_loan_is_rescheduled_once_a_month_and_not_once_written_off(loan, leader):
    services.loan_reschedule(loan=loan, from_month=JUN, months=4, reason="ตกงาน", user=leader, today=TODAY)
    with pytest.raises(ValidationError) as refused:
        services.loan_reschedule(loan=loan, from_month=JUN, months=6, reason="อีกครั้ง", user=leader, today=TODAY)
    assert "from_month" in refused.value.message_dict
    _write_off(loan, leader)
    with pytest.raises(ValidationError) as refused:
        services.loan_reschedule(loan=loan, from_month=JUL, months=6, reason="อีกครั้ง", user=leader, today=TODAY)
    assert refused.value.code == "written_off"
    assert LoanReschedule.objects.count() == 1


def test_a_loan_is_rescheduled_from_its_first_instalment_on(group_a, loan, leader):
    """A loan paid out this month has its first instalment next month: not before."""
    day = datetime.date(2022, 2, 20)
    with pytest.raises(ValidationError) as refused:
        services.loan_reschedule(loan=loan, from_month=FEB, months=6, reason="ตกงาน", user=leader, today=day)
    assert "from_month" in refused.value.message_dict
    services.loan_reschedule(loan=loan, from_month=MAR, months=6, reason="ตกงาน", user=leader, today=day)
    assert [i.principal for i in _position(loan, MAR).schedule] == [Decimal("100.00")] * 6


def test_the_reschedule_page_records_it_and_says_what_is_wrong_in_thai(loan, leader, today):
    client = client_for(leader)
    url = _url("loan_reschedule", loan)
    page = client.get(url)
    assert page.status_code == 200
    assert_no_english(page)
    past = {"from_month_0": "5", "from_month_1": "2565", "months": "4", "reason": "ตกงาน"}
    response = client.post(url, past)
    assert response.status_code == 200 and "from_month" in response.context["form"].errors
    assert_no_english(response)
    for wrong, field in [({"reason": ""}, "reason"), ({"months": "0"}, "months"), ({"months": "สาม"}, "months")]:
        response = client.post(url, {**past, "from_month_0": "6", **wrong})
        assert response.status_code == 200 and field in response.context["form"].errors
        assert_no_english(response)
    assert not LoanReschedule.objects.exists()
    good = {**past, "from_month_0": "6", "reason": "ผู้กู้ตกงาน มติที่ประชุม"}
    assert client.post(url, good).status_code == 302
    again = client.post(url, {**good, "months": "6"})
    assert again.status_code == 200 and "from_month" in again.context["form"].errors
    assert_no_english(again)
    assert LoanReschedule.objects.count() == 1
    loan_page = client.get(_url("loan", loan))
    assert_no_english(loan_page)
    text = loan_page.content.decode()
    assert "ผู้กู้ตกงาน มติที่ประชุม" in text and "มิ.ย. 2565" in text and "174.00" in text
    assert loan_page.context["position"].arrears == 0


def test_the_write_off_page_is_in_thai(loan, leader, today):
    page = client_for(leader).get(_url("loan_write_off", loan))
    assert page.status_code == 200
    assert_no_english(page)
    response = client_for(leader).post(
        _url("loan_write_off", loan), {"date": "11/6/2565", "reason": "เก็บไม่ได้", "request_key": str(uuid.uuid4())}
    )
    assert response.status_code == 200 and "date" in response.context["form"].errors
    assert_no_english(response)


def test_the_pages_reading_a_loan_take_the_same_queries_whatever_its_reschedulings(loan, leader, today):
    """The loan's reschedulings are read with it, in one query: three of them cost what one does."""
    client = client_for(leader)
    group_pk = loan.group_id
    pages = [
        _url("loan", loan),
        _url("loan_reschedule", loan),
        _url("loan_write_off", loan),
        reverse("groups:loans", args=[group_pk]),
        reverse("groups:passbook", args=[group_pk, loan.member_id]),
        reverse("groups:sheet", args=[group_pk, "2565-06"]),
        reverse("home"),  # the dashboard's loans outstanding and PAR30
    ]

    def queries():
        counts = []
        for url in pages:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    services.loan_reschedule(loan=loan, from_month=JUN, months=4, reason="ตกงาน", user=leader, today=TODAY)
    one = queries()
    for month in (JUL, datetime.date(2022, 8, 1)):
        services.loan_reschedule(loan=loan, from_month=month, months=4, reason="ตกงาน", user=leader, today=TODAY)
    assert queries() == one
    assert one[0] <= 14  # the loan's page: session, user, group, the loan and what it loads, the fund...


def test_a_write_off_posted_again_with_its_form_token_is_already_posted(loan, leader):
    key = uuid.uuid4()
    entry = services.loan_write_off(loan=loan, date=TODAY, reason="เก็บไม่ได้", user=leader, request_key=key, today=TODAY)
    with pytest.raises(AlreadyPosted) as already:
        services.loan_write_off(loan=loan, date=TODAY, reason="เก็บไม่ได้", user=leader, request_key=key, today=TODAY)
    assert already.value.existing == entry


def test_no_repayment_is_recorded_on_a_loan_written_off_not_even_dated_before_it(loan, leader, today):
    # Written off on 10 June with 600 owed; a May sheet posted afterwards (dated 5 May) brings a
    # repayment: taken, the loan would owe less than nothing.
    _write_off(loan, leader)
    with pytest.raises(ValidationError) as refused:
        _sheet(loan.group, leader, MAY, {loan.pk: Decimal("206")})
    assert refused.value.code == "written_off"
    assert not LoanEntry.objects.filter(loan=loan, kind__in=["principal", "interest"]).exists()
    assert not loan.group.sheets.filter(month=MAY).exists()  # nothing of the month was saved


def test_a_loan_written_off_no_longer_stops_the_erasure_of_its_borrower(loan, leader, today):
    from network.personal_data import erasure_blockers

    borrower = loan.member.person
    assert any("600.00" in reason for reason in erasure_blockers(borrower))
    _write_off(loan, leader)
    assert not any("600.00" in reason for reason in erasure_blockers(borrower))


def test_the_portfolio_kept_in_the_cache_is_read_again_after_every_new_loan_row(
    loan, leader, today, django_assert_num_queries
):
    group = loan.group
    first = selectors.loan_portfolio(TODAY, [group])
    assert (first.outstanding, first.at_risk) == (Decimal("600.00"), Decimal("600.00"))
    with django_assert_num_queries(1):  # the last loan row and rescheduling: nothing new, kept
        assert selectors.loan_portfolio(TODAY, [group]) == first
    _sheet(group, leader, MAR, {loan.pk: Decimal("206")})
    assert selectors.loan_portfolio(TODAY, [group]).outstanding == Decimal("400.00")
    services.loan_reschedule(loan=loan, from_month=JUN, months=4, reason="ผู้กู้ตกงาน", user=leader, today=TODAY)
    assert selectors.loan_portfolio(TODAY, [group]).at_risk == 0  # late no more
    _write_off(loan, leader)
    assert selectors.loan_portfolio(TODAY, [group]).outstanding == 0


def test_a_late_month_costs_the_loans_fine_which_the_sheet_takes_first(group_a, leader, today):
    # The rules' fine, 10 baht, is copied onto the loan: a later change of the rules leaves it.
    loan = _lent(group_a, leader, late_fine=Decimal("10"))
    assert loan.late_fine == Decimal("10.00")
    # March's instalment (206) repaid at March's meeting; April's not repaid by April's end.
    _sheet(group_a, leader, MAR, {loan.pk: Decimal("206")})
    assert _position(loan, datetime.date(2022, 4, 30)).fines_owed == 0  # April has not ended
    may = _position(loan, datetime.date(2022, 5, 1))
    assert (may.late_months, may.fines_owed) == (1, Decimal("10.00"))
    # May's sheet asks for the fine, then April's and May's instalments: 10 + 206 + 206.
    page = client_for(leader).get(reverse("groups:sheet", args=[group_a.pk, "2565-05"]))
    assert page.context["form"].initial[f"repay_{loan.pk}"] == Decimal("422.00")
    assert_no_english(page)
    # 100 repaid: the fine first, then interest, then principal.
    sheet = _sheet(group_a, leader, MAY, {loan.pk: Decimal("100")})
    rows = {e.kind: e.amount for e in LoanEntry.objects.filter(sheet=sheet)}
    assert rows == {"fine": Decimal("10.00"), "interest": Decimal("12.00"), "principal": Decimal("78.00")}
    june = _position(loan, TODAY)
    # April and May ended unpaid in full: two fines charged, one paid.
    assert (june.late_months, june.fines_paid, june.fines_owed) == (2, Decimal("10.00"), Decimal("10.00"))
    fund = selectors.group_fund(group_a, TODAY)
    assert fund.fines == Decimal("10.00") and fund.balances
    # A repayment beyond what it owes, fines and this month's interest included, is refused.
    too_much = june.outstanding + june.owed_by(JUN)[1] + june.fines_owed + Decimal("0.01")
    with pytest.raises(ValueError):
        selectors.repayment_split(june, JUN, too_much)


def test_a_loan_made_without_a_fine_is_never_fined(loan, leader, today):
    assert loan.late_fine == 0
    assert (_position(loan, TODAY).late_months, _position(loan, TODAY).fines_owed) == (0, 0)

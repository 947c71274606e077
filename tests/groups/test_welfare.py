"""The group's costs and its welfare payouts (issue 17): a cost is paid from the cash and lowers the
year's profit; welfare is paid by a kind in the group's rules, to a member of long enough
standing, approved by another officer, from the welfare fund the year-end share-out fills (0
until a year is closed) and never beyond the cash. Each is posted once, corrected by a reversal
once, never dated in a closed year; and the fund's identity holds through all of it."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import selectors, services, welfare
from groups.models import FundEntry, GroupRules, GroupStatus, Member, Officer, ShareOut, YearEnd
from songkhla_network.append_only import AlreadyPosted
from songkhla_network.models import Person, Role
from tests.factories import FOUNDED_ON, client_for, make_group, make_user
from tests.helpers import assert_no_english, at_once

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = datetime.date(2022, 1, 1), datetime.date(2022, 2, 1), datetime.date(2022, 3, 1)
TODAY = datetime.date(2022, 3, 15)
SHARES = {"dividend": 50, "interest_refund": 20, "welfare_fund": 10, "committee": 10, "reserve": 5, "community": 5}
KINDS = {
    "funeral": {"amount": Decimal("500"), "months_of_membership": 0},
    "illness": {"amount": Decimal("300"), "months_of_membership": 2},
}


@pytest.fixture
def group(db, leader):
    """Four members since 5 December 2564 who saved 100 a month in December – February (1,200
    baht of cash), a fifth who joined on 15 January 2565 and saved nothing; the group's rules
    from January 2565 (funeral 500 baht from joining, illness 300 baht after 2 months); two
    officers: member 4 (the chair) and someone who is no member."""
    group = make_group("กลุ่มสวัสดิการ", "ชุมชนสวัสดิการ", members=4)
    for month in (datetime.date(2021, 12, 1), JAN, FEB):
        services.sheet_post(
            group=group,
            month=month,
            paid_on=month.replace(day=5),
            amounts={m.pk: Decimal("100") for m in group.members.all()},
            user=leader,
        )
    services.member_join(
        group=group,
        joined_on=datetime.date(2022, 1, 15),
        first_month=JAN,
        commitment=Decimal("100"),
        new_person={"first_name": "สมาชิกใหม่", "last_name": "สวัสดิการ"},
        today=datetime.date(2022, 1, 15),
    )
    services.rules_change(
        group=group,
        from_month=JAN,
        terms={"year_ends_in": 12, "late_fine": Decimal("0"), "note": "", **SHARES},
        loan_kinds={},
        welfare_kinds=KINDS,
        user=leader,
        today=JAN,
    )
    chair = _members(group)[3]
    Officer.objects.create(group=group, person=chair.person, position=Officer.Position.CHAIR, since=FOUNDED_ON)
    outsider = Person.objects.create(first_name="กรรมการ", last_name="นอกกลุ่ม", community=group.community)
    Officer.objects.create(group=group, person=outsider, position=Officer.Position.COMMITTEE, since=FOUNDED_ON)
    return group


def _members(group):
    return list(group.members.order_by("number"))


def _officers(group):
    """(the chair, who is member 4; the committee member, who is no member)."""
    return tuple(Officer.objects.filter(group=group).order_by("pk")[:2])


def _year_end(
    group, leader, *, welfare_fund, closes_on=datetime.date(2021, 12, 31), posted_on=datetime.date(2022, 1, 10)
):
    """A year closed, made here directly (the year-end service is not this test's): its whole
    profit given to the welfare fund, nothing paid out in cash."""
    zero = Decimal("0")
    return YearEnd.objects.create(
        group=group,
        rules=GroupRules.objects.filter(group=group).first(),
        first_month=closes_on.replace(month=1, day=1),
        last_month=closes_on.replace(day=1),
        closes_on=closes_on,
        posted_on=posted_on,
        interest=zero,
        fines=zero,
        costs=zero,
        written_off=zero,
        brought_forward=zero,
        profit=Decimal(welfare_fund),
        dividend=zero,
        interest_refund=zero,
        welfare_fund=Decimal(welfare_fund),
        committee=zero,
        reserve=zero,
        community=zero,
        shares_paid_as=ShareOut.SAVINGS,
        posted_by=leader,
    )


def _pay(group, leader, member=None, **changes):
    chair, committee = _officers(group)
    return welfare.welfare_pay(
        **{
            "member": member or _members(group)[0],
            "purpose": "funeral",
            "date": datetime.date(2022, 3, 10),
            "approved_by": committee,
            "user": leader,
            "today": TODAY,
            **changes,
        }
    )


def _cost(group, leader, **changes):
    return welfare.cost_pay(
        **{
            "group": group,
            "date": datetime.date(2022, 3, 5),
            "amount": Decimal("150"),
            "what_for": "ค่าเครื่องเขียน",
            "user": leader,
            "today": TODAY,
            **changes,
        }
    )


def _codes(error):
    """The codes of a ValidationError, by field (None for what names no field)."""
    if hasattr(error, "error_dict"):
        return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}
    return {None: [e.code for e in error.error_list]}


# The welfare fund: empty until a year-end fills it.


def test_no_welfare_is_paid_while_the_welfare_fund_is_empty_before_any_year_end(group, leader):
    assert selectors.group_fund(group, TODAY).welfare == 0
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader)
    assert refused.value.code == "welfare_fund"
    assert "0" in refused.value.messages[0]
    assert not FundEntry.objects.exists()


def test_welfare_is_paid_by_its_kinds_amount_from_the_welfare_fund_and_the_cash(group, leader):
    _year_end(group, leader, welfare_fund="1000")
    before = selectors.group_fund(group, TODAY)
    paid = _pay(group, leader, what_for="งานศพบิดา")
    assert (paid.kind, paid.amount, paid.welfare_purpose, paid.member, paid.what_for) == (
        "welfare",
        Decimal("500.00"),
        "funeral",
        _members(group)[0],
        "งานศพบิดา",
    )
    after = selectors.group_fund(group, TODAY)
    assert after.welfare == before.welfare - 500 == Decimal("500.00")
    assert after.cash == before.cash - 500
    assert after.undistributed == before.undistributed  # welfare is the welfare fund's, not the year's profit
    assert before.balances and after.balances
    # The day before it was paid, the fund was as before.
    assert selectors.group_fund(group, datetime.date(2022, 3, 9)).welfare == Decimal("1000.00")


def test_no_more_welfare_is_paid_than_the_welfare_fund_holds(group, leader):
    _year_end(group, leader, welfare_fund="400")
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader)  # a funeral: 500
    assert refused.value.code == "welfare_fund" and "400.00" in refused.value.messages[0]
    _pay(group, leader, purpose="illness")  # 300 of the 400
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader, member=_members(group)[1], purpose="illness")
    assert refused.value.code == "welfare_fund" and "100.00" in refused.value.messages[0]
    assert FundEntry.objects.count() == 1


def test_welfare_paid_on_a_day_before_the_year_end_filled_the_fund_is_refused(group, leader):
    _year_end(group, leader, welfare_fund="1000", posted_on=datetime.date(2022, 3, 12))
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader, date=datetime.date(2022, 3, 11))
    assert refused.value.code == "welfare_fund"
    _pay(group, leader, date=datetime.date(2022, 3, 12))


def test_no_welfare_nor_cost_is_paid_beyond_the_cash(group, leader):
    _year_end(group, leader, welfare_fund="1000")
    for member in _members(group)[:4]:  # the savers take their 300 each out: no cash is left
        services.withdrawal_post(member=member, date=MAR, amount=Decimal("300"), reason="", user=leader)
    assert selectors.fund_cash(group, TODAY) == 0
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader)
    assert refused.value.code == "cash"
    with pytest.raises(ValidationError) as refused:
        _cost(group, leader)
    assert _codes(refused.value) == {"amount": ["cash"]}
    assert not FundEntry.objects.exists()


# Who may have it.


def test_a_member_qualifies_after_whole_months_of_membership(group, leader):
    """Joined 15 January 2565; illness welfare needs 2 months: from 15 March, not the 14th."""
    _year_end(group, leader, welfare_fund="1000")
    new = _members(group)[4]
    assert welfare.qualifies_on(new, 2) == datetime.date(2022, 3, 15)
    day_before = datetime.date(2022, 3, 14)
    assert [k.purpose for k in welfare.kinds_for(new, day_before)] == ["funeral"]
    assert sorted(k.purpose for k in welfare.kinds_for(new, TODAY)) == ["funeral", "illness"]
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader, member=new, purpose="illness", date=day_before)
    assert _codes(refused.value) == {"member": ["too_new"]}
    assert not FundEntry.objects.exists()
    assert _pay(group, leader, member=new, purpose="illness", date=TODAY).amount == Decimal("300.00")


@pytest.mark.parametrize(
    ("joined", "months", "qualifies"),
    [
        (datetime.date(2022, 1, 31), 1, datetime.date(2022, 2, 28)),  # February has no 31st
        (datetime.date(2022, 1, 31), 2, datetime.date(2022, 3, 31)),
        (datetime.date(2021, 12, 5), 0, datetime.date(2021, 12, 5)),
        (datetime.date(2021, 11, 30), 3, datetime.date(2022, 2, 28)),
        (datetime.date(2023, 12, 29), 2, datetime.date(2024, 2, 29)),
    ],
)
def test_whole_months_of_membership_end_on_the_day_of_joining_or_the_months_last_day(joined, months, qualifies):
    assert welfare.qualifies_on(Member(joined_on=joined), months) == qualifies


def test_a_member_who_has_left_is_refused(group, leader):
    _year_end(group, leader, welfare_fund="1000")
    three = _members(group)[2]
    services.member_leave(member=three, left_on=datetime.date(2022, 3, 10), user=leader, today=TODAY)
    three.refresh_from_db()
    assert welfare.kinds_for(three, datetime.date(2022, 3, 11)) == []
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader, member=three, date=datetime.date(2022, 3, 11))
    assert _codes(refused.value) == {"member": ["not_member"]}
    assert not FundEntry.objects.exists()


def test_a_member_cannot_approve_their_own_welfare_nor_an_officer_out_of_office_or_of_another_group(group, leader):
    _year_end(group, leader, welfare_fund="1000")
    chair, committee = _officers(group)
    four = _members(group)[3]
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader, member=four, approved_by=chair)
    assert _codes(refused.value) == {"approved_by": ["own"]}
    # The same person in another office is still the member.
    again = Officer.objects.create(
        group=group, person=four.person, position=Officer.Position.TREASURER, since=FOUNDED_ON
    )
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader, member=four, approved_by=again)
    assert _codes(refused.value) == {"approved_by": ["own"]}
    gone = Officer.objects.create(
        group=group,
        person=_members(group)[1].person,
        position=Officer.Position.SECRETARY,
        since=FOUNDED_ON,
        until=datetime.date(2022, 2, 28),
    )
    other_group = make_group("กลุ่มอื่น", "ชุมชนอื่น", members=1)
    stranger = Officer.objects.create(
        group=other_group, person=other_group.members.get().person, position=Officer.Position.CHAIR, since=FOUNDED_ON
    )
    for officer in (gone, stranger):
        with pytest.raises(ValidationError) as refused:
            _pay(group, leader, member=four, approved_by=officer)
        assert _codes(refused.value) == {"approved_by": ["officer"]}
    assert not FundEntry.objects.exists()
    assert _pay(group, leader, member=four, approved_by=committee).approved_by == committee


def test_welfare_the_rules_do_not_offer_is_refused(group, leader):
    _year_end(group, leader, welfare_fund="1000")
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader, purpose="birth")
    assert _codes(refused.value) == {"purpose": ["kind"]}
    assert not FundEntry.objects.exists()


def test_welfare_before_the_groups_first_rules_is_refused(group, leader):
    with pytest.raises(ValidationError) as refused:
        _pay(group, leader, date=datetime.date(2021, 12, 20))  # the rules are from January
    assert refused.value.code == "no_rules"
    assert not FundEntry.objects.exists()


def test_the_kinds_a_member_qualifies_for_follow_the_rules_of_the_days_month(group, leader):
    services.rules_change(
        group=group,
        from_month=datetime.date(2022, 4, 1),
        terms={"year_ends_in": 12, "late_fine": Decimal("0"), "note": "", **SHARES},
        loan_kinds={},
        welfare_kinds={"birth": {"amount": Decimal("200"), "months_of_membership": 0}},
        user=leader,
        today=TODAY,
    )
    one = _members(group)[0]
    assert sorted(k.purpose for k in welfare.kinds_for(one, TODAY)) == ["funeral", "illness"]
    assert [k.purpose for k in welfare.kinds_for(one, datetime.date(2022, 4, 1))] == ["birth"]
    assert welfare.kinds_for(one, datetime.date(2021, 12, 20)) == []


# The days a payment may be dated.


@pytest.mark.parametrize(
    ("date", "code"),
    [
        (datetime.date(2022, 3, 16), "future"),
        (datetime.date(2021, 12, 4), "before_founding"),
    ],
)
def test_a_payment_is_dated_from_the_founding_to_today(group, leader, date, code):
    with pytest.raises(ValidationError) as refused:
        _cost(group, leader, date=date)
    assert _codes(refused.value) == {"date": [code]}
    assert not FundEntry.objects.exists()


def test_a_dormant_group_pays_nothing(group, leader):
    services.group_status_change(group=group, status=GroupStatus.DORMANT, date=MAR, today=MAR)
    with pytest.raises(ValidationError) as refused:
        _cost(group, leader)
    assert _codes(refused.value) == {"date": ["inactive"]}
    _cost(group, leader, date=datetime.date(2022, 2, 28))  # still active then


def test_nothing_is_paid_or_reversed_in_a_closed_year(group, leader):
    cost = _cost(group, leader, date=datetime.date(2021, 12, 20), today=datetime.date(2021, 12, 20))
    _year_end(group, leader, welfare_fund="0")
    with pytest.raises(ValidationError) as refused:
        _cost(group, leader, date=datetime.date(2021, 12, 31))
    assert _codes(refused.value) == {"date": ["closed_year"]}
    with pytest.raises(ValidationError) as refused:
        welfare.fund_entry_reverse(entry=cost, date=datetime.date(2021, 12, 28), reason="ผิด", user=leader, today=TODAY)
    assert _codes(refused.value) == {"date": ["closed_year"]}
    # The database refuses it too, whatever calls it.
    with pytest.raises(DatabaseError), transaction.atomic():
        FundEntry.objects.create(
            group=group, kind="cost", date=datetime.date(2021, 12, 31), amount=1, what_for="x", posted_by=leader
        )
    assert FundEntry.objects.count() == 1
    # Corrected in the open year, on a day of it.
    back = welfare.fund_entry_reverse(entry=cost, date=JAN.replace(day=3), reason="ผิด", user=leader, today=TODAY)
    assert back.amount == Decimal("-150.00")


# Costs.


def test_a_cost_lowers_the_cash_and_the_profit_not_shared_out_and_the_identity_holds(group, leader):
    before = selectors.group_fund(group, TODAY)
    cost = _cost(group, leader)
    after = selectors.group_fund(group, TODAY)
    assert (cost.kind, cost.amount, cost.what_for, cost.member, cost.approved_by) == (
        "cost",
        Decimal("150.00"),
        "ค่าเครื่องเขียน",
        None,
        None,
    )
    assert after.cash == before.cash - 150 == Decimal("1050.00")
    assert after.undistributed == before.undistributed - 150 == Decimal("-150.00")
    assert (after.savings, after.welfare, after.costs) == (before.savings, before.welfare, Decimal("150.00"))
    assert after.balances and after.total == after.savings + after.welfare + after.reserve + after.undistributed
    # A money row: the database itself refuses to change or delete it.
    for sql in ("UPDATE groups_fundentry SET amount = 1 WHERE id = %s", "DELETE FROM groups_fundentry WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [cost.pk])


def test_a_cost_says_what_it_was_for(group, leader):
    with pytest.raises(ValidationError) as refused:
        _cost(group, leader, what_for="  ")
    assert _codes(refused.value) == {"what_for": ["what_for"]}
    assert not FundEntry.objects.exists()


def test_a_form_posts_once_by_its_request_key(group, leader):
    _year_end(group, leader, welfare_fund="1000")
    key = uuid.uuid4()
    first = _cost(group, leader, request_key=key)
    with pytest.raises(AlreadyPosted) as again:
        _cost(group, leader, request_key=key)
    assert again.value.existing == first
    other = uuid.uuid4()
    paid = _pay(group, leader, request_key=other)
    with pytest.raises(AlreadyPosted) as again:
        _pay(group, leader, request_key=other)
    assert again.value.existing == paid
    assert FundEntry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_costs_at_once_cannot_both_take_the_same_cash(leader):
    group = make_group("กลุ่มพร้อมกัน", "ชุมชนพร้อมกัน", members=2)
    services.sheet_post(
        group=group,
        month=FEB,
        paid_on=FEB.replace(day=5),
        amounts={m.pk: Decimal("500") for m in group.members.all()},
        user=leader,
    )

    def pay(barrier):
        barrier.wait()
        try:
            welfare.cost_pay(group=group, date=MAR, amount=Decimal("600"), what_for="ค่าประชุม", user=leader, today=TODAY)
        except ValidationError:
            return "refused"
        return "paid"

    assert sorted(at_once(2, pay)) == ["paid", "refused"]
    assert selectors.fund_cash(group, TODAY) == Decimal("400.00")


# Reversals.


def test_a_reversal_restores_the_fund_once_and_is_never_reversed(group, leader):
    _year_end(group, leader, welfare_fund="1000")
    before = selectors.group_fund(group, TODAY)
    cost, paid = _cost(group, leader), _pay(group, leader)
    for row in (cost, paid):
        with pytest.raises(ValidationError) as refused:
            welfare.fund_entry_reverse(entry=row, date=TODAY, reason=" ", user=leader, today=TODAY)
        assert _codes(refused.value) == {"reason": ["reason"]}
        for day in (row.date - datetime.timedelta(days=1), TODAY + datetime.timedelta(days=1)):
            with pytest.raises(ValidationError) as refused:
                welfare.fund_entry_reverse(entry=row, date=day, reason="ผิด", user=leader, today=TODAY)
            assert _codes(refused.value) == {"date": ["date"]}
    back = welfare.fund_entry_reverse(entry=paid, date=TODAY, reason="จ่ายผิดคน", user=leader, today=TODAY)
    assert (back.kind, back.amount, back.member, back.welfare_purpose, back.approved_by, back.reverses) == (
        "welfare",
        Decimal("-500.00"),
        paid.member,
        "funeral",
        paid.approved_by,
        paid,
    )
    welfare.fund_entry_reverse(entry=cost, date=TODAY, reason="พิมพ์ผิด", user=leader, today=TODAY)
    after = selectors.group_fund(group, TODAY)
    assert (after.cash, after.welfare, after.undistributed) == (before.cash, before.welfare, before.undistributed)
    assert after.balances
    with pytest.raises(AlreadyPosted) as again:
        welfare.fund_entry_reverse(entry=paid, date=TODAY, reason="ซ้ำ", user=leader, today=TODAY)
    assert again.value.existing == back
    with pytest.raises(ValidationError) as refused:
        welfare.fund_entry_reverse(entry=back, date=TODAY, reason="กลับอีก", user=leader, today=TODAY)
    assert refused.value.code == "reversal"
    assert FundEntry.objects.count() == 4
    # The list says which were reversed, newest first.
    rows = welfare.fund_entries(group)
    assert [(r.amount, r.is_reversed) for r in rows] == [
        (Decimal("-150.00"), False),
        (Decimal("-500.00"), False),
        (Decimal("500.00"), True),
        (Decimal("150.00"), True),
    ]
    # As of the day before the reversals, nothing was reversed.
    assert [r.is_reversed for r in welfare.fund_entries(group, datetime.date(2022, 3, 14))] == [False, False]


def test_a_members_welfare_for_the_passbook(group, leader):
    _year_end(group, leader, welfare_fund="2000")
    one, two = _members(group)[:2]
    first = _pay(group, leader, member=one, what_for="โรงพยาบาลสงขลา", purpose="illness")
    second = _pay(group, leader, member=one, date=TODAY)
    _pay(group, leader, member=two, purpose="illness")
    welfare.fund_entry_reverse(entry=first, date=TODAY, reason="ซ้ำ", user=leader, today=TODAY)
    received = welfare.welfare_of(one)
    assert [(w.pk, w.is_reversed) for w in received] == [(first.pk, True), (second.pk, False)]
    html = render_to_string("groups/_welfare_received.jinja", {"welfare": received})
    assert "โรงพยาบาลสงขลา" in html and "500.00" in html and 'class="reversed"' in html
    assert render_to_string("groups/_welfare_received.jinja", {"welfare": []}).strip() == ""


# The pages.


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return TODAY


@pytest.fixture
def treasurer(group):
    user = make_user("treasurer_welfare", Role.TREASURER)
    group.treasurers.add(user)
    return user


def test_the_fund_page_shows_the_fund_its_identity_and_the_payments_in_thai(group, leader, staff, today):
    _year_end(group, leader, welfare_fund="1000")
    cost, paid = _cost(group, leader), _pay(group, leader)
    welfare.fund_entry_reverse(entry=cost, date=TODAY, reason="พิมพ์ผิด", user=leader, today=TODAY)
    url = reverse("groups:fund", args=[group.pk])
    page = client_for(leader).get(url)
    assert page.status_code == 200
    assert_no_english(page)
    text = page.content.decode()
    fund = page.context["fund"]
    assert fund == selectors.group_fund(group, TODAY) and fund.balances and "✓" in text
    assert fund.welfare == Decimal("500.00") and "ค่าเครื่องเขียน" in text and "พิมพ์ผิด" in text
    reverse_links = [link for _row, link in page.context["rows"] if link]
    assert reverse_links == [reverse("groups:fund_reverse", args=[group.pk, paid.pk])]
    # On a day past, the fund as it stood then, nothing to reverse from there.
    past = client_for(leader).get(url, {"date": "14/3/2565"})
    assert [(row.pk, row.is_reversed, link) for row, link in past.context["rows"]] == [
        (paid.pk, False, ""),
        (cost.pk, False, ""),
    ]
    assert reverse("groups:cost_pay", args=[group.pk]) in text
    # Staff read it, without the buttons and links that post.
    read_only = client_for(staff).get(url)
    assert_no_english(read_only)
    assert not [link for _row, link in read_only.context["rows"] if link]
    assert reverse("groups:cost_pay", args=[group.pk]) not in read_only.content.decode()
    group_page = client_for(staff).get(reverse("groups:detail", args=[group.pk]))
    assert url in group_page.content.decode()


@pytest.mark.parametrize("given", ["5/3/2565", "2565-03-05", "2022-03-05", "5 มี.ค. 2565"])
def test_the_fund_page_is_shown_on_a_day_given_in_be_or_iso(group, leader, today, given):
    _cost(group, leader, date=datetime.date(2022, 3, 6))
    page = client_for(leader).get(reverse("groups:fund", args=[group.pk]), {"date": given})
    assert page.context["day"] == datetime.date(2022, 3, 5)
    assert page.context["fund"].costs == 0 and page.context["rows"] == []


@pytest.mark.parametrize("given", ["31/2/2565", "2022-02-31", "พรุ่งนี้", "16/3/2565"])
def test_a_wrong_day_on_the_fund_page_is_told_beside_it_and_today_shown(group, leader, today, given):
    page = client_for(leader).get(reverse("groups:fund", args=[group.pk]), {"date": given})
    assert page.status_code == 200
    assert page.context["form"].errors["date"]
    assert page.context["day"] == TODAY
    assert_no_english(page)


def test_the_fund_pages_queries_do_not_grow_with_its_rows(group, leader, treasurer, today):
    _year_end(group, leader, welfare_fund="1000")
    _cost(group, leader)
    client = client_for(treasurer)
    url = reverse("groups:fund", args=[group.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one_row:
        client.get(url)
    for day in range(1, 6):
        row = _cost(group, leader, date=datetime.date(2022, 3, day), amount=Decimal("10"))
        welfare.fund_entry_reverse(entry=row, date=TODAY, reason="ผิด", user=leader, today=TODAY)
    _pay(group, leader, approved_by=_officers(group)[0])
    _pay(group, leader, member=_members(group)[1], purpose="illness")
    with CaptureQueriesContext(connection) as many_rows:
        response = client.get(url)
    assert len(response.context["rows"]) == 13
    assert len(many_rows) == len(one_row), [q["sql"] for q in many_rows]


@pytest.mark.parametrize("name", ["groups:cost_pay", "groups:welfare_pay"])
def test_staff_may_not_post_to_the_fund(group, staff, name):
    client = client_for(staff)
    url = reverse(name, args=[group.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"amount": "10", "what_for": "x", "date": "1/3/2565"}).status_code == 403
    assert not FundEntry.objects.exists()


def test_the_treasurer_records_a_cost_on_the_form_once(group, treasurer, today):
    client = client_for(treasurer)
    url = reverse("groups:cost_pay", args=[group.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert_no_english(page)
    data = {"request_key": str(uuid.uuid4()), "date": "10/3/2565", "amount": "1,150.50", "what_for": "ค่าประชุม"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the second tap posts nothing more
    [cost] = FundEntry.objects.all()
    assert (cost.amount, cost.date, cost.posted_by) == (Decimal("1150.50"), datetime.date(2022, 3, 10), treasurer)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"what_for": ""}, "what_for"),
        ({"amount": "หนึ่งร้อย"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1200.01"}, "amount"),  # beyond the cash
        ({"date": "16/3/2565"}, "date"),
        ({"date": "1/12/2564"}, "date"),  # before the founding
        ({"date": "2022-03-01"}, "date"),
    ],
)
def test_a_wrong_cost_is_told_beside_its_box_in_thai_and_writes_nothing(group, treasurer, today, changes, field):
    data = {"request_key": str(uuid.uuid4()), "date": "10/3/2565", "amount": "100", "what_for": "ค่าประชุม", **changes}
    response = client_for(treasurer).post(reverse("groups:cost_pay", args=[group.pk]), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert_no_english(response)
    assert not FundEntry.objects.exists()


def _welfare_data(group, **changes):
    chair, committee = _officers(group)
    return {
        "request_key": str(uuid.uuid4()),
        "member": str(_members(group)[0].pk),
        "purpose": "funeral",
        "approved_by": str(committee.pk),
        "date": "10/3/2565",
        "what_for": "",
        **changes,
    }


def test_the_welfare_form_offers_current_members_the_kinds_in_force_and_the_officers_in_office(
    group, leader, treasurer, today
):
    _year_end(group, leader, welfare_fund="1000")
    three = _members(group)[2]
    services.member_leave(member=three, left_on=datetime.date(2022, 3, 10), user=leader, today=TODAY)
    page = client_for(treasurer).get(reverse("groups:welfare_pay", args=[group.pk]))
    assert page.status_code == 200
    assert_no_english(page)
    form = page.context["form"]
    assert three not in form.fields["member"].queryset and len(form.fields["member"].queryset) == 4
    assert [value for value, _label in form.fields["purpose"].choices] == ["", "funeral", "illness"]
    assert list(form.fields["approved_by"].queryset) == list(selectors.officers_in_office(group, TODAY))


def test_the_treasurer_pays_welfare_on_the_form(group, leader, treasurer, today):
    _year_end(group, leader, welfare_fund="1000")
    client = client_for(treasurer)
    url = reverse("groups:welfare_pay", args=[group.pk])
    response = client.post(url, _welfare_data(group, what_for="งานศพมารดา"))
    assert response.status_code == 302
    [paid] = FundEntry.objects.all()
    assert (paid.amount, paid.member, paid.welfare_purpose) == (Decimal("500.00"), _members(group)[0], "funeral")
    passbook = client.get(reverse("groups:passbook", args=[group.pk, paid.member_id]))
    assert passbook.status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"approved_by": "own"}, "approved_by"),  # member 4 approving their own
        ({"member": "new", "purpose": "illness", "date": "14/3/2565"}, "member"),  # joined 15 Jan
        ({"purpose": "birth"}, "purpose"),
        ({"member": "999999"}, "member"),
        ({"approved_by": "999999"}, "approved_by"),
        ({"date": "16/3/2565"}, "date"),
    ],
)
def test_a_wrong_welfare_payout_is_told_beside_its_box_in_thai_and_writes_nothing(
    group, leader, treasurer, today, changes, field
):
    _year_end(group, leader, welfare_fund="1000")
    chair, _committee = _officers(group)
    four, new = _members(group)[3:]
    if changes.get("approved_by") == "own":
        changes = {"member": str(four.pk), "approved_by": str(chair.pk)}
    if changes.get("member") == "new":
        changes = {**changes, "member": str(new.pk)}
    response = client_for(treasurer).post(
        reverse("groups:welfare_pay", args=[group.pk]), _welfare_data(group, **changes)
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert_no_english(response)
    assert not FundEntry.objects.exists()


def test_an_empty_welfare_fund_is_said_on_the_form_and_on_posting(group, treasurer, today):
    client = client_for(treasurer)
    url = reverse("groups:welfare_pay", args=[group.pk])
    page = client.get(url)
    assert 'id="welfare-fund-empty"' in page.content.decode()
    response = client.post(url, _welfare_data(group))
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["welfare_fund"]
    assert_no_english(response)
    assert not FundEntry.objects.exists()


def test_a_payment_is_reversed_on_its_page_once(group, leader, treasurer, today):
    cost = _cost(group, leader)
    client = client_for(treasurer)
    url = reverse("groups:fund_reverse", args=[group.pk, cost.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert_no_english(page)
    refused = client.post(url, {"date": "15/3/2565", "reason": ""})
    assert refused.status_code == 200 and list(refused.context["form"].errors) == ["reason"]
    assert_no_english(refused)
    early = client.post(url, {"date": "4/3/2565", "reason": "ผิด"})
    assert list(early.context["form"].errors) == ["date"]
    assert FundEntry.objects.count() == 1
    assert client.post(url, {"date": "15/3/2565", "reason": "พิมพ์ผิด"}).status_code == 302
    assert client.get(url).status_code == 302  # reversed already: back to the fund
    back = FundEntry.objects.get(reverses=cost)
    assert client.get(reverse("groups:fund_reverse", args=[group.pk, back.pk])).status_code == 302
    assert FundEntry.objects.count() == 2
    assert client_for(leader).get(reverse("groups:fund_reverse", args=[group.pk, 999999])).status_code == 404

"""Terms that change over time: a member's commitment is a dated series, a group's life a dated
series of steps, and one rule (groups.selectors.months_due) says when a month's commitment falls
due: once the month is over, for the months the member was in the group at the month's end while
the group was active, at the commitment in force in that month. Changing a term from a month never
changes a figure of a month before it — on the group page, the sheets and the passbook, and over
random histories."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups import selectors, services
from groups.models import Commitment, GroupStatus, GroupStatusChange, Member, SavingsGroup
from songkhla_network.thai import add_months, be_month_slug, month_start
from tests.factories import make_group
from tests.helpers import rolled_back

pytestmark = pytest.mark.django_db

DEC, JAN, FEB, MAR, APR, MAY = (datetime.date(2021, 12, 1), *(datetime.date(2022, m, 1) for m in range(1, 6)))


def due(member, as_of):
    member = type(member).objects.get(pk=member.pk)
    return [(m.month, m.commitment) for m in selectors.months_due(member, as_of)]


@pytest.fixture
def member(group_a):
    return group_a.members.get(number=1)


# The rule.


def test_a_month_falls_due_once_it_is_over(member):
    # Joined 5 December 2564: December is due from 1 January 2565, not before.
    assert due(member, datetime.date(2021, 12, 31)) == []
    assert due(member, datetime.date(2022, 1, 1)) == [(DEC, Decimal("100.00"))]
    assert due(member, datetime.date(2022, 2, 28)) == [(DEC, Decimal("100.00")), (JAN, Decimal("100.00"))]


def test_each_month_owes_the_commitment_in_force_in_it(member):
    services.commitment_change(member=member, from_month=FEB, amount=Decimal("250"), today=datetime.date(2022, 1, 20))
    services.commitment_change(member=member, from_month=APR, amount=Decimal("50"), today=datetime.date(2022, 1, 20))
    assert due(member, MAY) == [
        (DEC, Decimal("100.00")),
        (JAN, Decimal("100.00")),
        (FEB, Decimal("250.00")),
        (MAR, Decimal("250.00")),
        (APR, Decimal("50.00")),
    ]


def test_months_in_which_the_group_was_dormant_are_not_due(group_a, member):
    services.group_status_change(
        group=group_a, status=GroupStatus.DORMANT, date=datetime.date(2022, 1, 20), today=datetime.date(2022, 1, 20)
    )
    services.group_status_change(
        group=group_a, status=GroupStatus.REVIVED, date=datetime.date(2022, 3, 10), today=datetime.date(2022, 3, 10)
    )
    # Dormant at the end of January and February; revived by the end of March.
    assert [month for month, _ in due(member, MAY)] == [DEC, MAR, APR]


def test_a_month_before_the_member_joined_or_before_their_first_commitment_is_not_due(group_a):
    late = services.member_join(
        group=group_a,
        new_person={"first_name": "มาใหม่", "last_name": "ใจดี"},
        joined_on=datetime.date(2022, 1, 28),
        first_month=datetime.date(2022, 2, 1),
        commitment=Decimal("300"),
        today=datetime.date(2022, 1, 28),
    )
    assert due(late, MAY) == [(FEB, Decimal("300.00")), (MAR, Decimal("300.00")), (APR, Decimal("300.00"))]


def test_the_month_a_member_leaves_and_those_after_are_not_due(member, leader):
    services.member_leave(
        member=member, left_on=datetime.date(2022, 3, 2), user=leader, today=datetime.date(2022, 3, 2)
    )
    assert [month for month, _ in due(member, MAY)] == [DEC, JAN, FEB]


def test_a_member_who_joins_on_the_last_day_owes_that_month(group_a):
    late = services.member_join(
        group=group_a,
        new_person={"first_name": "สิ้นเดือน", "last_name": "ใจดี"},
        joined_on=datetime.date(2022, 1, 31),
        first_month=JAN,
        commitment=Decimal("100"),
        today=datetime.date(2022, 1, 31),
    )
    assert due(late, FEB) == [(JAN, Decimal("100.00"))]


# On the pages: the passbook no longer counts the current month before it is over.


def this_month():
    return month_start(timezone.localdate())


@pytest.fixture
def paid_up(client, leader):
    """A group founded three months ago whose member paid every month that is over, and nothing yet
    for this one."""
    founded = add_months(this_month(), -3)
    group = make_group("กลุ่มจ่ายครบ", "ชุมชนจ่ายครบ", members=1, founded_on=founded)
    member = group.members.get()
    for k in range(3):
        month = add_months(founded, k)
        services.deposit_post(member=member, month=month, date=month, amount=Decimal("100"), user=leader)
    client.force_login(leader)
    return member


def test_the_passbook_group_page_and_sheet_owe_nothing_for_a_month_not_yet_over(client, paid_up):
    group = paid_up.group
    passbook = client.get(reverse("groups:passbook", args=[group.pk, paid_up.pk]))
    assert passbook.context["arrears"] == Decimal("0.00")
    group_page = client.get(reverse("groups:detail", args=[group.pk]))
    assert group_page.context["total_arrears"] == Decimal("0.00")
    sheet = client.get(reverse("groups:sheet", args=[group.pk, be_month_slug(this_month())]))
    (row,) = sheet.context["members"]
    assert (row.arrears, row.arrears_before) == (Decimal("0.00"), Decimal("0.00"))
    # Each page says how: the rule, in Thai.
    for response in (passbook, group_page, sheet):
        assert "สิ้นเดือน" in response.content.decode()


def page_figures(client, member):
    """Every arrears figure the pages show for the member's group: the group page, the passbook,
    and the sheet of each month since the group was founded."""
    group = member.group
    figures = {}
    detail = client.get(reverse("groups:detail", args=[group.pk])).context
    figures["group page"] = (detail["total_arrears"], [(m.pk, m.arrears, m.balance) for m in detail["members"]])
    passbook = client.get(reverse("groups:passbook", args=[group.pk, member.pk])).context
    figures["passbook"] = (passbook["arrears"], passbook["balance"])
    month = month_start(group.status_changes.get().date)
    while month < this_month():
        sheet = client.get(reverse("groups:sheet", args=[group.pk, be_month_slug(month)])).context
        figures[f"sheet {month}"] = [(m.pk, m.arrears, m.arrears_before, m.paid_to_date) for m in sheet["members"]]
        month = add_months(month, 1)
    return figures


@pytest.mark.parametrize("amount", ["250", "40"])
@pytest.mark.parametrize("offset", [0, 1])
def test_raising_or_lowering_a_commitment_changes_no_figure_of_an_earlier_month_on_any_page(
    client, leader, paid_up, amount, offset
):
    group = paid_up.group
    behind = services.member_join(
        group=group,
        new_person={"first_name": "ค้าง", "last_name": "จ่าย"},
        joined_on=paid_up.joined_on,
        first_month=month_start(paid_up.joined_on),
        commitment=Decimal("100"),
        today=paid_up.joined_on,
    )
    before = page_figures(client, paid_up)
    assert before["group page"][0] == Decimal("300.00")  # the member behind owes the three months that are over
    for member in (paid_up, behind):
        url = reverse("groups:commitment", args=[group.pk, member.pk])
        month = add_months(this_month(), offset)
        response = client.post(url, {"from_month_0": month.month, "from_month_1": month.year + 543, "amount": amount})
        assert response.status_code == 302
    assert page_figures(client, paid_up) == before
    assert selectors.commitment_in_force(behind, add_months(this_month(), offset)) == Decimal(amount)


# Over random histories: terms changed from the month they are changed in (or later) leave every
# figure of the months before it as it was.

MONTHS = [add_months(DEC, k) for k in range(8)]  # December 2564 – July 2565

event = st.one_of(
    st.tuples(st.just("deposit"), st.integers(1, 2), st.integers(0, 3), st.sampled_from(["50", "100", "150", "300"])),
    st.tuples(st.just("change"), st.integers(1, 2), st.integers(0, 2), st.sampled_from(["50", "100", "200", "350"])),
    st.tuples(st.just("step"), st.just(0), st.just(0), st.just("")),
    st.tuples(st.just("leave"), st.integers(1, 2), st.just(0), st.just("")),
)
# Each month of the history: what happens in it, in order.
histories = st.lists(st.lists(event, max_size=4), min_size=len(MONTHS), max_size=len(MONTHS))


def figures_of_months(group, months, today):
    """Every member's figures for each of `months`, as the pages read them on `today`: the sheets
    of the months before, and the group page and passbooks (this month; its commitment aside, which
    a change from this month is meant to change)."""
    figures = {}
    for month in months:
        members = selectors.members_with_money(group, month=month, today=today)
        figures[month] = [(m.pk, m.arrears, m.arrears_before, m.paid_to_date) for m in members]
        if month < month_start(today):
            figures[month] += [(m.pk, m.commitment) for m in members]
    return figures


@given(history=histories)
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_term_changed_from_a_month_never_changes_a_figure_of_the_months_before(group_a, leader, history):
    with rolled_back():
        group = group_a
        members = {m.number: m for m in group.members.all()}
        for index, events in enumerate(history):
            month = MONTHS[index]
            today = month.replace(day=15)
            for kind, number, k, amount in events:
                member = type(members[1]).objects.get(pk=members[number].pk) if number else None
                if kind == "deposit":
                    if member.left_on is None and group.status_on(today) in (GroupStatus.FOUNDED, GroupStatus.REVIVED):
                        paid_for = MONTHS[max(0, index - k)]
                        services.deposit_post(
                            member=member, month=paid_for, date=today, amount=Decimal(amount), user=leader
                        )
                    continue
                earlier = MONTHS[:index]
                before = figures_of_months(group, [*earlier, month], today)
                if kind == "change":
                    if member.left_on is not None:
                        continue
                    try:
                        services.commitment_change(
                            member=member, from_month=add_months(month, k), amount=Decimal(amount), today=today
                        )
                    except ValidationError:
                        continue  # the same amount as before
                elif kind == "step":
                    last = group.status_changes.order_by("-date").first()
                    if last.date >= today:
                        continue
                    following = GroupStatus.REVIVED if last.status == GroupStatus.DORMANT else GroupStatus.DORMANT
                    services.group_status_change(group=group, status=following, date=today, today=today)
                elif kind == "leave":
                    if member.left_on is not None or member.entries.filter(date__gt=today).exists():
                        continue
                    services.member_leave(member=member, left_on=today, user=leader, today=today)
                after = figures_of_months(group, [*earlier, month], today)
                # The month the change is made in is not over: what is owed today stays too.
                assert after == before, (kind, number, month)


# The rule month by month, against due_spans' stretches; and the months due on a day read from a
# later day's spans (members_with_money works a member's spans out once for both its figures).

START = datetime.date(2020, 1, 1)
offsets = st.integers(0, 40)


@st.composite
def member_terms(draw):
    """An unsaved member with their commitments and their group's steps loaded, as with_terms
    leaves them, and a day to read their dues on."""
    joined = draw(offsets)
    left = draw(st.none() | st.integers(joined, 44))
    group = SavingsGroup(name="ทดสอบ")
    steps = sorted(draw(st.lists(st.tuples(offsets, st.integers(1, 28), st.sampled_from(GroupStatus.values)))))
    setattr(
        group,
        selectors._STEPS,
        [GroupStatusChange(date=add_months(START, k).replace(day=d), status=s) for k, d, s in steps],
    )
    member = Member(group=group, joined_on=add_months(START, joined).replace(day=draw(st.integers(1, 28))))
    if left is not None:
        member.left_on = add_months(START, left).replace(day=draw(st.integers(1, 28)))
    promises = draw(st.dictionaries(offsets, st.sampled_from([Decimal("50"), Decimal("100.50"), Decimal("300")])))
    setattr(
        member,
        selectors._COMMITMENTS,
        [Commitment(from_month=add_months(START, k), amount=a) for k, a in sorted(promises.items())],
    )
    as_of = add_months(START, draw(st.integers(0, 48))).replace(day=draw(st.integers(1, 28)))
    return member, as_of, draw(st.integers(0, 400))


def due_month_by_month(member, as_of):
    """The rule read month by month: each month over by `as_of` that the member belonged to the
    group at its end, the group active then, at the commitment in force in it."""
    total, month = Decimal(0), START
    while add_months(month, 1) <= as_of:
        end = add_months(month, 1) - datetime.timedelta(days=1)
        steps = [step.status for step in getattr(member.group, selectors._STEPS) if step.date <= end]
        promised = [c.amount for c in getattr(member, selectors._COMMITMENTS) if c.from_month <= month]
        belongs = member.joined_on <= end and (member.left_on is None or member.left_on > end)
        if belongs and steps and steps[-1] in selectors.ACTIVE_STATUSES and promised:
            total += promised[-1]
        month = add_months(month, 1)
    return total


@given(member_terms())
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_the_months_due_are_the_rule_month_by_month_and_read_alike_from_a_later_day(terms):
    member, as_of, later = terms
    due_now = selectors.commitment_due(member, as_of)
    assert due_now == due_month_by_month(member, as_of)
    later_spans = selectors.due_spans(member, as_of + datetime.timedelta(days=later))
    assert selectors.commitment_due(member, as_of, later_spans) == due_now

"""Membership at the meeting: a member joins (a new person or one already in the records), changes
their commitment from a month, leaves with their savings paid out, or moves to another group with
their savings carried across. Each is one service in one transaction, each page is POST-only for
its write and redirects after success, and what is wrong is said in Thai beside its field."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from groups import selectors, services
from groups.models import Commitment, EntryKind, GroupStatus, LedgerEntry, Member
from songkhla_network.models import Person
from songkhla_network.thai import add_months, be_month_slug, month_start
from tests.factories import make_group
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = month_start(TODAY)
NEXT_MONTH = add_months(THIS_MONTH, 1)
LAST_MONTH = add_months(THIS_MONTH, -1)


def month_fields(name, month):
    return {f"{name}_0": str(month.month), f"{name}_1": str(month.year + 543)}


def be(day):
    return f"{day.day}/{day.month}/{day.year + 543}"


def add_url(group):
    return reverse("groups:member_add", args=[group.pk])


def url(name, member):
    return reverse(f"groups:{name}", args=[member.group_id, member.pk])


def key(client, page_url):
    return client.get(page_url).context["form"]["request_key"].value()


@pytest.fixture
def saver(group_a, leader):
    """Member 1 of group A with 300 baht saved: three months of 100."""
    member = group_a.members.get(number=1)
    for month in (datetime.date(2021, 12, 1), datetime.date(2022, 1, 1), datetime.date(2022, 2, 1)):
        services.deposit_post(member=member, month=month, date=month.replace(day=5), amount=Decimal("100"), user=leader)
    return member


# Joining.


def test_a_treasurer_adds_a_new_person_with_the_next_number_and_the_groups_commitment(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    page = client.get(add_url(group_a))
    form = page.context["form"]
    assert form["number"].value() == 4 and form["commitment"].value() == Decimal("100.00")
    assert form["first_month"].value() == THIS_MONTH
    assert_no_english(page)
    data = {
        "title": "นาง",
        "first_name": "สมใจ",
        "last_name": "ใหม่",
        "phone": "0812345678",
        "number": "4",
        "joined_on": be(TODAY),
        "commitment": "๑๕๐",
        **month_fields("first_month", THIS_MONTH),
    }
    response = client.post(add_url(group_a), data)
    member = group_a.members.get(number=4)
    assert response.status_code == 302 and response["Location"] == url("passbook", member)
    assert (member.person.full_name, member.person.phone, member.person.community) == (
        "นางสมใจ ใหม่",
        "0812345678",
        group_a.community,
    )
    assert list(member.commitments.values_list("from_month", "amount")) == [(THIS_MONTH, Decimal("150.00"))]
    assert member.history.get().history_user == treasurer_a
    assert member.commitments.get().history.get().history_user == treasurer_a


def test_someone_already_in_the_communitys_records_is_found_by_name_and_added(client, group_a, group_b, treasurer_a):
    known = Person.objects.create(first_name="มาลี", last_name="ศรีสุข", community=group_a.community)
    Person.objects.create(first_name="มาลี", last_name="ต่างถิ่น", community=group_b.community)
    member_already = group_a.members.get(number=1).person
    client.force_login(treasurer_a)
    found = client.get(add_url(group_a), {"q": "มาลี"}).context["found"]
    assert found == [known]
    # A current member is not offered again.
    assert client.get(add_url(group_a), {"q": member_already.first_name}).context["found"] == []
    data = {"q": "มาลี", "person": known.pk, "number": "4", "joined_on": be(TODAY), "commitment": "100"}
    response = client.post(add_url(group_a), {**data, **month_fields("first_month", THIS_MONTH)})
    assert response.status_code == 302
    assert group_a.members.get(number=4).person == known
    assert Person.objects.filter(first_name="มาลี").count() == 2  # nobody new


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"number": "2"}, "number"),  # taken
        ({"first_name": "", "last_name": ""}, "first_name"),  # nobody named
        ({"commitment": "0"}, "commitment"),
        ({"commitment": "abc"}, "commitment"),
        ({"joined_on": "1/1/2022"}, "joined_on"),  # a C.E. year
        ({**month_fields("first_month", LAST_MONTH)}, "first_month"),  # a month already over
        ({"person": "999999"}, "person"),
    ],
)
def test_a_wrong_join_is_shown_beside_its_field_and_nothing_is_written(client, group_a, treasurer_a, changes, field):
    client.force_login(treasurer_a)
    data = {
        "first_name": "สมใจ",
        "last_name": "ใหม่",
        "number": "4",
        "joined_on": be(TODAY),
        "commitment": "100",
        **month_fields("first_month", THIS_MONTH),
        **changes,
    }
    people, members = Person.objects.count(), Member.objects.count()
    response = client.post(add_url(group_a), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert (Person.objects.count(), Member.objects.count()) == (people, members)
    assert_no_english(response)


def test_choosing_someone_and_typing_a_new_name_is_refused(client, group_a, treasurer_a):
    known = Person.objects.create(first_name="มาลี", last_name="ศรีสุข", community=group_a.community)
    client.force_login(treasurer_a)
    data = {"person": known.pk, "first_name": "อื่น", "last_name": "อีก", "number": "4", "joined_on": be(TODAY)}
    response = client.post(add_url(group_a), {**data, "commitment": "100", **month_fields("first_month", THIS_MONTH)})
    assert response.context["form"].non_field_errors()
    assert not group_a.members.filter(number=4).exists()


def test_a_member_who_left_may_join_again_with_a_new_number(group_a, leader):
    member = group_a.members.get(number=1)
    services.member_leave(member=member, left_on=TODAY, user=leader)
    again = services.member_join(
        group=group_a, person=member.person, joined_on=TODAY, first_month=THIS_MONTH, commitment=Decimal("100")
    )
    assert again.number == 4 and again.pk != member.pk
    with pytest.raises(ValidationError):
        services.member_join(
            group=group_a, person=member.person, joined_on=TODAY, first_month=THIS_MONTH, commitment=Decimal("100")
        )


def test_the_database_keeps_one_current_membership_per_person_and_group(group_a):
    member = group_a.members.get(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(group=group_a, person=member.person, number=9, joined_on=TODAY)


# A new commitment.


def test_a_commitment_changed_from_next_month_leaves_this_month_and_earlier_as_they_were(client, saver, treasurer_a):
    client.force_login(treasurer_a)
    page = client.get(url("commitment", saver))
    assert page.context["form"]["from_month"].value() == NEXT_MONTH
    response = client.post(url("commitment", saver), {**month_fields("from_month", NEXT_MONTH), "amount": "200"})
    assert response.status_code == 302 and response["Location"] == url("passbook", saver)
    assert list(saver.commitments.values_list("from_month", "amount")) == [
        (datetime.date(2021, 12, 1), Decimal("100.00")),
        (NEXT_MONTH, Decimal("200.00")),
    ]
    assert Commitment.history.filter(member=saver, history_user=treasurer_a).count() == 1


@pytest.mark.parametrize(
    "data, field",
    [
        ({**month_fields("from_month", LAST_MONTH), "amount": "200"}, "from_month"),
        ({**month_fields("from_month", NEXT_MONTH), "amount": "100"}, "amount"),  # already 100
        ({**month_fields("from_month", NEXT_MONTH), "amount": "-5"}, "amount"),
        ({"from_month_0": "13", "from_month_1": "2565", "amount": "200"}, "from_month"),
    ],
)
def test_a_wrong_commitment_change_is_refused_beside_its_field(client, saver, treasurer_a, data, field):
    client.force_login(treasurer_a)
    response = client.post(url("commitment", saver), data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert saver.commitments.count() == 1


def test_a_second_change_from_the_same_month_replaces_the_first(saver):
    services.commitment_change(member=saver, from_month=NEXT_MONTH, amount=Decimal("200"))
    services.commitment_change(member=saver, from_month=NEXT_MONTH, amount=Decimal("250"))
    assert list(saver.commitments.values_list("from_month", "amount")) == [
        (datetime.date(2021, 12, 1), Decimal("100.00")),
        (NEXT_MONTH, Decimal("250.00")),
    ]


def test_the_database_refuses_a_commitment_from_the_middle_of_a_month_or_of_nothing(saver):
    for fields in ({"from_month": NEXT_MONTH.replace(day=2), "amount": 100}, {"from_month": NEXT_MONTH, "amount": 0}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Commitment.objects.create(member=saver, **fields)


# Leaving.


def test_a_member_leaves_with_their_savings_paid_out_in_the_same_step(client, saver, treasurer_a):
    client.force_login(treasurer_a)
    page = client.get(url("leave", saver))
    assert "300.00" in page.content.decode()
    assert_no_english(page)
    response = client.post(url("leave", saver), {"left_on": be(TODAY), "request_key": key(client, url("leave", saver))})
    assert response.status_code == 302 and response["Location"] == url("passbook", saver)
    saver.refresh_from_db()
    assert saver.left_on == TODAY
    payout = saver.entries.get(kind=EntryKind.WITHDRAWAL)
    assert (payout.amount, payout.date, payout.posted_by) == (Decimal("-300.00"), TODAY, treasurer_a)
    assert selectors.member_with_money(saver).balance == 0


def test_a_member_with_nothing_saved_leaves_without_a_withdrawal(group_a, leader):
    member = group_a.members.get(number=2)
    assert services.member_leave(member=member, left_on=TODAY, user=leader) is None
    member.refresh_from_db()
    assert member.left_on == TODAY and not member.entries.exists()


def test_a_leaving_posted_twice_leaves_and_pays_out_once(client, saver, treasurer_a):
    client.force_login(treasurer_a)
    data = {"left_on": be(TODAY), "request_key": key(client, url("leave", saver))}
    assert client.post(url("leave", saver), data).status_code == 302
    assert client.post(url("leave", saver), data).status_code == 302
    assert saver.entries.filter(kind=EntryKind.WITHDRAWAL).count() == 1
    with pytest.raises(services.AlreadyPosted):
        services.member_leave(member=saver, left_on=TODAY, user=treasurer_a, request_key=data["request_key"])


@pytest.mark.parametrize("day", [LAST_MONTH, TODAY + datetime.timedelta(days=1), datetime.date(2021, 12, 1)])
def test_leaving_on_a_day_of_a_month_already_over_or_to_come_is_refused(client, saver, treasurer_a, day):
    client.force_login(treasurer_a)
    response = client.post(url("leave", saver), {"left_on": be(day), "request_key": key(client, url("leave", saver))})
    assert response.status_code == 200 and response.context["form"].errors["left_on"]
    saver.refresh_from_db()
    assert saver.left_on is None and saver.entries.count() == 3


def test_after_leaving_no_deposit_is_taken_and_the_member_is_off_the_sheet(client, saver, leader):
    services.member_leave(member=saver, left_on=TODAY, user=leader)
    with pytest.raises(ValidationError):
        services.deposit_post(member=saver, month=THIS_MONTH, date=TODAY, amount=Decimal("100"), user=leader)
    with pytest.raises(ValidationError):
        services.sheet_post(
            group=saver.group, month=THIS_MONTH, paid_on=TODAY, amounts={saver.pk: Decimal("100")}, user=leader
        )
    client.force_login(leader)
    sheet = client.get(reverse("groups:sheet", args=[saver.group_id, be_month_slug(THIS_MONTH)]))
    assert saver.pk not in [member.pk for member, _box in sheet.context["form"].member_rows()]
    assert f'name="amount_{saver.pk}"' not in sheet.content.decode()
    detail = client.get(reverse("groups:detail", args=[saver.group_id])).context
    assert saver.pk not in [m.pk for m in detail["members"]]
    assert saver.pk in [m.pk for m in detail["former_members"]]
    # Their pages offer nothing more to change.
    assert client.get(url("commitment", saver)).status_code == 302
    assert client.get(url("leave", saver)).status_code == 302


# Moving to another group: leaders only.


@pytest.fixture
def moved(saver, group_b, leader):
    return services.member_move(member=saver, to_group=group_b, date=TODAY, user=leader, request_key=uuid.uuid4())


def test_a_move_carries_the_balance_across_by_two_rows_that_name_each_other(saver, group_b, moved):
    saver.refresh_from_db()
    assert saver.left_on == TODAY and moved.group == group_b and moved.joined_on == TODAY
    assert moved.number == 4 and moved.person == saver.person
    out = saver.entries.get(kind=EntryKind.WITHDRAWAL)
    into = moved.entries.get()
    assert (out.amount, into.amount, into.kind, into.transfer_of, out.transferred_to) == (
        Decimal("-300.00"),
        Decimal("300.00"),
        EntryKind.DEPOSIT,
        out,
        into,
    )
    assert list(moved.commitments.values_list("from_month", "amount")) == [(THIS_MONTH, Decimal("100.00"))]


def test_what_a_move_carries_across_is_no_saving_and_owes_no_levy(saver, group_b, moved):
    levies = selectors.levies_by_group_and_month(THIS_MONTH, THIS_MONTH, groups=[group_b])
    assert levies == []
    assert selectors.month_deposits(group_b, [THIS_MONTH])[THIS_MONTH].total == 0
    figures = selectors.member_with_money(moved)
    assert (figures.balance, figures.paid_to_date) == (Decimal("300.00"), Decimal("0.00"))


def test_the_rows_of_a_move_are_not_reversed_on_their_own(saver, moved, leader):
    for entry in (saver.entries.get(kind=EntryKind.WITHDRAWAL), moved.entries.get()):
        with pytest.raises(ValidationError):
            services.entry_reverse(entry=entry, date=TODAY, reason="ผิด", user=leader)


def test_the_database_keeps_a_carried_balance_a_deposit_in_full(saver, moved, leader):
    out = saver.entries.get(kind=EntryKind.WITHDRAWAL)
    other = LedgerEntry.objects.exclude(pk=out.pk).filter(kind=EntryKind.DEPOSIT, transfer_of__isnull=True).first()
    for fields in (
        {"kind": EntryKind.WITHDRAWAL, "amount": Decimal("-5"), "transfer_of": other},
        {"kind": EntryKind.DEPOSIT, "amount": Decimal("5"), "transfer_of": out},  # carried across once
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEntry.objects.create(
                group=moved.group, member=moved, month=THIS_MONTH, date=TODAY, posted_by=leader, **fields
            )


def test_a_leader_moves_a_member_from_the_passbook_and_a_double_tap_moves_once(client, saver, group_b, leader):
    client.force_login(leader)
    page = client.get(url("move", saver))
    assert list(page.context["form"].fields["to_group"].queryset) == [group_b]
    assert_no_english(page)
    data = {
        "to_group": group_b.pk,
        "date": be(TODAY),
        "number": "",
        "commitment": "120",
        "request_key": page.context["form"]["request_key"].value(),
    }
    response = client.post(url("move", saver), data)
    moved = Member.objects.get(group=group_b, person=saver.person)
    assert response.status_code == 302 and response["Location"] == url("passbook", moved)
    assert client.post(url("move", saver), data).status_code == 302
    assert Member.objects.filter(person=saver.person).count() == 2
    assert LedgerEntry.objects.filter(transfer_of__isnull=False).count() == 1
    assert moved.commitments.get().amount == Decimal("120.00")


def test_treasurers_and_staff_cannot_move_members(personas, saver, group_b):
    for persona in ("treasurer_a", "treasurer_b", "staff", "collector"):
        assert personas[persona].get(url("move", saver)).status_code == 403
        response = personas[persona].post(url("move", saver), {"to_group": group_b.pk, "date": be(TODAY)})
        assert response.status_code == 403
    assert not Member.objects.filter(group=group_b, person=saver.person).exists()


@pytest.mark.parametrize("problem", ["same group", "dormant group", "number taken"])
def test_a_wrong_move_is_refused_and_nothing_is_written(client, saver, group_b, leader, problem):
    target = group_b
    data = {"date": be(TODAY), "commitment": "100", "number": ""}
    if problem == "same group":
        target = saver.group
    elif problem == "dormant group":
        services.group_status_change(group=group_b, status=GroupStatus.DORMANT, date=TODAY)
    else:
        data["number"] = "1"
    client.force_login(leader)
    data |= {"to_group": target.pk, "request_key": key(client, url("move", saver))}
    response = client.post(url("move", saver), data)
    assert response.status_code == 200 and response.context["form"].errors
    saver.refresh_from_db()
    assert saver.left_on is None and saver.entries.count() == 3
    assert not Member.objects.filter(group=group_b, person=saver.person).exists()


# The pages: POST-only writes, each persona's answer.


@pytest.mark.parametrize("name", ["member_add", "commitment", "leave"])
def test_those_who_may_not_change_membership_cannot(personas, group_a, saver, name):
    page = add_url(group_a) if name == "member_add" else url(name, saver)
    expected = {"treasurer_b": 404, "staff": 403, "collector": 403}
    for persona, status in expected.items():
        assert personas[persona].get(page).status_code == status
        assert personas[persona].post(page, {"first_name": "x", "left_on": be(TODAY)}).status_code == status
    anonymous = personas["anonymous"].post(page, {})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    saver.refresh_from_db()
    assert saver.left_on is None and group_a.members.count() == 3 and saver.commitments.count() == 1


def test_opening_a_membership_page_writes_nothing(client, saver, group_b, leader):
    client.force_login(leader)
    before = (Member.objects.count(), Commitment.objects.count(), LedgerEntry.objects.count())
    for page in (add_url(saver.group), url("commitment", saver), url("leave", saver), url("move", saver)):
        assert client.get(page).status_code == 200
    assert (Member.objects.count(), Commitment.objects.count(), LedgerEntry.objects.count()) == before


@pytest.mark.parametrize("members", [3, 30])
def test_the_membership_pages_take_a_fixed_number_of_queries(client, leader, django_assert_max_num_queries, members):
    group = make_group("กลุ่มนับ", "ชุมชนนับ", members=members)
    make_group("กลุ่มอื่น", "ชุมชนอื่น", members=members)
    member = group.members.get(number=1)
    client.force_login(leader)
    for page in (add_url(group) + "?q=สมาชิก", url("commitment", member), url("leave", member), url("move", member)):
        with django_assert_max_num_queries(12):
            assert client.get(page).status_code == 200

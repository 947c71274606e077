"""The leaders' admin: Thai, B.E. dates, history kept; money rows read-only; and what money depends
on — a member's group, dates and commitments, a group's status steps — read-only, each with a link
to the page that changes it. Each refused change is posted as the admin form would post it, and
nothing is written."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from groups import services
from groups.models import Commitment, GroupStatus, GroupStatusChange, LedgerEntry, Member, SavingsGroup
from songkhla_network.models import Community, Person, Role
from songkhla_network.thai import month_start
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(group_a, leader):
    return services.deposit_post(
        member=group_a.members.first(),
        month=datetime.date(2021, 12, 1),
        date=datetime.date(2021, 12, 5),
        amount=Decimal("100"),
        user=leader,
    )


def test_money_rows_are_read_only_in_the_admin(client, leader, entry):
    client.force_login(leader)
    assert client.get(reverse("admin:groups_ledgerentry_changelist")).status_code == 200
    assert client.get(reverse("admin:groups_ledgerentry_add")).status_code == 403
    response = client.post(reverse("admin:groups_ledgerentry_change", args=[entry.pk]), {"amount": "5"})
    assert response.status_code in (200, 403)
    assert client.post(reverse("admin:groups_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    changelist = client.post(
        reverse("admin:groups_ledgerentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("100.00")


def test_a_national_id_with_a_wrong_check_digit_is_refused(client, leader):
    client.force_login(leader)
    response = client.post(
        reverse("admin:songkhla_network_person_add"),
        {"first_name": "ทดสอบ", "last_name": "บัตร", "national_id": "1103702296122"},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["national_id"]
    assert not Person.objects.filter(first_name="ทดสอบ").exists()


def test_a_ce_year_in_the_admin_gets_a_thai_message_and_writes_nothing(client, leader, group_a):
    client.force_login(leader)
    officers_before = group_a.officers.count()
    person = group_a.members.first().person
    data = group_form(client, group_a, officers=[{"person": person.pk, "position": "chair", "since": "1/2/2022"}])
    response = client.post(change_url(group_a), data)
    assert response.status_code == 200
    (officers,) = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "officers"]
    assert "2565" in str(officers.formset.forms[0].errors["since"])
    assert group_a.officers.count() == officers_before


def test_the_admin_takes_be_dates_and_keeps_history(client, leader, group_a):
    client.force_login(leader)
    person = group_a.members.first().person
    data = group_form(client, group_a, officers=[{"person": person.pk, "position": "chair", "since": "1/2/2565"}])
    response = client.post(change_url(group_a), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    officer = group_a.officers.get()
    assert officer.since == datetime.date(2022, 2, 1)
    assert officer.history.get().history_user == leader


def test_the_admin_lists_show_be_dates(client, leader, entry):
    client.force_login(leader)
    response = client.get(reverse("admin:groups_ledgerentry_changelist"))
    assert "2564" in response.content.decode() and "2021" not in response.content.decode()


def test_the_admin_lists_show_amounts_with_separators(client, leader, group_a):
    services.deposit_post(
        member=group_a.members.first(),
        month=datetime.date(2021, 12, 1),
        date=datetime.date(2021, 12, 5),
        amount=Decimal("1500"),
        user=leader,
    )
    client.force_login(leader)
    assert "1,500.00" in client.get(reverse("admin:groups_ledgerentry_changelist")).content.decode()


# A member: their group, dates and commitments are the savings services' to change.


def member_url(member):
    return reverse("admin:groups_member_change", args=[member.pk])


def test_members_are_not_added_or_deleted_in_the_admin_but_from_the_group_page(client, leader, group_a):
    client.force_login(leader)
    person = Person.objects.create(first_name="ใหม่", last_name="สมาชิก", community=group_a.community)
    response = client.post(
        reverse("admin:groups_member_add"),
        {"group": group_a.pk, "person": person.pk, "number": 50, "joined_on": "1/2/2565", "commitment": "1,000"},
    )
    assert response.status_code == 403
    assert not Member.objects.filter(person=person).exists()
    member = group_a.members.first()
    assert client.post(reverse("admin:groups_member_delete", args=[member.pk]), {"post": "yes"}).status_code == 403
    assert Member.objects.filter(pk=member.pk).exists()
    # The group's admin page sends the leader to the group's page to add members.
    page = client.get(change_url(group_a)).content.decode()
    assert reverse("groups:detail", args=[group_a.pk]) in page


def test_a_members_group_dates_person_and_commitment_cannot_be_changed_in_the_admin(client, leader, group_a, group_b):
    member = group_a.members.get(number=1)
    before = (member.group_id, member.person_id, member.joined_on, member.left_on)
    client.force_login(leader)
    page = client.get(member_url(member))
    assert set(page.context["adminform"].form.fields) == {"number"}
    response = client.post(
        member_url(member),
        {
            "number": "1",
            "group": group_b.pk,
            "person": group_b.members.first().person_id,
            "joined_on": "1/1/2560",
            "left_on": "1/1/2565",
            "commitment": "999",
            "commitments-TOTAL_FORMS": "1",
            "commitments-INITIAL_FORMS": "0",
            "commitments-0-from_month": "2021-12-01",
            "commitments-0-amount": "999",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.group_id, member.person_id, member.joined_on, member.left_on) == before
    assert list(member.commitments.values_list("from_month", "amount")) == [
        (datetime.date(2021, 12, 1), Decimal("100.00"))
    ]
    assert Commitment.objects.count() == 6


def test_the_member_page_shows_the_commitments_and_links_to_the_pages_that_change_them(client, leader, group_a):
    member = group_a.members.get(number=1)
    services.commitment_change(
        member=member, from_month=datetime.date(2022, 3, 1), amount=Decimal("200"), today=datetime.date(2022, 3, 2)
    )
    client.force_login(leader)
    page = client.get(member_url(member)).content.decode()
    assert "100.00" in page and "200.00" in page and "มีนาคม 2565" in page
    for name in ("groups:commitment", "groups:leave", "groups:move"):
        assert reverse(name, args=[group_a.pk, member.pk]) in page, name


def test_the_member_number_may_be_corrected_but_not_to_one_taken(client, leader, group_a):
    member = group_a.members.get(number=1)
    client.force_login(leader)
    assert client.post(member_url(member), {"number": "7"}).status_code == 302
    member.refresh_from_db()
    assert member.number == 7
    response = client.post(member_url(member), {"number": "2"})
    assert response.status_code == 200 and response.context["adminform"].form.errors
    member.refresh_from_db()
    assert member.number == 7


# A group's status steps: read-only once saved; a new one only in the order of a group's life.


def change_url(group):
    return reverse("admin:groups_savingsgroup_change", args=[group.pk])


def group_form(client, group, *, new_steps=(), officers=(), existing_steps=None):
    """The group's change form as the admin posts it: the group's fields as they stand, its steps
    as the page shows them (or `existing_steps` typed over them), and new rows."""
    page = client.get(change_url(group))
    assert page.status_code == 200
    data = {
        "name": group.name,
        "community": group.community_id,
        "meeting_day": group.meeting_day or "",
        "default_commitment": str(group.default_commitment),
        "treasurers": [str(pk) for pk in group.treasurers.values_list("pk", flat=True)],
        "note": group.note,
    }
    rows = {"status_changes": [], "status_changes-2": list(new_steps), "officers": list(officers)}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        prefix = formset.prefix
        initial = list(formset.get_queryset())
        extra = rows.get(prefix, [])
        data[f"{prefix}-TOTAL_FORMS"] = str(len(initial) + len(extra))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(initial))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, obj in enumerate(initial):
            data[f"{prefix}-{i}-id"] = str(obj.pk)
            data[f"{prefix}-{i}-group"] = str(group.pk)
            for name, value in ((existing_steps or {}).get(i, {}) if prefix == "status_changes" else {}).items():
                data[f"{prefix}-{i}-{name}"] = value
        for j, row in enumerate(extra, start=len(initial)):
            data[f"{prefix}-{j}-group"] = str(group.pk)
            for name, value in row.items():
                data[f"{prefix}-{j}-{name}"] = value
    return data


def steps(group):
    return list(group.status_changes.order_by("date", "id").values_list("status", "date"))


def test_saved_steps_are_shown_read_only_and_a_changed_one_is_not_written(client, leader, group_a):
    before = steps(group_a)
    client.force_login(leader)
    data = group_form(client, group_a, existing_steps={0: {"status": "dormant", "date": "1/1/2560", "DELETE": "on"}})
    response = client.post(change_url(group_a), data)
    assert response.status_code == 302
    assert steps(group_a) == before


@pytest.mark.parametrize(
    "status, date, field",
    [
        (GroupStatus.REVIVED, None, "status"),  # revived without ever being dormant
        (GroupStatus.FOUNDED, None, "status"),  # founded twice
        (GroupStatus.FORMING, None, "status"),  # back to forming
        (GroupStatus.DORMANT, datetime.date(2021, 12, 1), "date"),  # before the group's last step
    ],
)
def test_a_step_out_of_order_is_refused_beside_its_row_and_nothing_is_written(
    client, leader, group_a, status, date, field
):
    client.force_login(leader)
    date = date or timezone.localdate()
    data = group_form(client, group_a, new_steps=[{"status": status, "date": be_date_input(date), "note": ""}])
    response = client.post(change_url(group_a), data)
    assert response.status_code == 200
    (new,) = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "status_changes-2"]
    assert new.formset.forms[0].errors[field]
    assert steps(group_a) == [(GroupStatus.FOUNDED, datetime.date(2021, 12, 5))]
    assert GroupStatusChange.history.count() == 1


def test_a_step_in_a_month_already_over_is_refused_once_the_group_has_members(client, leader, group_a):
    client.force_login(leader)
    last_month = month_start(month_start(timezone.localdate()) - datetime.timedelta(days=1))
    data = group_form(client, group_a, new_steps=[{"status": "dormant", "date": be_date_input(last_month)}])
    response = client.post(change_url(group_a), data)
    assert response.status_code == 200
    (new,) = [f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "status_changes-2"]
    assert new.formset.forms[0].errors["date"]
    assert steps(group_a) == [(GroupStatus.FOUNDED, datetime.date(2021, 12, 5))]


def test_the_next_steps_in_order_are_added_through_the_service(client, leader, group_a):
    client.force_login(leader)
    today = timezone.localdate()
    first = month_start(today)
    if today == first:
        pytest.skip("needs two days of this month")
    data = group_form(
        client,
        group_a,
        new_steps=[
            {"status": "revived", "date": be_date_input(today)},
            {"status": "dormant", "date": be_date_input(first), "note": "หยุดประชุม"},
        ],
    )
    response = client.post(change_url(group_a), data)
    assert response.status_code == 302
    assert steps(group_a) == [
        (GroupStatus.FOUNDED, datetime.date(2021, 12, 5)),
        (GroupStatus.DORMANT, first),
        (GroupStatus.REVIVED, today),
    ]


def test_a_new_group_may_start_forming_or_founded_but_not_dormant(client, leader):
    client.force_login(leader)
    group = SavingsGroup.objects.create(
        name="กลุ่มใหม่", community=Community.objects.create(name="ชุมชนใหม่"), default_commitment=Decimal("100")
    )
    data = group_form(client, group, new_steps=[{"status": "dormant", "date": "1/1/2565"}])
    assert client.post(change_url(group), data).status_code == 200
    assert steps(group) == []
    data = group_form(client, group, new_steps=[{"status": "forming", "date": "1/1/2565"}])
    assert client.post(change_url(group), data).status_code == 302
    assert steps(group) == [(GroupStatus.FORMING, datetime.date(2022, 1, 1))]


def test_treasurer_logins_are_chosen_by_login_and_name(client, leader, group_a):
    make_user("treasurer_x", Role.TREASURER, first_name="สมศรี", last_name="ใจดี")
    make_user("treasurer_y", Role.TREASURER, first_name="สมศรี", last_name="ใจงาม")
    client.force_login(leader)
    page = client.get(change_url(group_a))
    field = page.context["adminform"].form.fields["treasurers"]
    labels = [label for _value, label in field.choices]
    assert labels == ["treasurer_x — สมศรี ใจดี", "treasurer_y — สมศรี ใจงาม"]
    assert "treasurer_x — สมศรี ใจดี" in page.content.decode()


def be_date_input(day):
    return f"{day.day}/{day.month}/{day.year + 543}"

"""The monthly collection sheet: posts once, all or nothing, and refuses what is wrong."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groups import services
from groups.models import CollectionSheet, LedgerEntry
from songkhla_network.thai import add_months, be_month_slug
from tests.factories import make_group, make_user
from tests.helpers import at_once

pytestmark = pytest.mark.django_db

JANUARY = datetime.date(2022, 1, 1)


def sheet_url(group, month=JANUARY):
    return reverse("groups:sheet", args=[group.pk, be_month_slug(month)])


def sheet_data(group, amounts=None, paid_on="5/1/2565"):
    members = group.members.order_by("number")
    data = {"paid_on": paid_on}
    for member in members:
        data[f"amount_{member.pk}"] = "100" if amounts is None else amounts.get(member.number, "")
    return data


def test_it_prefills_every_active_member_with_their_commitment(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    response = client.get(sheet_url(group_a))
    form = response.context["form"]
    for member in group_a.members.all():
        assert form.box(f"amount_{member.pk}")["value"] == "100.00"  # what its box is written with


def test_it_prefills_the_commitment_in_force_in_the_sheets_month(client, group_a, treasurer_a):
    raised = group_a.members.get(number=2)
    services.commitment_change(
        member=raised, from_month=JANUARY, amount=Decimal("250"), today=datetime.date(2022, 1, 3)
    )
    client.force_login(treasurer_a)
    december = client.get(sheet_url(group_a, datetime.date(2021, 12, 1))).context["form"]
    january = client.get(sheet_url(group_a)).context["form"]
    assert december.box(f"amount_{raised.pk}")["value"] == "100.00"
    assert january.box(f"amount_{raised.pk}")["value"] == "250.00"


def test_it_posts_a_month_in_one_go(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    response = client.post(sheet_url(group_a), sheet_data(group_a, {1: "100", 2: "๑๕๐", 3: ""}))
    assert response.status_code == 302
    sheet = CollectionSheet.objects.get(group=group_a, month=JANUARY)
    rows = sorted((e.member.number, e.amount) for e in sheet.entries.select_related("member"))
    assert rows == [(1, Decimal("100.00")), (2, Decimal("150.00"))]
    assert all(e.posted_by == treasurer_a and e.date == datetime.date(2022, 1, 5) for e in sheet.entries.all())


def test_the_posted_sheet_shows_who_has_not_paid(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    client.post(sheet_url(group_a), sheet_data(group_a, {1: "100", 2: "100", 3: ""}))
    response = client.get(sheet_url(group_a))
    assert [m.number for m in response.context["unpaid"]] == [3]


def test_a_second_submission_of_the_same_sheet_posts_nothing(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    data = sheet_data(group_a)
    client.post(sheet_url(group_a), data)
    response = client.post(sheet_url(group_a), data, follow=True)
    assert LedgerEntry.objects.count() == 3
    assert CollectionSheet.objects.count() == 1
    assert any(m.level_tag == "warning" for m in response.context["messages"])


def test_a_second_phone_posting_the_same_month_posts_nothing(group_a, treasurer_a, leader):
    phone_1, phone_2 = Client(), Client()
    phone_1.force_login(treasurer_a)
    phone_2.force_login(leader)
    phone_1.get(sheet_url(group_a))
    phone_2.get(sheet_url(group_a))
    phone_1.post(sheet_url(group_a), sheet_data(group_a))
    phone_2.post(sheet_url(group_a), sheet_data(group_a, {1: "500", 2: "500", 3: "500"}))
    assert sorted(LedgerEntry.objects.values_list("amount", flat=True)) == [Decimal("100.00")] * 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_sheet_post_once(group_a, treasurer_a):
    """Several phones submit the same sheet at the same moment, on PostgreSQL: one posts, the
    others are told it was posted, none writes a row."""
    assert connection.vendor == "postgresql"

    def submit(barrier):
        client = Client()
        client.force_login(treasurer_a)
        barrier.wait()
        return client.post(sheet_url(group_a), sheet_data(group_a)).status_code

    assert at_once(4, submit) == [302] * 4
    assert CollectionSheet.objects.count() == 1
    assert LedgerEntry.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_sheet_posts_through_the_service_post_once(group_a, treasurer_a):
    amounts = {m.pk: Decimal("100") for m in group_a.members.all()}

    def post(barrier):
        barrier.wait()
        try:
            services.sheet_post(
                group=group_a, month=JANUARY, paid_on=datetime.date(2022, 1, 5), amounts=amounts, user=treasurer_a
            )
        except services.AlreadyPosted:
            return "already"
        return "posted"

    assert sorted(at_once(3, post)) == ["already", "already", "posted"]
    assert LedgerEntry.objects.count() == 3


@pytest.mark.parametrize("typed", ["abc", "-5", "0", "1.234", "12,34,5x"])
def test_a_wrong_amount_is_shown_beside_its_field_and_nothing_is_written(client, group_a, treasurer_a, typed):
    client.force_login(treasurer_a)
    response = client.post(sheet_url(group_a), sheet_data(group_a, {1: "100", 2: typed, 3: "100"}))
    assert response.status_code == 200
    member_2 = group_a.members.get(number=2)
    assert response.context["form"].errors[f"amount_{member_2.pk}"]
    assert not LedgerEntry.objects.exists() and not CollectionSheet.objects.exists()


def test_a_member_of_another_group_slipped_into_the_post_is_refused(client, group_a, group_b, treasurer_a):
    client.force_login(treasurer_a)
    stranger = group_b.members.first()
    data = {**sheet_data(group_a), f"amount_{stranger.pk}": "100"}
    response = client.post(sheet_url(group_a), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not LedgerEntry.objects.exists()


def test_a_member_who_had_not_joined_yet_is_not_on_the_sheet_and_cannot_be_slipped_in(client, group_a, treasurer_a):
    late = services.member_join(
        group=group_a,
        new_person={"first_name": "มาทีหลัง", "last_name": "ใจดี"},
        number=9,
        joined_on=datetime.date(2022, 3, 1),
        first_month=datetime.date(2022, 3, 1),
        commitment=Decimal("100"),
        today=datetime.date(2022, 3, 1),
    )
    client.force_login(treasurer_a)
    response = client.get(sheet_url(group_a))
    assert late not in response.context["members"]
    data = {**sheet_data(group_a), f"amount_{late.pk}": "100"}
    response = client.post(sheet_url(group_a), data)
    assert response.context["form"].non_field_errors()
    assert not LedgerEntry.objects.exists()


def test_a_month_in_the_future_has_no_sheet(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    next_month = add_months(timezone.localdate().replace(day=1), 1)
    response = client.post(sheet_url(group_a, next_month), sheet_data(group_a))
    assert response.status_code == 302
    assert not LedgerEntry.objects.exists()


def test_a_collection_date_in_the_future_is_refused(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    response = client.post(sheet_url(group_a), sheet_data(group_a, paid_on="5/1/2600"))
    assert response.context["form"].errors["paid_on"]
    assert not LedgerEntry.objects.exists()


def test_a_ce_year_typed_for_the_collection_date_is_refused(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    response = client.post(sheet_url(group_a), sheet_data(group_a, paid_on="5/1/2022"))
    assert "2565" in response.context["form"].errors["paid_on"][0]
    assert not LedgerEntry.objects.exists()


def test_a_month_before_the_group_was_founded_has_no_sheet(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    response = client.post(sheet_url(group_a, datetime.date(2021, 11, 1)), sheet_data(group_a, paid_on="5/11/2564"))
    assert response.status_code == 200
    assert not response.context["group_active"]
    assert not LedgerEntry.objects.exists()


def test_a_sheet_with_no_amount_at_all_is_refused(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    response = client.post(sheet_url(group_a), sheet_data(group_a, {}))
    assert response.context["form"].non_field_errors()
    assert not CollectionSheet.objects.exists()


def test_a_garbled_month_in_the_address_is_not_a_server_error(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    for month in ["2022-01", "2565-13", "abc", "9999-99"]:
        response = client.get(reverse("groups:sheet", args=[group_a.pk, month]))
        assert response.status_code == 302


def test_arrears_are_commitment_due_minus_paid_since_joining(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    # Founded 5 Dec 2564: December and January are due (100 each) by the January sheet.
    client.post(
        sheet_url(group_a, datetime.date(2021, 12, 1)), sheet_data(group_a, {1: "100", 2: "50", 3: ""}, "5/12/2564")
    )
    response = client.get(sheet_url(group_a))
    arrears = {m.number: (m.arrears_before, m.arrears) for m in response.context["members"]}
    # (owed from December, owed including January)
    assert arrears == {
        1: (Decimal("0.00"), Decimal("100.00")),
        2: (Decimal("50.00"), Decimal("150.00")),
        3: (Decimal("100.00"), Decimal("200.00")),
    }


def _sheet_queries(django_assert_max_num_queries, client, group, treasurer, limit):
    client.force_login(treasurer)
    with django_assert_max_num_queries(limit):
        assert client.get(sheet_url(group)).status_code == 200
    with django_assert_max_num_queries(limit):
        assert client.post(sheet_url(group), sheet_data(group)).status_code == 302
    with django_assert_max_num_queries(limit):
        assert client.get(sheet_url(group)).status_code == 200


@pytest.mark.parametrize("members", [3, 60])
def test_the_sheet_takes_a_fixed_handful_of_queries_whatever_the_group_size(
    client, django_assert_max_num_queries, members
):
    group = make_group("กลุ่มใหญ่", "ชุมชนใหญ่", members=members)
    treasurer = make_user("treasurer_big", "treasurer")
    group.treasurers.add(treasurer)
    # Session, user, group, access, sheet, members, their commitments, the group's steps, the
    # month's figures; then the posting transaction: the group locked before anything is read (a
    # year-end cannot close around the month), its closed years, and the month-end balances (a
    # read and a write for each of their three tables).
    _sheet_queries(django_assert_max_num_queries, client, group, treasurer, limit=30)
    assert LedgerEntry.objects.count() == members


# Read-only roles read what was posted; the figures of a month are one figure wherever shown.


def test_staff_read_a_posted_sheet_without_its_form_or_payment_buttons(client, group_a, leader, staff):
    services.sheet_post(
        group=group_a,
        month=JANUARY,
        paid_on=datetime.date(2022, 1, 5),
        amounts={m.pk: Decimal("100") for m in group_a.members.all()},
        user=leader,
    )
    client.force_login(staff)
    response = client.get(sheet_url(group_a))
    assert response.status_code == 200
    assert response.templates[0].name == "groups/sheet_posted.jinja"
    assert '<form method="post" id="sheet-form"' not in response.content.decode()
    assert reverse("groups:deposit", args=[group_a.pk, group_a.members.first().pk]) not in response.content.decode()
    assert response.context["figures"].total == Decimal("300.00")
    # The group page links each posted sheet for them too.
    assert sheet_url(group_a) in client.get(reverse("groups:detail", args=[group_a.pk])).content.decode()


def test_staff_see_an_open_month_read_only_and_cannot_post_it(client, group_a, staff):
    client.force_login(staff)
    response = client.get(sheet_url(group_a))
    assert response.status_code == 200 and "form" not in response.context
    assert response.context["posted"] is None
    response = client.post(sheet_url(group_a), sheet_data(group_a))
    assert response.status_code == 403
    assert not CollectionSheet.objects.exists() and not LedgerEntry.objects.exists()


def test_after_a_reversal_the_sheet_list_agrees_with_the_group_total_and_the_sheet(client, group_a, leader, staff):
    amounts = dict(
        zip(group_a.members.order_by("number"), [Decimal("100"), Decimal("150"), Decimal("300")], strict=True)
    )
    sheet = services.sheet_post(
        group=group_a,
        month=JANUARY,
        paid_on=datetime.date(2022, 1, 5),
        amounts={m.pk: a for m, a in amounts.items()},
        user=leader,
    )
    wrong = sheet.entries.get(amount=Decimal("300"))
    services.entry_reverse(entry=wrong, date=datetime.date(2022, 1, 6), reason="บันทึกผิดคน", user=leader)
    client.force_login(staff)

    group_page = client.get(reverse("groups:detail", args=[group_a.pk])).context
    (listed,) = group_page["sheets"]
    assert (listed.figures.paid_count, listed.figures.total) == (2, Decimal("250.00"))
    assert group_page["total_balance"] == Decimal("250.00")

    sheet_page = client.get(sheet_url(group_a)).context
    assert sheet_page["figures"].total == Decimal("250.00")
    assert sheet_page["figures"].paid_count == 2
    assert [m.number for m in sheet_page["unpaid"]] == [3]


def test_a_late_deposit_for_a_posted_month_counts_on_the_list_as_on_the_sheet(client, group_a, leader):
    services.sheet_post(
        group=group_a,
        month=JANUARY,
        paid_on=datetime.date(2022, 1, 5),
        amounts={m.pk: Decimal("100") for m in group_a.members.order_by("number")[:2]},
        user=leader,
    )
    late = group_a.members.get(number=3)
    services.deposit_post(
        member=late, month=JANUARY, date=datetime.date(2022, 1, 20), amount=Decimal("80"), user=leader
    )
    client.force_login(leader)
    (listed,) = client.get(reverse("groups:detail", args=[group_a.pk])).context["sheets"]
    sheet_page = client.get(sheet_url(group_a)).context
    assert (listed.figures.paid_count, listed.figures.total) == (3, Decimal("280.00"))
    assert (sheet_page["figures"].paid_count, sheet_page["figures"].total) == (3, Decimal("280.00"))
    assert sheet_page["unpaid"] == []


def test_the_group_pages_sheet_list_costs_the_same_queries_for_a_year_of_sheets(
    client, group_a, leader, django_assert_num_queries
):
    def post(month):
        services.sheet_post(
            group=group_a,
            month=month,
            paid_on=month + datetime.timedelta(days=4),
            amounts={m.pk: Decimal("100") for m in group_a.members.all()},
            user=leader,
        )

    post(JANUARY)
    client.force_login(leader)
    url = reverse("groups:detail", args=[group_a.pk])
    client.get(url)
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(db) as one_sheet:
        client.get(url)
    for n in range(1, 12):
        post(add_months(JANUARY, n))
    with django_assert_num_queries(len(one_sheet)):
        response = client.get(url)
    assert len(response.context["sheets"]) == 12

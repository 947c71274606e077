"""The leaders' admin: Thai, B.E. dates, history kept, and money rows read-only."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from groups import services
from groups.models import LedgerEntry, Member
from songkhla_network.models import Person

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


def test_the_admin_takes_be_dates_and_keeps_history(client, leader, group_a):
    client.force_login(leader)
    person = Person.objects.create(first_name="ใหม่", last_name="สมาชิก")
    response = client.post(
        reverse("admin:groups_member_add"),
        {"group": group_a.pk, "person": person.pk, "number": 50, "joined_on": "1/2/2565", "commitment": "1,000"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    member = Member.objects.get(number=50)
    assert member.joined_on == datetime.date(2022, 2, 1) and member.commitment == Decimal("1000.00")
    assert member.history.get().history_user == leader


def test_a_ce_year_in_the_admin_gets_a_thai_message_and_writes_nothing(client, leader, group_a):
    client.force_login(leader)
    person = Person.objects.create(first_name="ใหม่", last_name="สมาชิก")
    response = client.post(
        reverse("admin:groups_member_add"),
        {"group": group_a.pk, "person": person.pk, "number": 51, "joined_on": "1/2/2022", "commitment": "100"},
    )
    assert response.status_code == 200
    assert "2565" in str(response.context["adminform"].form.errors["joined_on"])
    assert not Member.objects.filter(number=51).exists()


def test_a_national_id_with_a_wrong_check_digit_is_refused(client, leader):
    client.force_login(leader)
    response = client.post(
        reverse("admin:songkhla_network_person_add"),
        {"first_name": "ทดสอบ", "last_name": "บัตร", "national_id": "1103702296122"},
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors["national_id"]
    assert not Person.objects.filter(first_name="ทดสอบ").exists()


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

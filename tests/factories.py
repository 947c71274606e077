"""Test data, made as the app makes it: through the services wherever a service makes the thing
(a sheet, a receipt, a household), otherwise as the admin would. Each area has its section; a test
asks for what it needs by name."""

import datetime
from decimal import Decimal

from django.test import Client

from groups.models import GroupStatus, GroupStatusChange, Member, SavingsGroup
from songkhla_network.models import Community, Person, User

# People and their logins.

PASSWORD = "a-long-test-password-2565"
FOUNDED_ON = datetime.date(2021, 12, 5)


def make_user(username, role, **extra):
    user = User(username=username, role=role, first_name=extra.pop("first_name", username), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_group(name, community_name, *, members=3, founded_on=FOUNDED_ON, commitment=Decimal("100.00")):
    community = Community.objects.create(name=community_name)
    group = SavingsGroup.objects.create(name=name, community=community, meeting_day=5, default_commitment=commitment)
    GroupStatusChange.objects.create(group=group, status=GroupStatus.FOUNDED, date=founded_on)
    for number in range(1, members + 1):
        person = Person.objects.create(first_name=f"สมาชิก{number}", last_name=name, community=community)
        Member.objects.create(group=group, person=person, number=number, joined_on=founded_on, commitment=commitment)
    return group


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# Savings groups.


# The enterprise.


# Housing.


# Railway-land rent.


# Community works.

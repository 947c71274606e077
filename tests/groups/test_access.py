"""Every savings page × every persona: each gets what it should and no more."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from groups import access, services
from groups.models import SavingsGroup
from songkhla_network.thai import be_month_slug
from tests.factories import make_group
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

PERSONAS = ["leader", "treasurer_a", "treasurer_b", "collector", "staff", "anonymous"]
OK, LOGIN, DENIED, HIDDEN = 200, "login", 403, 404


def _urls(group_a, member_a, entry_a):
    this_month = be_month_slug(timezone.localdate().replace(day=1))
    return {
        "list": reverse("groups:list"),
        "summary": reverse("groups:summary"),
        "detail": reverse("groups:detail", args=[group_a.pk]),
        "sheet_choose": reverse("groups:sheet_choose", args=[group_a.pk]),
        "sheet": reverse("groups:sheet", args=[group_a.pk, this_month]),
        "passbook": reverse("groups:passbook", args=[group_a.pk, member_a.pk]),
        "deposit": reverse("groups:deposit", args=[group_a.pk, member_a.pk]),
        "withdraw": reverse("groups:withdraw", args=[group_a.pk, member_a.pk]),
        "reverse": reverse("groups:reverse", args=[group_a.pk, entry_a.pk]),
    }


# What each persona gets on group A's pages. Treasurer B does not learn group A exists (404);
# staff read (a sheet too, without its form) but never post (403); collectors have no savings
# pages (403). A table, one column per persona: the formatter leaves its columns lined up (fmt: skip).
EXPECTED = {
    #               leader  treas_a  treas_b  collector  staff   anonymous
    "list":         (OK,    "own",   "own",   DENIED,    OK,     LOGIN),
    "summary":      (OK,    DENIED,  DENIED,  DENIED,    OK,     LOGIN),
    "detail":       (OK,    OK,      HIDDEN,  DENIED,    OK,     LOGIN),
    "sheet_choose": (OK,    OK,      HIDDEN,  DENIED,    OK,     LOGIN),
    "sheet":        (OK,    OK,      HIDDEN,  DENIED,    OK,     LOGIN),
    "passbook":     (OK,    OK,      HIDDEN,  DENIED,    OK,     LOGIN),
    "deposit":      (OK,    OK,      HIDDEN,  DENIED,    DENIED, LOGIN),
    "withdraw":     (OK,    OK,      HIDDEN,  DENIED,    DENIED, LOGIN),
    "reverse":      (OK,    OK,      HIDDEN,  DENIED,    DENIED, LOGIN),
}  # fmt: skip


@pytest.fixture
def entry_a(group_a, leader):
    member = group_a.members.first()
    return services.deposit_post(
        member=member,
        month=datetime.date(2021, 12, 1),
        date=datetime.date(2021, 12, 5),
        amount=Decimal("100"),
        user=leader,
    )


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_what_it_should_on_each_page(personas, group_a, group_b, entry_a, page, persona):
    url = _urls(group_a, entry_a.member, entry_a)[page]
    expected = EXPECTED[page][PERSONAS.index(persona)]
    response = personas[persona].get(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif expected == "own":
        # A treasurer with a single group is taken straight to it.
        own = group_a if persona == "treasurer_a" else group_b
        assert response.status_code == 302
        assert response["Location"] == reverse("groups:detail", args=[own.pk])
    else:
        assert response.status_code == expected
    if response.status_code != 302:
        assert_no_english(response)


@pytest.mark.parametrize("page", ["deposit", "withdraw", "reverse", "sheet"])
@pytest.mark.parametrize("persona", ["treasurer_b", "staff", "collector", "anonymous"])
def test_those_who_may_not_post_cannot_post(personas, group_a, group_b, entry_a, page, persona):
    from groups.models import CollectionSheet, LedgerEntry

    before = LedgerEntry.objects.count()
    url = _urls(group_a, entry_a.member, entry_a)[page]
    data = {
        "paid_on": "5/1/2565",
        f"amount_{entry_a.member.pk}": "100",
        "amount": "50",
        "date": "5/1/2565",
        "month_0": "1",
        "month_1": "2565",
        "reason": "ทดสอบ",
        "request_key": "2f1b7c1e-8a43-4c5e-9a53-5d3f3f3f3f3f",
    }
    response = personas[persona].post(url, data)
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))
    assert LedgerEntry.objects.count() == before
    assert not CollectionSheet.objects.exists()


def test_a_treasurer_sees_only_their_own_groups_in_the_list(client, group_a, group_b, treasurer_a):
    group_c = make_group("กลุ่มซี", "ชุมชนซี")
    group_c.treasurers.add(treasurer_a)
    client.force_login(treasurer_a)
    response = client.get(reverse("groups:list"))
    names = [g.name for g in response.context["groups"]]
    assert names == ["กลุ่มซี", "กลุ่มเอ"]


def test_the_admin_is_open_to_leaders_only(personas):
    assert personas["leader"].get("/admin/").status_code == 200
    for persona in ["treasurer_a", "treasurer_b", "collector", "staff", "anonymous"]:
        response = personas[persona].get("/admin/")
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_group_list_shows_each_groups_own_balance_and_members(
    client, leader, group_a, group_b, django_assert_max_num_queries
):
    from groups import services

    for member in group_a.members.all():
        services.deposit_post(
            member=member,
            month=datetime.date(2021, 12, 1),
            date=datetime.date(2021, 12, 5),
            amount=Decimal("100"),
            user=leader,
        )
    make_group("กลุ่มซี", "ชุมชนซี", members=5)
    client.force_login(leader)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("groups:list"))
    shown = {g.name: (g.balance, g.member_count) for g in response.context["groups"]}
    assert shown == {
        "กลุ่มเอ": (Decimal("300.00"), 3),
        "กลุ่มบี": (Decimal("0.00"), 3),
        "กลุ่มซี": (Decimal("0.00"), 5),
    }


def test_may_post_is_the_users_own_not_carried_by_the_group_object(group_a, group_b, treasurer_a, treasurer_b, staff):
    """group_for_reading spares a treasurer's pages the question "may they post?" (they read only
    their own groups): the answer must stay theirs — not given to another user handed the same
    object, not to a treasurer holding a group read any other way — and be asked afresh per call."""
    read = access.group_for_reading(treasurer_a, group_a.pk)
    assert access.can_post(treasurer_a, read)
    assert not access.can_post(treasurer_b, read)  # another treasurer, same object
    assert not access.can_post(staff, read)
    assert access.can_post(treasurer_b, access.group_for_reading(treasurer_b, group_b.pk))
    assert not access.can_post(treasurer_b, SavingsGroup.objects.get(pk=group_a.pk))
    with pytest.raises(Http404):
        access.group_for_reading(treasurer_b, group_a.pk)
    with pytest.raises(PermissionDenied):
        access.group_for_posting(staff, group_a.pk)
    group_a.treasurers.remove(treasurer_a)  # no longer its treasurer: the next page is refused
    with pytest.raises(Http404):
        access.group_for_posting(treasurer_a, group_a.pk)

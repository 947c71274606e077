"""Fuzzing every form of the app: the hypothesis profile, a small network with something in every
area for the forms to act on, and the machinery that posts one example and checks that nothing
broke and nothing was half-written.

Profiles: `ci` (the default, run by `make test`) is derandomized, so every run tries the same
examples, and keeps no example database; `HYPOTHESIS_PROFILE=deep` tries many more, differently
each run:

    HYPOTHESIS_PROFILE=deep scripts/with_postgres.sh scripts/run_tests.sh tests/fuzz -p no:playwright
"""

import datetime
import os
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings

from enterprise import services as enterprise_services
from enterprise.models import Ingredient, RawMaterial, Recipe
from groups import services as group_services
from housing import services as housing_services
from housing.models import Step
from rent_collection import services as rent_services
from tests.factories import make_letter, make_products, make_tenancy, survey
from tests.fuzz.harness import LAST_MONTH, TODAY
from works import services as works_services
from works.models import Contest, Level, WorkKind

_common = dict(
    deadline=None,
    database=None,  # no failing examples kept between runs: the ci profile replays the same ones anyway
    print_blob=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the fixtures are shared by the examples on purpose
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
settings.register_profile("ci", max_examples=20, derandomize=True, **_common)
settings.register_profile("deep", max_examples=400, derandomize=False, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def savings(group_a, treasurer_a):
    """Group A with last month's sheet posted: every member has a balance of 100 baht."""
    group_services.sheet_post(
        group=group_a,
        month=LAST_MONTH,
        paid_on=LAST_MONTH + datetime.timedelta(days=4),
        amounts={m.pk: Decimal("100.00") for m in group_a.members.all()},
        user=treasurer_a,
    )
    return group_a


@dataclass
class Enterprise:
    products: list
    open_round: object
    closed_round: object
    received_round: object
    donation: object
    recipe: object
    materials: list


def _round(title, leader, treasurer, group, *, close=False, receive=False):
    buying_round = enterprise_services.round_open(
        title=title,
        opened_on=TODAY,
        closes_on=TODAY + datetime.timedelta(days=7),
        pickup_on=TODAY + datetime.timedelta(days=10),
        user=leader,
    )
    items = list(buying_round.items.order_by("product__name"))
    a1, a2 = group.members.order_by("number")[:2]
    enterprise_services.orders_replace(
        buying_round=buying_round,
        group=group,
        quantities={(a1.pk, items[0].pk): 4, (a2.pk, items[0].pk): 3, (a1.pk, items[1].pk): 5},
        user=treasurer,
        today=TODAY,
    )
    if close:
        enterprise_services.round_close(buying_round=buying_round, packs={items[0].pk: 1, items[1].pk: 1}, user=leader)
    if receive:
        enterprise_services.round_receive(
            buying_round=buying_round, received={items[0].pk: 1, items[1].pk: 1}, notes={}, date=TODAY, user=leader
        )
    return buying_round


@pytest.fixture
def enterprise(savings, group_a, leader, treasurer_a):
    products = make_products(TODAY)
    donation = enterprise_services.donation_post(
        donor="อาจารย์ มรภ.สงขลา", donor_detail="", date=TODAY, amount=Decimal("5000.00"), purpose="", user=leader
    )
    materials = [
        RawMaterial.objects.create(name="หัวเชื้อ N70", unit="กก."),
        RawMaterial.objects.create(name="เกลือ", unit="กก."),
    ]
    for material in materials:
        enterprise_services.material_buy(
            material=material, quantity=Decimal("10"), cost=Decimal("100"), date=TODAY, user=leader
        )
    recipe = Recipe.objects.create(
        name="น้ำยาล้างจาน", expected_litres=Decimal("20"), member_price=Decimal("15"), community_price=Decimal("20")
    )
    Ingredient.objects.create(recipe=recipe, material=materials[0], quantity=Decimal("2"))
    Ingredient.objects.create(recipe=recipe, material=materials[1], quantity=Decimal("1"))
    enterprise_services.batch_make(
        recipe=recipe, date=TODAY, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader
    )
    return Enterprise(
        products=products,
        open_round=_round("รอบเปิด", leader, treasurer_a, group_a),
        closed_round=_round("รอบปิด", leader, treasurer_a, group_a, close=True),
        received_round=_round("รอบรับของ", leader, treasurer_a, group_a, close=True, receive=True),
        donation=donation,
        recipe=recipe,
        materials=materials,
    )


@dataclass
class Housing:
    surveyed: object
    verified: object
    proposal: object


def _household(community, leader, name):
    return survey(community, leader, first_name=name, surveyed_on=TODAY - datetime.timedelta(days=30))


@pytest.fixture
def housing(group_a, leader):
    community = group_a.community
    surveyed = _household(community, leader, "สมใจ")
    proposal = housing_services.proposal_create(
        title="บ้านมั่นคง", date=TODAY - datetime.timedelta(days=5), target_site="เขารูปช้าง", user=leader
    )
    verified = _household(community, leader, "สมหญิง")
    housing_services.step_add(
        household=verified, step=Step.VERIFIED, date=TODAY - datetime.timedelta(days=20), reason="", user=leader
    )
    return Housing(surveyed, verified, proposal)


@dataclass
class Rent:
    tenancy: object
    letter: object
    receipts: list


@pytest.fixture
def rent(group_a, collector):
    """A tenancy in group A's community, a CODI letter valid today naming the collector there, and
    two receipts of 100 baht waiting to be remitted."""
    tenancy = make_tenancy(group_a.community)
    letter = make_letter(
        [(collector, [group_a.community])],
        valid_from=TODAY - datetime.timedelta(days=60),
        valid_to=TODAY + datetime.timedelta(days=300),
    )
    receipts = [
        rent_services.receipt_post(
            collector=collector,
            tenancy=tenancy,
            date=TODAY - datetime.timedelta(days=days),
            amount=Decimal("100.00"),
            user=collector,
        )
        for days in (2, 1)
    ]
    return Rent(tenancy, letter, receipts)


@dataclass
class Works:
    work: object
    other_work: object
    contest: object


@pytest.fixture
def works(group_a, leader):
    def work(title):
        return works_services.work_create(
            community=group_a.community,
            kind=WorkKind.ECO_BOTTLES,
            title=title,
            description="",
            started_on=datetime.date(2021, 10, 1),
            participants=[],
            user=leader,
        )

    entered, other = work("ขวดขยะแห้ง"), work("น้ำหมักชีวภาพ")
    contest = Contest.objects.create(
        name="ประกวดชุมชนสะอาด", organiser="เทศบาลนครสงขลา", level=Level.MUNICIPALITY, date=TODAY
    )
    works_services.entry_add(contest=contest, work=entered)
    return Works(entered, other, contest)

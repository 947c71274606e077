"""Tenancies: the tenant kept once as a person, and what the database refuses."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from rent_collection import services
from rent_collection.models import RentChange, Tenancy
from songkhla_network.models import Person
from songkhla_network.validators import national_id_check_digit
from tests.factories import RENT_OPENING_ON

pytestmark = pytest.mark.django_db

NATIONAL_ID = "110170012345" + str(national_id_check_digit("110170012345"))


def register(community, person, **change):
    fields = (
        dict(
            person=person,
            community=community,
            plot="12/3",
            contract_number="รฟท. 0001/2555",
            monthly_rent=Decimal("150"),
            start_date=datetime.date(2012, 1, 1),
            opening_balance=Decimal("900"),
            opening_on=RENT_OPENING_ON,
            opening_source="หนังสือ พอช.",
        )
        | change
    )
    return services.tenancy_register(**fields)


def test_a_saver_known_by_national_id_is_the_same_person_as_the_tenant(railway_a, group_a):
    saver = group_a.members.first().person
    saver.national_id = NATIONAL_ID
    saver.save()
    tenancy = register(railway_a, {"first_name": "อื่น", "last_name": "อื่น", "national_id": NATIONAL_ID})
    assert tenancy.tenant == saver and Person.objects.filter(national_id=NATIONAL_ID).count() == 1


def test_a_new_tenant_is_recorded_as_a_person_of_the_community(railway_a):
    tenancy = register(railway_a, {"first_name": "สมใจ", "last_name": "ริมราง"})
    assert (tenancy.tenant.first_name, tenancy.tenant.community) == ("สมใจ", railway_a)


@pytest.mark.parametrize(
    "change, field",
    [
        (dict(monthly_rent=Decimal("0")), "monthly_rent"),
        (dict(monthly_rent=None), "monthly_rent"),
        (dict(opening_balance=Decimal("-1")), "opening_balance"),
        (dict(opening_source="  "), "opening_source"),
    ],
)
def test_bad_tenancies_are_refused(railway_a, change, field):
    with pytest.raises(ValidationError) as error:
        register(railway_a, {"first_name": "ก", "last_name": "ข"}, **change)
    assert field in error.value.message_dict and not Tenancy.objects.exists() and not Person.objects.exists()


def test_a_contract_number_is_recorded_once(railway_a):
    register(railway_a, {"first_name": "ก", "last_name": "ข"})
    with pytest.raises(ValidationError) as error:
        register(railway_a, {"first_name": "ค", "last_name": "ง"})
    assert "contract_number" in error.value.message_dict


def test_the_database_refuses_negative_opening_arrears_or_an_end_without_reason(railway_a):
    tenant = Person.objects.create(first_name="ก", last_name="ข")
    fields = dict(
        community=railway_a,
        plot="1",
        tenant=tenant,
        contract_number="x",
        start_date=RENT_OPENING_ON,
        opening_balance=Decimal("0"),
        opening_on=RENT_OPENING_ON,
        opening_source="y",
    )
    for bad in [
        dict(opening_balance=Decimal("-0.01")),
        dict(opening_source=""),
        dict(plot=""),
        dict(ended_on=RENT_OPENING_ON),  # no reason
        dict(end_reason="ย้ายออก"),  # no day
        dict(ended_on=RENT_OPENING_ON - datetime.timedelta(days=1), end_reason="ย้ายออก"),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Tenancy.objects.create(**(fields | bad))
    Tenancy.objects.create(**fields, ended_on=RENT_OPENING_ON, end_reason="ย้ายออก")


def test_the_first_rent_is_in_force_from_the_contracts_start(railway_a):
    tenancy = register(railway_a, {"first_name": "ก", "last_name": "ข"}, start_date=datetime.date(2012, 5, 15))
    assert [(r.from_month, r.amount) for r in RentChange.objects.filter(tenancy=tenancy)] == [
        (datetime.date(2012, 5, 1), Decimal("150.00"))
    ]


@pytest.mark.parametrize("rent", ["0", "-5", "150.005"])
def test_a_free_rent_or_one_below_a_satang_is_refused(railway_a, rent):
    with pytest.raises(ValidationError) as error:
        register(railway_a, {"first_name": "ก", "last_name": "ข"}, monthly_rent=Decimal(rent))
    assert "monthly_rent" in error.value.message_dict and not Tenancy.objects.exists()


def test_the_database_refuses_a_free_rent_a_rent_from_mid_month_or_two_rents_for_a_month(railway_a):
    tenancy = register(railway_a, {"first_name": "ก", "last_name": "ข"})
    for bad in [
        dict(from_month=datetime.date(2022, 6, 1), amount=Decimal("0")),
        dict(from_month=datetime.date(2022, 6, 2), amount=Decimal("100")),
        dict(from_month=datetime.date(2012, 1, 1), amount=Decimal("100")),  # the first rent's month
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            RentChange.objects.create(tenancy=tenancy, **bad)

"""A railway community with one tenancy owing 1,000 baht at the end of March 2565, the next
community along, and a CODI letter naming the collector for the first community for April 2565 –
March 2566."""

import datetime
import itertools
from decimal import Decimal

import pytest

from rent_collection import services
from songkhla_network.models import Community

OPENING_ON = datetime.date(2022, 3, 31)
LETTER_FROM, LETTER_TO = datetime.date(2022, 4, 1), datetime.date(2023, 3, 31)
TODAY = datetime.date(2022, 6, 30)
_contracts = itertools.count(1)


def make_tenancy(
    community, *, rent="200", opening="1000", opening_on=OPENING_ON, start=datetime.date(2012, 1, 1), name=None
):
    number = next(_contracts)
    return services.tenancy_register(
        person={"first_name": name or f"ผู้เช่า{number}", "last_name": community.name},
        community=community,
        plot=f"{number}/1",
        contract_number=f"รฟท. {number:04d}",
        monthly_rent=Decimal(rent),
        start_date=start,
        opening_balance=Decimal(opening),
        opening_on=opening_on,
        opening_source="หนังสือแจ้งยอดค้างชำระ พอช. 31 มี.ค. 2565",
    )


def make_letter(assignments, *, number=None, valid_from=LETTER_FROM, valid_to=LETTER_TO):
    return services.letter_record(
        number=number or f"พอช. {next(_contracts):04d}/2565",
        date=valid_from - datetime.timedelta(days=5),
        signed_by="ผู้อำนวยการสำนักงานภาคใต้",
        valid_from=valid_from,
        valid_to=valid_to,
        assignments=assignments,
    )


def pay(collector, tenancy, amount="200", date=datetime.date(2022, 4, 10), **extra):
    return services.receipt_post(
        collector=collector, tenancy=tenancy, date=date, amount=Decimal(amount), user=collector, today=TODAY, **extra
    )


@pytest.fixture
def railway_a(db):
    return Community.objects.create(name="ริมรางรถไฟ ก")


@pytest.fixture
def railway_b(db):
    return Community.objects.create(name="ริมรางรถไฟ ข")


@pytest.fixture
def tenancy(railway_a):
    return make_tenancy(railway_a)


@pytest.fixture
def letter(collector, railway_a):
    return make_letter([(collector, [railway_a])], number="พอช. 0312/2565")

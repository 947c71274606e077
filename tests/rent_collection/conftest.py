"""A railway community with one tenancy owing 1,000 baht at the end of March 2565, the next
community along, and a CODI letter naming the collector for the first community for April 2565 –
March 2566 (the makers are in the rent section of tests/factories.py)."""

import pytest

from songkhla_network.models import Community
from tests.factories import make_letter, make_tenancy


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

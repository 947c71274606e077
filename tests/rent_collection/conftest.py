"""A railway community with one tenancy owing 1,000 baht at the end of March 2565, the next
community along, and a CODI letter naming the collector for the first community for April 2565 –
March 2566 (the makers are in the rent section of tests/factories.py); and, for the pages read
today, a letter valid today and a household owing since a year ago."""

import datetime

import pytest
from django.utils import timezone

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


TODAY = timezone.localdate()
LAST_YEAR = TODAY - datetime.timedelta(days=365)


@pytest.fixture
def current_letter(collector, railway_a):
    """A letter valid today naming the collector for community ก only."""
    return make_letter([(collector, [railway_a])], valid_from=LAST_YEAR, valid_to=TODAY + datetime.timedelta(days=200))


@pytest.fixture
def owing(railway_a):
    """A household in ก owing 1,000 baht a year ago, 200 a month since."""
    return make_tenancy(railway_a, opening_on=LAST_YEAR - datetime.timedelta(days=1))

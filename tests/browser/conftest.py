"""What every browser test shares."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from songkhla_network.models import Community
from tests.factories import make_tenancy

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def shoot():
    """shoot(page, name): full-page screenshots at phone and desktop width, when SHOTS_DIR is set."""
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return lambda page, name: None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=folder / f"phone-{name}.png", full_page=True)
        page.set_viewport_size(DESKTOP)
        try:
            page.screenshot(path=folder / f"desktop-{name}.png", full_page=True)
        finally:
            page.set_viewport_size(PHONE)

    return take


# A household of the rent pages' browser tests (test_rent.py, test_rent_transfer.py): 200 baht a
# month, 1,000 in arrears a year ago.
@pytest.fixture
def railway(db):
    return Community.objects.create(name="ริมทางรถไฟ")


@pytest.fixture
def household(railway):
    a_year_ago = timezone.localdate() - datetime.timedelta(days=365)
    return make_tenancy(railway, rent="200", opening="1000", opening_on=a_year_ago, name="สมศรี")

"""Every capital page × every persona: leaders run the enterprise, staff read its books,
treasurers and collectors have no business here, anonymous visitors are sent to sign in."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from enterprise import services
from enterprise.models import CashEntry, Donation
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

PERSONAS = ["leader", "treasurer_a", "treasurer_b", "collector", "staff", "anonymous"]
OK, LOGIN, DENIED = 200, "login", 403

# A table, one column per persona: the formatter leaves its columns lined up (fmt: skip).
EXPECTED = {
    #                  leader  treas_a  treas_b  collector  staff   anonymous
    "overview":        (OK,    DENIED,  DENIED,  DENIED,    OK,     LOGIN),
    "cash_book":       (OK,    DENIED,  DENIED,  DENIED,    OK,     LOGIN),
    "donations":       (OK,    DENIED,  DENIED,  DENIED,    OK,     LOGIN),
    "donation":        (OK,    DENIED,  DENIED,  DENIED,    OK,     LOGIN),
    "donation_new":    (OK,    DENIED,  DENIED,  DENIED,    DENIED, LOGIN),
    "donation_reverse":(OK,    DENIED,  DENIED,  DENIED,    DENIED, LOGIN),
    "levy":            (OK,    DENIED,  DENIED,  DENIED,    OK,     LOGIN),
    "cash_reverse":    (OK,    DENIED,  DENIED,  DENIED,    DENIED, LOGIN),
    "statement":       (OK,    DENIED,  DENIED,  DENIED,    OK,     LOGIN),
    "statement_xlsx":  (OK,    DENIED,  DENIED,  DENIED,    OK,     LOGIN),
    "production":      (OK,    DENIED,  DENIED,  DENIED,    OK,     LOGIN),
    "stock":           (OK,    DENIED,  DENIED,  DENIED,    OK,     LOGIN),
}  # fmt: skip


@pytest.fixture
def donation(leader):
    return services.donation_post(
        donor="ผู้ใจดี", donor_detail="", date=datetime.date(2022, 2, 25), amount=Decimal("5000"), purpose="", user=leader
    )


def _url(page, donation):
    args = {
        "donation": [donation.pk],
        "donation_reverse": [donation.pk],
        "cash_reverse": [donation.cash_entry.pk],
    }.get(page, [])
    return reverse(f"enterprise:{page}", args=args)


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_what_it_should(personas, donation, page, persona):
    expected = EXPECTED[page][PERSONAS.index(persona)]
    response = personas[persona].get(_url(page, donation))
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected
        if response["Content-Type"].startswith("text/html"):
            assert_no_english(response)


@pytest.mark.parametrize("persona", ["staff", "treasurer_a", "collector", "anonymous"])
def test_only_leaders_write(personas, donation, persona):
    client = personas[persona]
    client.post(reverse("enterprise:donation_new"), {"donor": "x", "date": "1/3/2565", "amount": "10"})
    client.post(reverse("enterprise:cash_reverse", args=[donation.cash_entry.pk]), {"date": "1/3/2565", "reason": "x"})
    client.post(reverse("enterprise:levy"), {"first_0": "12", "first_1": "2564", "last_0": "2", "last_1": "2565"})
    client.post(reverse("enterprise:donation_reverse", args=[donation.pk]), {"date": "1/3/2565", "reason": "x"})
    assert Donation.objects.count() == 1 and CashEntry.objects.count() == 1

"""seed_demo adds railway-land tenancies, CODI letters naming the demo collector, receipts and a
remittance; running it again creates nothing twice."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from rent_collection import selectors
from rent_collection.models import CodiLetter, Receipt, ReceiptVoid, Remittance, Tenancy
from songkhla_network.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def test_it_seeds_tenancies_letters_receipts_and_a_remittance(demo):
    today = timezone.localdate()
    collector = User.objects.get(username="collector")
    assert Tenancy.objects.values("community").distinct().count() == 4
    assert Receipt.objects.filter(collector=collector).exists() and ReceiptVoid.objects.count() == 1
    assert Receipt.objects.filter(advance__gt=0).exists()
    (remittance,) = Remittance.objects.all()
    assert remittance.amount == sum(line.receipt.amount for line in remittance.lines.all())
    # The demo collector may collect today, under a letter about to expire.
    assert len(selectors.collector_communities(collector, today)) == 3
    assert [letter.number for letter in selectors.letters_expiring(today)] == [
        a.letter.number for a in selectors.assignments_on(today, collector=collector)
    ]
    # Last month's money waits in the collectors' hands.
    cash = {row.collector.username: row for row in selectors.cash_in_hand(today)}
    assert cash["collector"].in_hand > 0 and cash["collector"].days_waiting < 62
    assert cash["leader"].in_hand > 0
    assert selectors.network_arrears(today).arrears > 0


def test_it_can_run_twice_without_creating_anything_twice(demo):
    counts = [m.objects.count() for m in (Tenancy, CodiLetter, Receipt, ReceiptVoid, Remittance)]
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert [m.objects.count() for m in (Tenancy, CodiLetter, Receipt, ReceiptVoid, Remittance)] == counts


def test_without_demo_logins_only_the_tenancies_are_made(settings):
    settings.DEMO = False
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert Tenancy.objects.count() == 24 and not Receipt.objects.exists() and not CodiLetter.objects.exists()

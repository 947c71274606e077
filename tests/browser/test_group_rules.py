"""The group's rules on a phone (390 px): the treasurer opens them from the group's page, agrees
the year, the share-out, a kind of loan and a kind of welfare from next month, is told beside the
box what to mend (shares that do not add up to 100, half a kind of loan), and everyone who reads
the group sees the rules agreed; this month keeps none.

Selectors use ids and hrefs, never wording. SHOTS_DIR saves screenshots (see conftest.shoot)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from groups import selectors
from groups.models import GroupRules
from songkhla_network.models import Role
from songkhla_network.thai import add_months, month_start
from tests.factories import make_group, make_user
from tests.helpers import IS_INVALID, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEXT_MONTH = add_months(month_start(timezone.localdate()), 1)


def test_a_treasurer_agrees_the_groups_rules_on_a_phone(page, live_server, shoot):
    group = make_group("กลุ่มเอ", "ชุมชนเอ")
    treasurer = make_user("treasurer_a", Role.TREASURER)
    group.treasurers.add(treasurer)
    sign_in(page, live_server, "treasurer_a")
    page.locator(f"a[href='{reverse('groups:rules', args=[group.pk])}']").click()
    shoot(page, "rules-none")
    page.locator(f"a[href='{reverse('groups:rules_change', args=[group.pk])}']").click()
    form = page.locator("#rules-form")
    expect(form).to_be_visible()
    form.locator("#id_from_month_0").select_option(str(NEXT_MONTH.month))
    form.locator("#id_from_month_1").fill(str(NEXT_MONTH.year + 543))
    form.locator("#id_year_ends_in").select_option("3")
    form.locator("#id_late_fine").fill("20")
    for name, share in [("dividend", "50"), ("interest_refund", "20"), ("welfare_fund", "10")]:
        form.locator(f"#id_{name}").fill(share)
    form.locator("#id_committee").fill("10")
    form.locator("#id_reserve").fill("5")
    form.locator("#id_community").fill("10")  # 105 in all
    form.locator("#id_emergency-monthly_rate").fill("1")
    form.locator("#id_emergency-method").select_option("flat")
    form.locator("#id_emergency-times_savings").fill("2")
    form.locator("#id_emergency-longest_term").fill("10")
    form.locator("#id_emergency-guarantors").fill("1")  # no ceiling: half a kind
    form.locator("#id_funeral-amount").fill("3,000")
    form.locator("#id_funeral-months_of_membership").fill("6")
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page.locator("#id_emergency-ceiling")).to_have_class(IS_INVALID)
    shoot(page, "rules-errors")
    assert not GroupRules.objects.exists()

    page.locator("#id_community").fill("5")
    page.locator("#id_emergency-ceiling").fill("10,000")
    page.locator("#rules-form button[type=submit]").click()
    expect(page).to_have_url(live_server.url + reverse("groups:rules", args=[group.pk]))
    expect(page.locator(".messages .alert-success")).to_be_visible()
    shoot(page, "rules-agreed")
    rules = selectors.rules_on(group, NEXT_MONTH)
    assert (rules.year_ends_in, rules.late_fine, rules.community) == (3, Decimal("20.00"), 5)
    assert [(k.purpose, k.ceiling) for k in rules.loan_kinds.all()] == [("emergency", Decimal("10000.00"))]
    assert selectors.rules_on(group, month_start(timezone.localdate())) is None
    # The rules agreed for next month are on the page, beside none in force this month.
    expect(page.locator(f"#rules-{rules.pk}")).to_be_visible()
    # No box is cut off or runs past the phone's edge.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

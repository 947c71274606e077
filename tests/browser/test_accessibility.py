"""axe-core (4.12, bundled by axe-playwright-python) on the pages people use on a phone, as each
role, and on the admin's change and add pages with inline rows: no critical or serious violation.

The app sends a strict Content-Security-Policy (no inline script), but Playwright's
page.evaluate runs through the DevTools protocol, which the page's CSP does not govern: axe is
injected and run without bypass_csp.

A failure names, for each page, the rule, its impact, the elements (CSS selectors) and what
axe-core says to do. Moderate and minor findings are printed (pytest shows them with -s, or
beside a failure) but do not fail the test.

Set SHOTS_DIR=/some/dir to also save a screenshot of each page checked, at phone and desktop width.
"""

import datetime
import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from groups.models import Officer
from rent_collection.models import CodiLetter
from songkhla_network.thai import be_month_slug, month_start
from tests.helpers import build_network, sign_in
from works import services as works_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = ("critical", "serious")
AXE = Axe()


class Audit:
    """Runs axe on each page visited and keeps what it found, page by page."""

    def __init__(self, page, live_server, shoot):
        self.page, self.live_server, self.shoot = page, live_server, shoot
        self.blocking, self.other = [], []
        self.who = "anonymous"

    def sign_in(self, username):
        sign_in(self.page, self.live_server, username)
        expect(self.page).not_to_have_url(re.compile(re.escape(reverse("login"))))  # signed in, sent on
        self.who = username

    def visit(self, name, path, *, status=200):
        response = self.page.goto(self.live_server.url + path)
        assert response.status == status, f"{name} ({path}): expected {status}, got {response.status}"
        self.check(name)
        return response

    def check(self, name):
        where = f"{self.who}, {name} ({self.page.url.removeprefix(self.live_server.url)})"
        results = AXE.run(self.page).response
        for violation in results["violations"]:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
            line = f"{where}: {violation['id']} [{violation['impact']}] {violation['help']} — {targets}"
            (self.blocking if violation["impact"] in BLOCKING else self.other).append(line)
        self.shoot(self.page, "a11y-" + re.sub(r"\W+", "-", f"{where}").strip("-"))

    def assert_clean(self):
        if self.other:
            print("axe-core, moderate and minor (not failing):\n" + "\n".join(self.other))
        assert not self.blocking, "axe-core found critical or serious violations:\n" + "\n".join(self.blocking)


@pytest.fixture
def audit(page, live_server, shoot):
    return Audit(page, live_server, shoot)


@pytest.fixture
def network(leader, collector, group_a, group_b):
    return build_network(leader=leader, collector=collector, group_a=group_a, group_b=group_b)["A"]


def test_sign_in_and_error_pages(page, live_server, audit, collector):
    response = audit.visit("sign-in", reverse("login"))
    # axe ran under the app's own policy, which allows no inline script.
    assert "script-src 'self'" in response.headers["content-security-policy"]
    audit.sign_in("collector")
    audit.visit("404", "/no-such-page/", status=404)
    audit.visit("403", reverse("groups:list"), status=403)
    audit.assert_clean()


def test_treasurer_pages(page, live_server, audit, treasurer_a, network):
    group, member = network.group, network.member
    audit.sign_in("treasurer_a")
    audit.visit("group", reverse("groups:detail", args=[group.pk]))
    open_month = be_month_slug(month_start(timezone.localdate()))
    audit.visit("sheet form", reverse("groups:sheet", args=[group.pk, open_month]))
    audit.visit("posted sheet", reverse("groups:sheet", args=[group.pk, network.sheet_month]))
    audit.visit("passbook", reverse("groups:passbook", args=[group.pk, member.pk]))
    audit.visit("deposit form", reverse("groups:deposit", args=[group.pk, member.pk]))
    audit.visit("households", reverse("housing:list"))
    audit.visit("works", reverse("works:list"))
    audit.assert_clean()


def test_collector_pages(page, live_server, audit, network):
    audit.sign_in("collector")
    audit.visit("rent overview", reverse("rent:overview"))
    audit.visit("tenancy", reverse("rent:tenancy", args=[network.tenancy.pk]))
    audit.visit("collect form", reverse("rent:collect", args=[network.tenancy.pk]))
    audit.visit("receipt", reverse("rent:receipt", args=[network.receipt.pk]))
    audit.assert_clean()


def test_leader_pages(page, live_server, audit, network):
    audit.sign_in("leader")
    audit.visit("dashboard", reverse("home"))
    audit.visit("groups list", reverse("groups:list"))
    audit.visit("survey form", reverse("housing:new"))
    page.locator("main form button[type=submit]").click()  # sent empty: every required field says so
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    audit.check("survey form with errors")
    audit.visit("household", reverse("housing:detail", args=[network.household.pk]))
    audit.visit("works list", reverse("works:list"))
    audit.visit("work", reverse("works:work", args=[network.work.pk]))
    audit.assert_clean()


def test_staff_pages(page, live_server, audit, staff, network):
    audit.sign_in("staff")
    audit.visit("dashboard", reverse("home"))
    audit.visit("groups list", reverse("groups:list"))
    audit.visit("group", reverse("groups:detail", args=[network.group.pk]))
    audit.visit("passbook", reverse("groups:passbook", args=[network.group.pk, network.member.pk]))
    audit.visit("rent overview", reverse("rent:overview"))
    audit.assert_clean()


def test_admin_pages_with_inline_rows(page, live_server, audit, leader, network):
    group = network.group
    # An officer, so the officers' inline has a row with its autocomplete box filled in.
    Officer.objects.create(
        group=group, person=network.member.person, position=Officer.Position.CHAIR, since=datetime.date(2021, 12, 5)
    )
    # A quantity, so the work's quantities inline has a row.
    works_services.quantity_add(
        work=network.work, date=datetime.date(2022, 1, 15), amount=Decimal("120"), unit="ขวด", note="", user=leader
    )
    audit.sign_in("leader")
    audit.visit("admin savings group", reverse("admin:groups_savingsgroup_change", args=[group.pk]))
    # A row added on the page, its person box open on the list of people.
    page.locator("#officers-group .add-row a").click()
    page.locator("#officers-1 .select2-selection").click()
    expect(page.locator(".select2-results__option").first).to_be_visible()
    audit.check("admin savings group, new officer row, list open")
    audit.visit("admin savings group add", reverse("admin:groups_savingsgroup_add"))
    audit.visit("admin work", reverse("admin:works_work_change", args=[network.work.pk]))
    letter = CodiLetter.objects.get(collectors__collector__username="collector")
    audit.visit("admin CODI letter", reverse("admin:rent_collection_codiletter_change", args=[letter.pk]))
    audit.visit("admin proposal", reverse("admin:housing_proposal_change", args=[network.proposal.pk]))
    audit.visit("admin contest", reverse("admin:works_contest_change", args=[network.contest.pk]))
    audit.assert_clean()

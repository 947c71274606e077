"""axe-core (4.12, bundled by axe-playwright-python) finds no violation, whatever its impact, on
any page of the app a person can open:

- every URL of the permission matrix (tests.helpers.EXPECTATIONS) that answers a persona's GET
  with a page, as each persona it answers: anonymous, treasurer A, the collector, staff and the
  leader, on the objects of side A (treasurer B's pages are treasurer A's, about other rows);
- the 404 page and a 403 page as each of them;
- what the matrix's rows do not show: the sheet form of the open month (the matrix asks for a
  posted month), a posted sheet with a member who did not pay, a proposal's budget of several
  lines (a table large enough for td-has-header); and the main forms sent empty
  or wrong, their Thai errors shown: sign-in (and its lockout), the sheet, a deposit, a new member,
  a receipt, the housing survey;
- the admin's change and add pages with inline rows.

Files (PDF, Excel, CSV, photos) and plain-text answers are not pages: their Content-Type is not
HTML, and they are left out.

The app sends a strict Content-Security-Policy (no inline script), but Playwright's
page.evaluate runs through the DevTools protocol, which the page's CSP does not govern: axe is
injected and run without bypass_csp.

A failure names, for each page, who looked, the rule, its impact, the elements (CSS selectors)
and what axe-core says to do.

Set SHOTS_DIR=/some/dir to also save a screenshot of each page checked, at phone and desktop width.
"""

import datetime
import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from groups import services as group_services
from groups.models import Officer
from housing.models import BudgetLine
from rent_collection.models import CodiLetter
from songkhla_network.thai import be_month_slug, month_start
from tests.helpers import EXPECTATIONS, PERSONAS, build_network, settle, sign_in, url_for
from works import services as works_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
# The rules axe-core runs by default, and those Lighthouse's accessibility audit turns on besides
# (node_modules/lighthouse/core/gather/gatherers/accessibility.js): what Lighthouse would find on
# its seven pages is found here on every page.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {
        rule: {"enabled": True}
        for rule in (
            "identical-links-same-purpose",
            "label-content-name-mismatch",
            "table-fake-caption",
            "target-size",
            "td-has-header",
        )
    },
}

# Whose pages are audited: every role once (treasurer B sees treasurer A's pages about group B).
AUDITED = ("anonymous", "treasurer_a", "collector", "staff", "leader")


class Audit:
    """Runs axe on each page visited, in one browser tab, and keeps what it found, page by page."""

    def __init__(self, page, live_server, shoot):
        self.page, self.live_server, self.shoot = page, live_server, shoot
        self.found = []
        self.who = "anonymous"
        self.checked = 0

    def sign_in(self, username):
        self.page.context.clear_cookies()
        self.who = username
        if username == "anonymous":
            return
        sign_in(self.page, self.live_server, username)
        expect(self.page).not_to_have_url(re.compile(re.escape(reverse("login"))))  # signed in, sent on

    def is_page(self, path):
        """Whether the path answers with HTML (a file or plain text is not audited)."""
        response = self.page.request.get(self.live_server.url + path, max_redirects=0)
        return response.headers.get("content-type", "").startswith("text/html")

    def visit(self, name, path, *, status=200):
        response = self.page.goto(self.live_server.url + path)
        assert response.status == status, f"{self.who}, {name} ({path}): expected {status}, got {response.status}"
        self.check(name)
        return response

    def send(self, name, form, fill=()):
        """Fill the form's boxes (selector, value), send it and check the page that comes back."""
        for selector, value in fill:
            self.page.locator(f"{form} {selector}").first.fill(value)
        with self.page.expect_navigation():
            self.page.locator(f"{form} button[type=submit]").last.click()
        expect(self.page.locator(".invalid-feedback, .alert-danger, .errornote").first).to_be_visible()
        self.check(name)

    def check(self, name):
        where = f"{self.who}, {name} ({self.page.url.removeprefix(self.live_server.url)})"
        # Checked scrolled to the end, where a sticky bar (the sheet's total and save button) is
        # in its place: higher up it covers, for a moment, whichever row passes under it, and
        # axe would count that row's button as too small wherever the page happened to stop.
        settle(self.page)
        results = AXE.run(self.page, options=AXE_OPTIONS).response
        self.checked += 1
        for violation in results["violations"]:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
            self.found.append(f"{where}: {violation['id']} [{violation['impact']}] {violation['help']} — {targets}")
        self.shoot(self.page, "a11y-" + re.sub(r"\W+", "-", where).strip("-"))

    def assert_clean(self):
        assert not self.found, "axe-core found violations:\n" + "\n".join(self.found)


@pytest.fixture
def audit(page, live_server, shoot):
    return Audit(page, live_server, shoot)


@pytest.fixture
def network(leader, collector, group_a, group_b, treasurer_a, staff):
    # Treasurer A and staff are asked for so that their logins exist to sign in with.
    return build_network(leader=leader, collector=collector, group_a=group_a, group_b=group_b)


def test_every_page_of_the_permission_matrix_as_each_persona(audit, network):
    answers_html = {}  # URL name: whether it is a page (the same whoever asks)
    for persona in AUDITED:
        audit.sign_in(persona)
        column = PERSONAS.index(persona)
        forbidden = []
        for name, cases in EXPECTATIONS.items():
            side = "A" if "A" in cases else ""
            url = url_for(name, network[side or "A"])
            answer = cases[side][column]
            if answer == 403:
                forbidden.append((name, url))
            if answer != 200:
                continue
            if name not in answers_html:
                answers_html[name] = audit.is_page(url)
            if answers_html[name]:
                audit.visit(name, url)
        audit.visit("404", "/no-such-page/", status=404)
        if forbidden:
            audit.visit(f"403 {forbidden[0][0]}", forbidden[0][1], status=403)
    # The walk saw the app's pages, not an empty matrix: the leader's alone are about 80.
    assert audit.checked > 150, audit.checked
    audit.assert_clean()


RULES_SHARES = {
    "dividend": 50,
    "interest_refund": 20,
    "welfare_fund": 10,
    "committee": 10,
    "reserve": 5,
    "community": 5,
}
RULES_LOAN = {
    "times_savings": Decimal("2"),
    "ceiling": Decimal("10000"),
    "monthly_rate": Decimal("1"),
    "method": "flat",
    "longest_term": 10,
    "guarantors": 1,
}


def test_pages_in_states_the_matrix_does_not_show_and_forms_with_their_errors(audit, network, leader):
    side = network["A"]
    # March 2565: only the first member paid, the others' rows are marked and offer a payment.
    group_services.sheet_post(
        group=side.group,
        month=datetime.date(2022, 3, 1),
        paid_on=datetime.date(2022, 3, 5),
        amounts={side.member.pk: Decimal("100.00")},
        user=leader,
    )
    response = audit.visit("sign-in", reverse("login"))
    # axe runs under the app's own policy, which allows no inline script.
    assert "script-src 'self'" in response.headers["content-security-policy"]
    audit.send("sign-in, wrong password", "main form", [("#id_username", "treasurer_a"), ("#id_password", "wrong")])
    # A name given a wrong password AXES_FAILURE_LIMIT times: the page that says to wait.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        audit.page.goto(audit.live_server.url + reverse("login"))
        audit.page.locator("#id_username").fill("staff")
        audit.page.locator("#id_password").fill("wrong")
        with audit.page.expect_navigation():
            audit.page.locator("main form button[type=submit]").click()
    expect(audit.page.locator("main .alert-warning")).to_be_visible()
    audit.check("sign-in locked out")

    audit.sign_in("treasurer_a")
    open_month = be_month_slug(month_start(timezone.localdate()))
    audit.visit("posted sheet, two unpaid", reverse("groups:sheet", args=[side.group.pk, "2565-03"]))
    audit.visit("sheet form", reverse("groups:sheet", args=[side.group.pk, open_month]))
    audit.send("sheet form, a wrong amount", "#sheet-form", [("[data-sheet-amount]", "สิบ")])
    audit.visit("deposit form", reverse("groups:deposit", args=[side.group.pk, side.member.pk]))
    audit.send("deposit form, a wrong amount", "main form", [("#id_amount", "สิบ")])
    audit.visit("member form", reverse("groups:member_add", args=[side.group.pk]))
    audit.send("member form, sent empty", "#member-form")
    audit.visit("rules form", reverse("groups:rules_change", args=[side.group.pk]))
    audit.send("rules form, a wrong percent", "#rules-form", [("#id_dividend", "ห้าสิบ")])
    group_services.rules_change(
        group=side.group,
        from_month=month_start(timezone.localdate()),
        terms={"year_ends_in": 3, "late_fine": Decimal("20"), "note": "ประชุมใหญ่", **RULES_SHARES},
        loan_kinds={"emergency": RULES_LOAN},
        welfare_kinds={"funeral": {"amount": Decimal("3000"), "months_of_membership": 6}},
        user=leader,
    )
    audit.visit("the group's rules, with a loan and a welfare kind", reverse("groups:rules", args=[side.group.pk]))

    audit.sign_in("collector")
    audit.visit("collect form", reverse("rent:collect", args=[side.tenancy.pk]))
    audit.send("collect form, sent empty", "main form")

    audit.sign_in("leader")
    for item, amount in (("ค่าก่อสร้างบ้าน", "450000.00"), ("ค่าสาธารณูปโภค", "80000.00")):
        BudgetLine.objects.create(proposal=side.proposal, item=item, amount=Decimal(amount))
    audit.visit("proposal, three budget lines", reverse("housing:proposal", args=[side.proposal.pk]))
    audit.visit("survey form", reverse("housing:new"))
    audit.send("survey form, sent empty", "main form")
    audit.assert_clean()


def test_admin_pages_with_inline_rows(page, audit, leader, network):
    side = network["A"]
    # An officer, so the officers' inline has a row with its autocomplete box filled in.
    Officer.objects.create(
        group=side.group, person=side.member.person, position=Officer.Position.CHAIR, since=datetime.date(2021, 12, 5)
    )
    # A quantity, so the work's quantities inline has a row.
    works_services.quantity_add(
        work=side.work, date=datetime.date(2022, 1, 15), amount=Decimal("120"), unit="ขวด", note="", user=leader
    )
    audit.sign_in("leader")
    audit.visit("admin savings group", reverse("admin:groups_savingsgroup_change", args=[side.group.pk]))
    # A row added on the page, its person box open on the list of people.
    page.locator("#officers-group .add-row a").click()
    page.locator("#officers-1 .select2-selection").click()
    expect(page.locator(".select2-results__option").first).to_be_visible()
    audit.check("admin savings group, new officer row, list open")
    audit.visit("admin savings group add", reverse("admin:groups_savingsgroup_add"))
    audit.visit("admin work", reverse("admin:works_work_change", args=[side.work.pk]))
    letter = CodiLetter.objects.get(collectors__collector__username="collector")
    audit.visit("admin CODI letter", reverse("admin:rent_collection_codiletter_change", args=[letter.pk]))
    audit.visit("admin proposal", reverse("admin:housing_proposal_change", args=[side.proposal.pk]))
    audit.visit("admin contest", reverse("admin:works_contest_change", args=[side.contest.pk]))
    audit.assert_clean()

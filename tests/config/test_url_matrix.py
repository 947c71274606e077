"""The permission matrix: every named URL of the URLconf, asked for with GET by every persona, on
objects of group A / community A and of group B / another community, answers what EXPECTATIONS
says. A URL added without an expectation fails the suite, and so does an expectation left behind
by a URL that is gone. No answer is a server error.

Each persona's test builds one dataset with the apps' own services and asks for every URL once.
"""

from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import reverse

from tests.helpers import ARGUMENTS, build_network, url_for, url_patterns

pytestmark = pytest.mark.django_db

PERSONAS = ("leader", "treasurer_a", "treasurer_b", "collector", "staff", "anonymous")

# A redirect to a sign-in page (the app's, or the admin's for the admin index).
LOGIN = "login"
SIGN_IN_PAGES = ("login", "admin:login")

# Each URL name: {objects: answers}. The objects are "" (none, or the network's shared ones),
# "A" (group A, its community, the collector's community) or "B" (group B, its community, where
# the collector holds no letter). The answers are to GET, one per persona, in this order (a table:
# the formatter leaves its columns lined up, fmt: skip):
#
#                                        leader  tr_a   tr_b   coll   staff  anonymous
EXPECTATIONS = {
    # The shared pages.
    "home":                         {"":  (200,   302,   302,   302,   200,   LOGIN)},
    "ping":                         {"":  (200,   200,   200,   200,   200,   200)},
    "health":                       {"":  (200,   200,   200,   200,   200,   200)},
    "report":                       {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "report_pdf":                   {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "report_xlsx":                  {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "full_export":                  {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "login":                        {"":  (302,   302,   302,   302,   302,   200)},
    "logout":                       {"":  (405,   405,   405,   405,   405,   405)},
    "password_change":              {"":  (200,   200,   200,   200,   200,   LOGIN)},
    "password_change_done":         {"":  (200,   200,   200,   200,   200,   LOGIN)},
    # The leaders' second factor: the QR code only while a new secret waits for its first code,
    # the code page only for a sign-in waiting for it (others are sent home).
    "second_factor":                {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "second_factor_setup":          {"":  (302,   403,   403,   403,   403,   LOGIN)},
    "second_factor_qr":             {"":  (404,   403,   403,   403,   403,   LOGIN)},
    "second_factor_off":            {"":  (405,   405,   405,   405,   405,   405)},
    "second_factor_verify":         {"":  (302,   302,   302,   302,   302,   302)},
    "admin:index":                  {"":  (200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)},
    # Personal data under the PDPA: the leaders' only.
    "people:search":                {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "people:log":                   {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "people:detail":                {"A": (200,   403,   403,   403,   403,   LOGIN)},
    "people:export":                {"A": (200,   403,   403,   403,   403,   LOGIN)},
    "people:erase":                 {"A": (200,   403,   403,   403,   403,   LOGIN)},
    # Savings groups: a treasurer knows of their own group only; staff read (posted sheets too) but
    # never post.
    "groups:list":                  {"":  (200,   302,   302,   403,   200,   LOGIN)},
    "groups:summary":               {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "groups:detail":                {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:sheet_choose":          {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:sheet":                 {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:passbook":              {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:deposit":               {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:withdraw":              {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:reverse":               {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    # Membership at the meeting: the group's treasurers and leaders; moving a member to another
    # group is the leaders' alone.
    "groups:member_add":            {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:commitment":            {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:leave":                 {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:move":                  {"A": (200,   403,   403,   403,   403,   LOGIN),
                                     "B": (200,   403,   403,   403,   403,   LOGIN)},
    # The enterprise: leaders run it, staff read its books, treasurers order and take payments
    # for their own members.
    "enterprise:overview":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:cash_book":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:cash_reverse":      {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:donations":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:donation_new":      {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:donation":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:donation_reverse":  {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:levy":              {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:rounds":            {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:round_new":         {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:round":             {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:order_sheet":       {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "enterprise:purchase_orders":   {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:round_receive":     {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:pickup":            {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:pickup_pdf":        {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:payment":           {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "enterprise:allocation":        {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:stock":             {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:production":        {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:statement":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:statement_xlsx":    {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:material_buy":      {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:batch_new":         {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:batch":             {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:liquid_sale":       {"":  (200,   403,   403,   403,   403,   LOGIN)},
    # Housing: treasurers see their communities' households (without personal data); the
    # proposal and the exports are for leaders and staff; writes are the leaders'.
    "housing:list":                 {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "housing:new":                  {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:xlsx":                 {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:import":               {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:import_confirm":       {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "housing:import_template_xlsx": {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:import_template_csv":  {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:detail":               {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "housing:step":                 {"A": (405,   403,   403,   403,   403,   LOGIN)},
    "housing:proposals":            {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_new":         {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:proposals_xlsx":       {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_households":  {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "housing:proposal_household_remove": {"": (200, 403,  403,   403,   403,   LOGIN)},
    "housing:proposal_budget":      {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "housing:proposal_budget_remove": {"": (405,  403,   403,   403,   403,   LOGIN)},
    "housing:proposal":             {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_pdf":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_xlsx":        {"":  (200,   403,   403,   403,   200,   LOGIN)},
    # Rent: treasurers have no part; a collector reads the communities their letters name and
    # their own receipts and remittances; staff read everything; leaders do everything.
    "rent:overview":                {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:tenancies":               {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:tenancies_xlsx":          {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:tenancy":                 {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:statement_xlsx":          {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:collect":                 {"A": (200,   403,   403,   200,   403,   LOGIN),
                                     "B": (200,   403,   403,   404,   403,   LOGIN)},
    # POST-only, the leaders': a rent changed from a month, the end of a tenancy.
    "rent:rent_change":             {"A": (405,   403,   403,   403,   403,   LOGIN),
                                     "B": (405,   403,   403,   403,   403,   LOGIN)},
    "rent:tenancy_end":             {"A": (405,   403,   403,   403,   403,   LOGIN),
                                     "B": (405,   403,   403,   403,   403,   LOGIN)},
    "rent:receipts":                {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:receipts_xlsx":           {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:receipt":                 {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:receipt_pdf":             {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    # POST-only: the role check runs first, then the method; whose receipt it is comes last.
    "rent:void":                    {"A": (405,   403,   403,   405,   403,   LOGIN),
                                     "B": (405,   403,   403,   405,   403,   LOGIN)},
    "rent:remittances":             {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:remittance_new":          {"":  (200,   403,   403,   200,   403,   LOGIN)},
    "rent:remittance":              {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:letters":                 {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:letter_request":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:reconciliation":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:reconciliation_xlsx":     {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:progress":                {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:progress_xlsx":           {"":  (200,   403,   403,   403,   200,   LOGIN)},
    # Community works: treasurers see and add to their own communities; collectors have no part;
    # contests are the leaders' to record.
    "works:list":                   {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "works:portfolio":              {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:portfolio_pdf":          {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:new":                    {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "works:work":                   {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:quantity":               {"A": (405,   405,   405,   403,   403,   LOGIN),
                                     "B": (405,   405,   405,   403,   403,   LOGIN)},
    "works:photo":                  {"A": (405,   405,   405,   403,   403,   LOGIN),
                                     "B": (405,   405,   405,   403,   403,   LOGIN)},
    "works:photo_large":            {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:photo_small":            {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:contests":               {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "works:contest_new":            {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "works:contest":                {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:entry":                  {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "works:result":                 {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "works:document":               {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "works:document_file":          {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
}  # fmt: skip

# POST-only views answer GET with 405 to whoever passes the role check, before the object is
# looked up. Whose object it is decides the POST: someone else's is a 404, as for GET elsewhere.
# (An empty POST: nothing is written, whatever the answer.)
POST_EXPECTATIONS = {
    ("works:quantity", "A"): {"treasurer_b": 404},
    ("works:quantity", "B"): {"treasurer_a": 404},
    ("works:photo", "A"): {"treasurer_b": 404},
    ("works:photo", "B"): {"treasurer_a": 404},
    ("rent:void", "B"): {"collector": 404},
    # An empty form: refused beside its fields, on the tenancy's page.
    ("rent:rent_change", "B"): {"leader": 200, "collector": 403},
    ("rent:tenancy_end", "B"): {"leader": 200, "staff": 403},
}

# Which object of the network (tests.helpers.build_network) fills each argument of a URL is
# tests.helpers.ARGUMENTS, read on the side the expectation names (A, or B; "" reads side A, whose
# shared objects — rounds, donations, the proposal — are the network's).


def test_every_url_has_an_expectation_and_every_expectation_a_url():
    patterns = list(url_patterns())
    names = {name for name, _route in patterns if name}
    problems = [
        f"the URL {route!r} has no name: give it one and an expectation" for name, route in patterns if not name
    ]
    problems += [f"no expectation for {name}" for name in sorted(names - set(EXPECTATIONS))]
    problems += [f"an expectation for {name}, which is no longer a URL" for name in sorted(set(EXPECTATIONS) - names)]
    problems += [f"arguments given for {name}, which is no longer a URL" for name in sorted(set(ARGUMENTS) - names)]
    for name, cases in EXPECTATIONS.items():
        problems += [
            f"{name} [{side}]: {len(answers)} answers for {len(PERSONAS)} personas"
            for side, answers in cases.items()
            if len(answers) != len(PERSONAS)
        ]
        problems += [
            f"{name}: unknown objects {side!r} (use '', 'A' or 'B')" for side in cases if side not in ("", "A", "B")
        ]
    assert not problems, "\n".join(problems)
    assert len(names) >= 90  # the walk found the app's URLs, not an empty resolver


@pytest.fixture
def network(leader, collector, group_a, group_b):
    return build_network(leader=leader, collector=collector, group_a=group_a, group_b=group_b)


def _answer(response):
    if response.status_code == 302 and urlsplit(response["Location"]).path in {reverse(p) for p in SIGN_IN_PAGES}:
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_the_expected_answer_from_every_url(personas, network, persona):
    client = personas[persona]
    column = PERSONAS.index(persona)
    wrong = []
    for name, cases in EXPECTATIONS.items():
        for side, answers in cases.items():
            url = url_for(name, network[side or "A"])
            expected = answers[column]
            try:
                # A savepoint each: a request that breaks the transaction spoils only its own line.
                with transaction.atomic():
                    answer = _answer(client.get(url))
            except Exception as error:  # noqa: BLE001 — every failure is listed, not just the first
                wrong.append(f"{name} [{side or '-'}] {url}: server error {type(error).__name__}: {error}")
                continue
            if answer == 500 or answer != expected:
                wrong.append(f"{name} [{side or '-'}] {url}: expected {expected}, got {answer}")
    for (name, side), answers in POST_EXPECTATIONS.items():
        if persona in answers:
            url = url_for(name, network[side])
            with transaction.atomic():
                answer = _answer(client.post(url))
            if answer != answers[persona]:
                wrong.append(f"POST {name} [{side}] {url}: expected {answers[persona]}, got {answer}")
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)

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

from tests.helpers import ARGUMENTS, EXPECTATIONS, LOGIN, PERSONAS, build_network, url_for, url_patterns

pytestmark = pytest.mark.django_db

# What every persona gets from every URL is tests.helpers.EXPECTATIONS (the accessibility audit
# visits the same pages); a redirect to one of these sign-in pages is the answer LOGIN.
SIGN_IN_PAGES = ("login", "admin:login")


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

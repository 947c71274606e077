"""Fuzzing every form of the app: the hypothesis profile, a small network with something in every
area for the forms to act on, and the machinery that posts one example and checks that nothing
broke and nothing was half-written.

Profiles: `ci` (the default, run by `make test`) is derandomized, so every run tries the same
examples, and keeps no example database; `HYPOTHESIS_PROFILE=deep` tries many more, differently
each run:

    HYPOTHESIS_PROFILE=deep scripts/with_postgres.sh scripts/run_tests.sh tests/fuzz -p no:playwright
"""

import datetime
import os
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, settings

from enterprise import services as enterprise_services
from enterprise.models import Ingredient, RawMaterial, Recipe
from groups import services as group_services
from housing import services as housing_services
from housing.models import Step, Tenure
from rent_collection import services as rent_services
from songkhla_network.models import ConsentMethod
from songkhla_network.thai import month_start
from tests.enterprise.test_buying import make_products
from tests.rent_collection.conftest import make_letter, make_tenancy
from works import services as works_services
from works.models import Contest, Level, WorkKind

_common = dict(
    deadline=None,
    database=None,  # no failing examples kept between runs: the ci profile replays the same ones anyway
    print_blob=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the fixtures are shared by the examples on purpose
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
settings.register_profile("ci", max_examples=20, derandomize=True, **_common)
settings.register_profile("deep", max_examples=400, derandomize=False, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(share=1.0):
    """A test's number of examples: a share of the profile's, for pages slow to render."""
    return max(3, int(settings.default.max_examples * share))


APP_LABELS = {"songkhla_network", "groups", "enterprise", "housing", "rent_collection", "works"}
# Logs of who read or exported personal data: a refused form still shows a page, and that is
# logged on purpose. They hold no money and no record a form is about.
AUDIT_LOGS = {"songkhla_network.PersonalDataAccess", "housing.ExportRecord"}


def _counted_models():
    return sorted(
        (
            m
            for m in apps.get_models(include_auto_created=True)
            if m._meta.app_label in APP_LABELS and m._meta.managed and m._meta.label not in AUDIT_LOGS
        ),
        key=lambda m: m._meta.label,
    )


# Row counts of every table of the project, the rows this transaction has updated or deleted in
# each, and where each table's id sequence stands: a row a post added has a higher id (sequences
# are not rolled back, so ids only grow). One query: the snapshot runs twice per example.


@dataclass
class Snapshot:
    counts: dict
    rewrites: dict
    last_ids: dict


def _snapshot_sql():
    models_ = _counted_models()
    tables = [connection.ops.quote_name(m._meta.db_table) for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("pg_get_serial_sequence(%s, %s)" for _m in models_),
            [value for m in models_ for value in (m._meta.db_table, m._meta.pk.column)],
        )
        sequences = cursor.fetchone()
    counts = ", ".join(f"(SELECT count(*) FROM {table})" for table in tables)
    last_ids = "(SELECT json_object_agg(schemaname || '.' || sequencename, last_value) FROM pg_sequences)"
    names = ", ".join(f"'{m._meta.db_table}'" for m in models_)
    # Counted as soon as a statement runs, in the transaction so far (and not undone by a rollback).
    rewrites = (
        "(SELECT json_object_agg(relname, n_tup_upd + n_tup_del) FROM pg_stat_xact_user_tables "
        f"WHERE relname IN ({names}))"
    )
    return models_, sequences, f"SELECT {last_ids}, {rewrites}, {counts}"


_snapshot_query = None


def snapshot():
    global _snapshot_query
    if _snapshot_query is None:
        _snapshot_query = _snapshot_sql()
    models_, sequences, sql = _snapshot_query
    with connection.cursor() as cursor:
        cursor.execute(sql)
        last_values, rewrites, *counts = cursor.fetchone()
    labels = [m._meta.label for m in models_]
    return Snapshot(
        counts=dict(zip(labels, counts, strict=True)),
        rewrites={m._meta.label: (rewrites or {}).get(m._meta.db_table, 0) for m in models_},
        last_ids={
            label: (last_values or {}).get(sequence) or 0 for label, sequence in zip(labels, sequences, strict=True)
        },
    )


class _RolledBack(Exception):
    pass


@contextmanager
def rolled_back():
    """Run one example in a savepoint that is always rolled back: the next example starts from
    the same records, and a success leaves nothing behind."""
    try:
        with transaction.atomic():
            yield
            raise _RolledBack
    except _RolledBack:
        pass


class Outcome:
    """One post's response and what it changed."""

    def __init__(self, response, data, before, after):
        self.response, self.data, self.before, self.after = response, data, before, after
        self.changes = {
            label: after.counts[label] - before.counts.get(label, 0)
            for label in after.counts
            if after.counts[label] != before.counts.get(label, 0)
        }
        self.rewritten = {
            label: after.rewrites[label] - before.rewrites[label]
            for label in after.rewrites
            if after.rewrites[label] != before.rewrites[label]
        }

    @property
    def redirected(self):
        return self.response.status_code in (301, 302, 303)

    def added(self, model):
        """The rows of `model` this post added."""
        return model._base_manager.filter(pk__gt=self.before.last_ids[model._meta.label]).order_by("pk")

    def assert_unchanged(self):
        assert not self.changes, f"refused (status {self.response.status_code}) yet rows changed: {self.changes}"
        assert not self.rewritten, f"refused (status {self.response.status_code}) yet rows updated: {self.rewritten}"

    def assert_only(self, *allowed):
        """No table changed but these (and history tables)."""
        labels = {model._meta.label for model in allowed}
        others = {label: n for label, n in self.changes.items() if ".Historical" not in label and label not in labels}
        assert not others, f"rows changed in tables this form does not write: {others}"

    def assert_changed(self, expected):
        """Exactly these tables changed, by these numbers of rows (None: by one or more), history
        tables aside."""
        changes = {label: n for label, n in self.changes.items() if ".Historical" not in label}
        wanted = {model._meta.label: n for model, n in expected.items()}
        assert set(changes) == {label for label, n in wanted.items() if n != 0}, (
            f"rows changed: {changes}, expected {wanted}"
        )
        for label, n in wanted.items():
            if n is not None:
                assert changes.get(label, 0) == n, f"{label}: {changes.get(label, 0)} rows added, expected {n}"


def _message(response, data):
    shown = {k: (v[:80] + f"…({len(v)} chars)" if isinstance(v, str) and len(v) > 80 else v) for k, v in data.items()}
    return f"status {response.status_code} for {shown!r}"


def send(client, method, url, data, *, urlencoded=False, files=None):
    """Send a form as a browser would. The test client raises what the view raised: a server
    error fails the example with its traceback; a 500 answered otherwise fails it too."""
    if method == "get":
        response = client.get(url, data)
    elif urlencoded and not files:
        response = client.post(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(url, {**data, **(files or {})})
    assert response.status_code < 500, _message(response, data)
    return response


def submit(client, url, data, *, check=None, urlencoded=False, files=None, invariant=None):
    """POST one example inside a rolled-back savepoint. A refused form (200) or a refusal page
    (4xx) must have changed nothing; a redirect is handed to `check`, which says what a success
    must have written. `invariant` runs after every post, whatever the answer."""
    with rolled_back():
        before = snapshot()
        response = send(client, "post", url, data, urlencoded=urlencoded, files=files)
        outcome = Outcome(response, data, before, snapshot())
        # `--hypothesis-show-statistics` shows how many examples went through, to see that the
        # successes are checked too and not only the refusals.
        event(f"{response.status_code}, {'wrote' if outcome.changes or outcome.rewritten else 'wrote nothing'}")
        if outcome.redirected:
            assert check is not None, "a redirect from a form whose success is not checked"
            check(outcome)
        else:
            outcome.assert_unchanged()
        if invariant:
            invariant(outcome)
        return outcome


def query(client, url, data):
    """GET a filter or report form: any answer below 500, and nothing written."""
    with rolled_back():
        before = snapshot()
        response = send(client, "get", url, data)
        Outcome(response, data, before, snapshot()).assert_unchanged()
        return response


# The network the forms act on.

TODAY = timezone.localdate()
THIS_MONTH = month_start(TODAY)
LAST_MONTH = month_start(THIS_MONTH - datetime.timedelta(days=1))


@pytest.fixture
def savings(group_a, treasurer_a):
    """Group A with last month's sheet posted: every member has a balance of 100 baht."""
    group_services.sheet_post(
        group=group_a,
        month=LAST_MONTH,
        paid_on=LAST_MONTH + datetime.timedelta(days=4),
        amounts={m.pk: Decimal("100.00") for m in group_a.members.all()},
        user=treasurer_a,
    )
    return group_a


@dataclass
class Enterprise:
    products: list
    open_round: object
    closed_round: object
    received_round: object
    donation: object
    recipe: object
    materials: list


def _round(title, leader, treasurer, group, *, close=False, receive=False):
    buying_round = enterprise_services.round_open(
        title=title,
        opened_on=TODAY,
        closes_on=TODAY + datetime.timedelta(days=7),
        pickup_on=TODAY + datetime.timedelta(days=10),
        user=leader,
    )
    items = list(buying_round.items.order_by("product__name"))
    a1, a2 = group.members.order_by("number")[:2]
    enterprise_services.orders_replace(
        buying_round=buying_round,
        group=group,
        quantities={(a1.pk, items[0].pk): 4, (a2.pk, items[0].pk): 3, (a1.pk, items[1].pk): 5},
        user=treasurer,
        today=TODAY,
    )
    if close:
        enterprise_services.round_close(buying_round=buying_round, packs={items[0].pk: 1, items[1].pk: 1}, user=leader)
    if receive:
        enterprise_services.round_receive(
            buying_round=buying_round, received={items[0].pk: 1, items[1].pk: 1}, notes={}, date=TODAY, user=leader
        )
    return buying_round


@pytest.fixture
def enterprise(savings, group_a, leader, treasurer_a):
    products = make_products(TODAY)
    donation = enterprise_services.donation_post(
        donor="อาจารย์ มรภ.สงขลา", donor_detail="", date=TODAY, amount=Decimal("5000.00"), purpose="", user=leader
    )
    materials = [
        RawMaterial.objects.create(name="หัวเชื้อ N70", unit="กก."),
        RawMaterial.objects.create(name="เกลือ", unit="กก."),
    ]
    for material in materials:
        enterprise_services.material_buy(
            material=material, quantity=Decimal("10"), cost=Decimal("100"), date=TODAY, user=leader
        )
    recipe = Recipe.objects.create(
        name="น้ำยาล้างจาน", expected_litres=Decimal("20"), member_price=Decimal("15"), community_price=Decimal("20")
    )
    Ingredient.objects.create(recipe=recipe, material=materials[0], quantity=Decimal("2"))
    Ingredient.objects.create(recipe=recipe, material=materials[1], quantity=Decimal("1"))
    enterprise_services.batch_make(
        recipe=recipe, date=TODAY, scale=Decimal("1"), litres=Decimal("20"), makers=[], user=leader
    )
    return Enterprise(
        products=products,
        open_round=_round("รอบเปิด", leader, treasurer_a, group_a),
        closed_round=_round("รอบปิด", leader, treasurer_a, group_a, close=True),
        received_round=_round("รอบรับของ", leader, treasurer_a, group_a, close=True, receive=True),
        donation=donation,
        recipe=recipe,
        materials=materials,
    )


@dataclass
class Housing:
    surveyed: object
    verified: object
    proposal: object


def _household(community, leader, name):
    return housing_services.household_survey(
        person={
            "title": "นาง",
            "first_name": name,
            "last_name": "รักบ้าน",
            "phone": "081",
            "national_id": "",
            "community": community,
            "address": "",
        },
        household={
            "community": community,
            "address": "",
            "adults": 2,
            "children": 1,
            "elderly": 0,
            "disabled": 0,
            "tenure": Tenure.RENTING,
            "monthly_income": Decimal("9000"),
            "housing_cost": Decimal("1500"),
            "can_pay": Decimal("1200"),
            "member": None,
            "reason": "",
            "preferred_area": "",
        },
        surveyed_on=TODAY - datetime.timedelta(days=30),
        user=leader,
        consent={"given_on": TODAY - datetime.timedelta(days=30), "how": ConsentMethod.SIGNED_FORM, "witness": ""},
    )


@pytest.fixture
def housing(group_a, leader):
    community = group_a.community
    surveyed = _household(community, leader, "สมใจ")
    proposal = housing_services.proposal_create(
        title="บ้านมั่นคง", date=TODAY - datetime.timedelta(days=5), target_site="เขารูปช้าง", user=leader
    )
    verified = _household(community, leader, "สมหญิง")
    housing_services.step_add(
        household=verified, step=Step.VERIFIED, date=TODAY - datetime.timedelta(days=20), reason="", user=leader
    )
    return Housing(surveyed, verified, proposal)


@dataclass
class Rent:
    tenancy: object
    letter: object
    receipts: list


@pytest.fixture
def rent(group_a, collector):
    """A tenancy in group A's community, a CODI letter valid today naming the collector there, and
    two receipts of 100 baht waiting to be remitted."""
    tenancy = make_tenancy(group_a.community)
    letter = make_letter(
        [(collector, [group_a.community])],
        valid_from=TODAY - datetime.timedelta(days=60),
        valid_to=TODAY + datetime.timedelta(days=300),
    )
    receipts = [
        rent_services.receipt_post(
            collector=collector,
            tenancy=tenancy,
            date=TODAY - datetime.timedelta(days=days),
            amount=Decimal("100.00"),
            user=collector,
        )
        for days in (2, 1)
    ]
    return Rent(tenancy, letter, receipts)


@dataclass
class Works:
    work: object
    other_work: object
    contest: object


@pytest.fixture
def works(group_a, leader):
    def work(title):
        return works_services.work_create(
            community=group_a.community,
            kind=WorkKind.ECO_BOTTLES,
            title=title,
            description="",
            started_on=datetime.date(2021, 10, 1),
            participants=[],
            user=leader,
        )

    entered, other = work("ขวดขยะแห้ง"), work("น้ำหมักชีวภาพ")
    contest = Contest.objects.create(
        name="ประกวดชุมชนสะอาด", organiser="เทศบาลนครสงขลา", level=Level.MUNICIPALITY, date=TODAY
    )
    works_services.entry_add(contest=contest, work=entered)
    return Works(entered, other, contest)


def fresh_client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client

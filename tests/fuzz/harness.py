"""What every fuzz test shares: the examples to try, and the machinery that posts one and checks
that nothing broke and nothing was half-written (the fixtures, a small network with something in
every area, are in conftest.py)."""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import event, settings

from songkhla_network.thai import month_start
from tests.helpers import PROJECT_APPS


def examples(share=1.0):
    """A test's number of examples: a share of the profile's, for pages slow to render."""
    return max(3, int(settings.default.max_examples * share))


APP_LABELS = set(PROJECT_APPS)
# Logs of who read or exported personal data: a refused form still shows a page, and that is
# logged on purpose. They hold no money and no record a form is about.
AUDIT_LOGS = {"songkhla_network.PersonalDataAccess", "housing.ExportRecord"}
# Tables derived from money rows (the savings' month-end balances): a post that writes rows adds
# to them or updates them in the same step, and a refused one leaves them as they were, like every
# other table; what they hold is checked against the rows (groups.selectors.balance_differences).
DERIVED = {"groups.MemberBalance", "groups.GroupBalance", "groups.GroupSaving"}


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
        """No table changed but these (and history and derived tables)."""
        labels = {model._meta.label for model in allowed}
        others = {
            label: n
            for label, n in self.changes.items()
            if ".Historical" not in label and label not in DERIVED and label not in labels
        }
        assert not others, f"rows changed in tables this form does not write: {others}"

    def assert_changed(self, expected):
        """Exactly these tables changed, by these numbers of rows (None: by one or more), history
        and derived tables aside."""
        changes = {label: n for label, n in self.changes.items() if ".Historical" not in label and label not in DERIVED}
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


def fresh_client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client

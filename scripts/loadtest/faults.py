"""The fault run of `make bench`: the soak's people for a shorter time while gunicorn workers are
SIGKILLed in the middle of a sheet POST, a receipt POST and any request, then PostgreSQL is
stopped for a few seconds and started again. Expected: a request in flight fails with the app's
Thai error page (database gone) or a dropped connection (its worker killed), never anything else;
a person who gets an error sends the same form again, as the error page tells them to; the app
answers again by itself soon after PostgreSQL is back; and the soak's ledger checks hold.
Everything runs against 127.0.0.1 and the throw-away cluster of scripts/with_postgres.sh.
"""

import collections
import dataclasses
import http.client
import subprocess
import threading
import time

from django.db import connections

from .common import HOST
from .server import Postgres, kill_worker_mid_request
from .soak import DISCONNECTED, ERROR_PAGE, OK, WRONG, Outcome, check_ledger, failures, kind_table, run_people

# --- Faults and the probe -----------------------------------------------------------------------


class Probe:
    """Asks the app every 0.1 s whether it serves pages from the database again: /health/ when
    the app has one (200 when the database answers), else /ping/ (gunicorn) and a treasurer's
    group list (the database)."""

    def __init__(self, run, health_path, cookie):
        self.run, self.health_path, self.cookie = run, health_path, cookie
        self.results = []  # (sent, answered: seconds since the run started; answered from the database)
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _ok(self, path, headers=None):
        conn = http.client.HTTPConnection(HOST, self.run.port, timeout=5)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.read()
            return response.status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def _loop(self):
        while self.run.running():
            sent = self.run.now()
            if self.health_path:
                ok = self._ok(self.health_path)
            else:
                ok = self._ok("/ping/") and self._ok("/groups/", {"Cookie": self.cookie})
            self.results.append((sent, self.run.now(), ok))
            time.sleep(0.1)

    def first_ok_after(self, t):
        """When the first probe sent at or after `t` that succeeded got its answer."""
        return next((answered for sent, answered, ok in self.results if sent >= t and ok), None)

    def failing(self, after):
        """When the first and the last failed probe answered, from `after` on; None if none failed."""
        failed = [answered for _sent, answered, ok in self.results if answered >= after and not ok]
        return (failed[0], failed[-1]) if failed else None


@dataclasses.dataclass
class FaultTimes:
    kills: list
    db_stop: float | None = None  # seconds since the run started
    db_down: float | None = None  # stop returned
    db_up: float | None = None  # start returned
    db_error: str = ""


def fault_injector(server, postgres, *, seconds, kills, db_down_seconds, times):
    """The faults, in the main thread while the people work: worker kills at 10 %, 20 %, 30 % ...
    of the run (mid-sheet POST, mid-receipt POST, mid-anything, in turn), then PostgreSQL stopped
    at 40 % for `db_down_seconds` and started again."""
    targets = [("sheet POST",), ("receipt POST",), None]

    def inject(run):
        for i in range(kills):
            _sleep_until(run, seconds * 0.1 * (i + 1))
            times.kills.append(kill_worker_mid_request(run, server, targets[i % len(targets)]))
        if postgres is None:
            return
        connections.close_all()  # this process's own connection would be cut anyway
        _sleep_until(run, seconds * 0.4)
        times.db_stop = run.now()
        try:
            postgres.stop()
            times.db_down = run.now()
            time.sleep(db_down_seconds)
        except subprocess.SubprocessError as error:
            times.db_error = f"stop failed: {error}"
        finally:
            try:
                postgres.start()
                times.db_up = run.now()
            except subprocess.SubprocessError as error:
                times.db_error += f" start failed: {error}"

    return inject


def _sleep_until(run, t):
    time.sleep(max(0.0, t - run.now()))


# --- Report --------------------------------------------------------------------------------------


def faults(actors, server, args, today, since, health_path, probe_cookie):
    """The fault run: the soak's people for --fault-seconds while workers are killed and
    PostgreSQL restarted; then what users saw, how soon the app answered again, and the checks."""
    postgres = Postgres.from_environment()
    times = FaultTimes(kills=[])
    inject = fault_injector(
        server,
        postgres,
        seconds=args.fault_seconds,
        kills=args.worker_kills,
        db_down_seconds=args.db_down_seconds,
        times=times,
    )
    probes = []

    def during(run):
        probes.append(Probe(run, health_path, probe_cookie))
        probes[0].thread.start()
        inject(run)

    run = run_people(
        server.port, actors, seconds=args.fault_seconds, think=args.think_seconds, today=today, seed=2, during=during
    )
    probes[0].thread.join(timeout=10)
    checks = check_ledger(run, actors, since)

    lines = [f"faults: the same {len(actors)} people for {args.fault_seconds:g} s; {len(run.samples):,} requests"]
    failed = []
    _report_kills(times, run, lines, failed)
    if postgres is None:
        lines.append("  PostgreSQL not restarted: DATABASE_URL is not with_postgres.sh's throw-away cluster")
    else:
        _report_restart(times, probes[0], health_path, args.recovery_limit, lines, failed)
    lines += ["", *kind_table(run, outcomes=True), ""]
    _report_users(run, times, args.recovery_limit, lines, failed)
    lines += [("ok      " if c.passed else "FAILED  ") + c.text for c in checks]
    failed += [f"faults: {c.text}" for c in checks if not c.passed]
    return Outcome(lines, failed)


def _report_kills(times, run, lines, failed):
    """Each kill: what the worker held, what its client got, how soon gunicorn replaced it. A
    worker may be killed after it wrote its answer and before it closed the connection: then its
    client got the whole answer."""
    for kill in times.kills:
        if kill.pid is None:
            lines.append(f"  {kill.at:5.1f} s  no request in flight to kill a worker under")
            failed.append("faults: a worker kill found nothing in flight")
            continue
        held = next(
            (
                s
                for s in run.samples
                if s.client_port == kill.client_port and s.start <= kill.at <= s.start + s.seconds + 1
            ),
            None,
        )
        got = (
            f"its client got {'a dropped connection' if held.outcome == DISCONNECTED else held.outcome}"
            if held
            else "?"
        )
        if held and held.outcome == OK:
            got = "its client had its answer already"
        replaced = (
            f"gunicorn started another in {kill.replaced_after:.1f} s"
            if kill.replaced_after is not None
            else "NOT REPLACED within 30 s"
        )
        lines.append(f"  {kill.at:5.1f} s  SIGKILL worker {kill.pid} holding a {kill.kind}: {got}; {replaced}")
        if kill.replaced_after is None:
            failed.append(f"faults: worker {kill.pid} was not replaced")


def _report_restart(times, probe, health_path, limit, lines, failed):
    """When PostgreSQL went and came back, and how soon the app answered from it again: the
    first probe sent after the restart that succeeded, counted to its answer (which includes
    waiting, with the users' requests, for a free worker)."""
    if times.db_up is None:
        lines.append(f"  PostgreSQL restart FAILED: {times.db_error}")
        failed.append(f"faults: PostgreSQL restart failed: {times.db_error}")
        return
    lines.append(
        f"  {times.db_stop:5.1f} s  PostgreSQL stopped (fast shutdown: {times.db_down - times.db_stop:.1f} s),"
        f" started again at {times.db_up:.1f} s"
    )
    what = health_path or "/ping/ and a treasurer's group list"
    failing = probe.failing(times.db_stop)
    if failing:
        lines.append(f"  {failing[0]:5.1f} s  {what} failing (asked every 0.1 s) until {failing[1]:.1f} s")
    recovered_at = probe.first_ok_after(times.db_up)
    if recovered_at is None:
        lines.append(f"recovery: {what} never answered 200 again")
        failed.append("faults: the app did not recover from the PostgreSQL restart")
        return
    recovery = recovered_at - times.db_up
    lines.append(f"recovery: {what} answered 200 {recovery:.1f} s after PostgreSQL was back (limit {limit:g} s)")
    if recovery > limit:
        failed.append(
            f"faults: the app answered from the database {recovery:.1f} s after the restart (limit {limit:g} s)"
        )


def _report_users(run, times, limit, lines, failed):
    """What the people saw: the app's Thai error pages and dropped connections are expected for
    the requests in flight; anything else, or any failure once the app should have recovered,
    is not."""
    bad = failures(run)
    wrong = [s for s in bad if s.outcome == WRONG]
    error_pages = [s for s in bad if s.outcome == ERROR_PAGE]
    dropped = [s for s in bad if s.outcome == DISCONNECTED]
    statuses = collections.Counter(s.detail for s in error_pages)
    lines.append(
        f"users saw: {len(error_pages)} Thai error pages of the app ("
        + ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items(), reverse=True))
        + f"), {len(dropped)} dropped connections, {len(wrong)} other answers"
        + " (goal 0: no traceback, no server or proxy text)"
    )
    settle = max([k.at for k in times.kills] + [times.db_up or 0.0]) + limit
    late = [s for s in bad if s.start > settle]
    if times.db_up is not None:
        last = max((s.start + s.seconds for s in bad if s.start + s.seconds >= times.db_stop), default=None)
        first_ok = min(
            (s.start + s.seconds for s in run.samples if s.outcome == OK and s.start >= times.db_up), default=None
        )
        text = "after the restart: "
        if last is not None:
            when = "before" if last < times.db_up else "after"
            text += f"the last failed request ended {abs(last - times.db_up):.1f} s {when} it; "
        if first_ok is not None:
            text += f"the first request sent after it was answered {first_ok - times.db_up:.1f} s after it"
        lines.append(text)
    lines.append(f"failures after the faults settled ({settle:.0f} s on): {len(late)} (goal 0)")
    lines.extend(f"wrong answer: {s.kind} at {s.start:.1f} s: {s.detail}" for s in wrong[:10])
    if wrong:
        failed.append(f"faults: {len(wrong)} answers were neither the app's Thai error page nor a dropped connection")
    if late:
        failed.append(f"faults: {len(late)} requests failed after the faults had settled")

"""`make bench`: how fast the savings pages answer over a production-sized ledger.

1. Migrates the database in DATABASE_URL (PostgreSQL only) and, unless it is already there, loads
   a dataset the size of the network after ten years: 100 groups x 40 members x 120 months of
   deposits (480,000 ledger rows, 12,000 collection sheets) plus withdrawals and reversals, and
   loans to a third of the members (approved, paid out, repaid on the sheets, a few late),
   through COPY in one transaction; with --ledger-scale N, N times the months behind the same
   groups and members. Then VACUUM ANALYZE, and the app's month-end balances rebuilt from the
   rows when it keeps them (dataset.py).
2. Runs collectstatic and serves the app with gunicorn on 127.0.0.1 as in production, DEBUG=0
   (server.py).
3. Signs a treasurer and a leader in (sessions made directly) and loads each page in turn with a
   small threaded HTTP client for --seconds (the open month's sheet with its loans' repayment
   boxes among them), then posts a few collection sheets with their repayments (pages.py); then
   Lighthouse (mobile) on the sign-in page, those savings pages, a collector's receipt form and the
   leader's dashboard (lighthouse.py; --no-lighthouse skips it).
4. Soak (soak.py): --soak-users people (default 50) use the app at once for --soak-seconds
   (default 300), reading pages and posting collection sheets and rent receipts; then the ledger
   is checked against what was sent.
5. Faults (faults.py; --faults, on by default): the same people for --fault-seconds while
   gunicorn workers are killed mid-request and PostgreSQL is stopped and started again; then
   what users saw, how soon the app recovered, and the same checks.
6. Prints requests/s and latency per page next to the trivial /ping/ view, the check that the
   network summary and the dashboard answer within twice the group page's time, the soak's and
   the fault run's figures, stops gunicorn, checks the month-end balances against the rows
   (rebuild_balances --check, when the app keeps them), and exits 1 if any request failed
   (outside the faults) or any check did not hold.

All traffic goes to 127.0.0.1; every loop is bounded in time and count.
"""

import argparse
import os
import platform
import signal
import sys
import time

import django
from django.core.management import call_command
from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from songkhla_network.thai import month_start

from . import dataset, faults, lighthouse, pages, server, soak
from .client import session_cookie
from .common import HOST, MONTHS, ROOT, app_version, log

BUILD_STEPS = {"rows": "rows", "vacuum": "VACUUM ANALYZE", "balances": "month-end balances"}


def parse_args():
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="python -m scripts.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per page (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="client connections at once (default 8)")
    parser.add_argument("--requests", type=int, default=200_000, help="at most this many requests per page")
    parser.add_argument(
        "--workers", type=int, default=2 * cores, help=f"gunicorn workers (default 2 x cores = {2 * cores})"
    )
    parser.add_argument("--sheet-posts", type=int, default=20, help="collection sheets to POST (default 20, 0: none)")
    parser.add_argument("--slow-ms", type=float, default=100.0, help="flag pages whose p50 is above this (default 100)")
    parser.add_argument(
        "--ledger-scale",
        type=int,
        default=1,
        help="N times the months of history behind the same groups and members (default 1: 120 months;"
        " 10: 1,200 months, 4.8 million ledger rows); needs a fresh database",
    )
    parser.add_argument(
        "--lighthouse",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="after the page table, Lighthouse on seven pages, about 2 minutes (default: on)",
    )
    later = parser.add_argument_group("soak and faults")
    later.add_argument("--soak-seconds", type=float, default=300.0, help="length of the soak (default 300, 0: none)")
    later.add_argument("--soak-users", type=int, default=50, help="people using the app at once (default 50)")
    later.add_argument(
        "--think-seconds", type=float, default=1.0, help="a person's mean pause between actions (default 1)"
    )
    later.add_argument(
        "--faults",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="after the soak, kill workers and restart PostgreSQL under the same load (default: on)",
    )
    later.add_argument("--fault-seconds", type=float, default=60.0, help="length of the fault run (default 60)")
    later.add_argument("--worker-kills", type=int, default=3, help="gunicorn workers killed mid-request (default 3)")
    later.add_argument(
        "--db-down-seconds", type=float, default=5.0, help="how long PostgreSQL stays stopped (default 5)"
    )
    later.add_argument(
        "--recovery-limit",
        type=float,
        default=10.0,
        help="seconds after PostgreSQL is back within which the app must answer again (default 10)",
    )
    args = parser.parse_args()
    if args.seconds <= 0 or args.seconds > 600:
        parser.error("--seconds must be in (0, 600]")
    if not 1 <= args.concurrency <= 256:
        parser.error("--concurrency must be 1..256")
    if not 1 <= args.workers <= 64:
        parser.error("--workers must be 1..64")
    if not 1 <= args.ledger_scale <= 20:
        parser.error("--ledger-scale must be 1..20")
    if not 0 <= args.soak_seconds <= 3600 or not 10 <= args.fault_seconds <= 600:
        parser.error("--soak-seconds must be in [0, 3600] and --fault-seconds in [10, 600]")
    if not 1 <= args.soak_users <= 200 or not 0 <= args.think_seconds <= 60:
        parser.error("--soak-users must be 1..200 and --think-seconds in [0, 60]")
    if not 0 <= args.worker_kills <= 6 or not 0 < args.db_down_seconds <= 60:
        parser.error("--worker-kills must be 0..6 and --db-down-seconds in (0, 60]")
    return args


def main():
    args = parse_args()
    env = server.production_env()
    os.environ.update(env)
    os.chdir(ROOT)
    django.setup()

    started = time.perf_counter()
    this_month, build_seconds = prepare_database(args.ledger_scale)
    plan = pages.plan(this_month, args.sheet_posts)
    summary = dataset.dataset_summary()
    codi_timing = pages.time_codi_report(plan.year)
    connection.close()  # the load runs long; the server holds its own connections

    gunicorn = server.Server(env, args.workers)
    log(f"gunicorn: starting {args.workers} workers on {HOST}:{gunicorn.port} ...")
    load_before = load_average()
    try:
        gunicorn.start()
        pages.measure(plan.pages, gunicorn, args)
        pages.post_sheets(plan, gunicorn.port, args.seconds)
        lighthouse_lines = lighthouse_table(plan, gunicorn.port) if args.lighthouse else []
        outcomes = soak_and_faults(args, gunicorn, probe_cookie=plan.treasurer_cookie)
    finally:
        gunicorn.stop()
    checks = [pages.summary_check(plan.group_page, plan.summary_pages), *balances_check()]

    log("")
    log("== make bench " + "=" * 117)
    log("\n".join(header(args, gunicorn.port, summary, build_seconds, plan.pages[0], load_before, codi_timing)))
    log("")
    log("\n".join(pages.report(plan.pages, args.slow_ms)))
    log("")
    if lighthouse_lines:
        log("\n".join(lighthouse_lines))
        log("")
    log("\n".join(("ok      " if passed else "FAILED  ") + text for passed, text in checks))
    failed = report_outcomes(outcomes, [text.split("\n")[0] for passed, text in checks if not passed])
    request_errors = sum(page.errors for page in plan.pages)
    if request_errors or any(outcome.failed for outcome in outcomes):
        tail = gunicorn.log_tail()
        if tail:
            log("gunicorn log (tail):\n" + tail)
    total_errors = request_errors + len(failed)
    log(f"total {time.perf_counter() - started:.0f} s; {total_errors} errors")
    return 1 if total_errors else 0


def prepare_database(scale):
    """The schema, the benchmark network (built once, reused after) and the static files
    gunicorn serves through WhiteNoise."""
    log("migrate ...")
    call_command("migrate", interactive=False, verbosity=0)
    this_month = month_start(timezone.localdate())
    build_seconds = dataset.ensure_dataset(this_month, scale)
    log("collectstatic ...")
    call_command("collectstatic", interactive=False, verbosity=0)
    return this_month, build_seconds


def lighthouse_table(plan, port):
    """Lighthouse's figures (lighthouse.py) for the pages of issue 16 on this server: the sign-in
    page, the plan's savings pages, the receipt form of a collector of the soak (made now if no
    earlier run made it) and the leader's dashboard. Shown, not checked: the browser tests hold
    the pages to the goals (tests/browser/test_lighthouse.py)."""
    if not lighthouse.LIGHTHOUSE.exists():
        return ["Lighthouse: not installed (`npm ci`, which `make bench` runs)"]
    log("lighthouse: 7 pages, one at a time ...")
    # The soak's first three people are a treasurer, a collector and a leader.
    collector = next(a for a in dataset.ensure_soak_dataset(3, timezone.localdate()) if a.role == "collector")
    receipt_form = reverse("rent:collect", args=[collector.tenancies[0]])
    signed_in = [
        (page.name, page.path, page.cookie)
        for page in plan.pages
        if page.cookie and not page.path.startswith(reverse("groups:summary")) and ".pdf" not in page.path
    ]
    targets = [
        ("sign-in page", reverse("login"), None),
        *signed_in[:-1],
        ("receipt form (collector)", receipt_form, session_cookie(collector.user)),
        signed_in[-1],  # the dashboard
    ]
    connection.close()
    try:
        return lighthouse.table([lighthouse.audit(port, *target) for target in targets])
    except RuntimeError as error:
        return [f"Lighthouse: failed: {error}"]


def soak_and_faults(args, gunicorn, *, probe_cookie):
    """The soak, then the fault run, against the running server. Returns their outcomes: the
    lines to print and what did not hold."""
    if not args.soak_seconds and not args.faults:
        return []
    today = timezone.localdate()
    log(f"soak: preparing {args.soak_users} people (logins, soak groups, tenancies, a CODI letter) ...")
    actors = soak.sign_in(dataset.ensure_soak_dataset(args.soak_users, today))
    outcomes = []
    if args.soak_seconds:
        log(f"soak: {args.soak_users} people for {args.soak_seconds:g} s ...")
        since = timezone.now()
        connection.close()
        outcomes.append(soak.soak(actors, gunicorn.port, args, today, since))
    if args.faults:
        try:
            health = reverse("health")
        except NoReverseMatch:
            health = None  # no health view (yet): the probe falls back to /ping/ and a database page
        log(
            f"faults: {args.fault_seconds:g} s, {args.worker_kills} workers killed,"
            f" PostgreSQL down {args.db_down_seconds:g} s ..."
        )
        since = timezone.now()
        connection.close()
        outcomes.append(faults.faults(actors, gunicorn, args, today, since, health, probe_cookie))
    connection.close()
    return outcomes


def balances_check():
    """The month-end balances after everything the run posted, against the rows: [] when the app
    keeps none, else one (passed, line)."""
    result = dataset.check_balances()
    if result is None:
        return []
    passed, said, seconds = result
    text = f"balances: rebuild_balances --check on the bench network ({seconds:.1f} s)"
    if passed:
        text += ": " + (said[-1] if said else "the month-end balances are what the rows give")
    else:
        text += "".join(f"\n          {line}" for line in said[-10:])
    return [(passed, text)]


def load_average():
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def header(args, port, summary, build_seconds, ping, load_before, codi_timing):
    """What was measured, on what, and how: enough to tell whether two runs compare."""
    client_cpu = ""
    if ping.cpu and ping.latencies:
        client_cpu = f"; the client itself used {ping.cpu['client'] / len(ping.latencies) * 1000:.2f} ms CPU per ping"
    lines = [
        "dataset: {groups:,} groups, {members:,} members, {sheets:,} collection sheets, {ledger rows:,} ledger rows,"
        " {loans:,} loans and {loan rows:,} loan rows; database {database size}; {postgres}".format(**summary),
        f"         ledger scale {args.ledger_scale}: {MONTHS * args.ledger_scale:,} months of history per group; "
        + (
            f"built in {sum(build_seconds.values()):.1f} s this run ("
            + ", ".join(f"{BUILD_STEPS[step]} {seconds:.1f} s" for step, seconds in build_seconds.items())
            + ")"
            if build_seconds
            else "reused from an earlier run"
        ),
        f"app:     {app_version()}",
        (
            f"server:  gunicorn {args.workers} sync workers on {HOST}:{port}, {os.cpu_count()} cores, DEBUG=0, "
            f"CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', '60')}, Python {platform.python_version()}, "
            f"Django {django.get_version()}"
        ),
        (
            f"client:  {args.concurrency} connections (threads, http.client, same machine), {args.seconds:g} s per page"
            f" after a warm-up; sheet POSTs one at a time{client_cpu}"
        ),
    ]
    load_after = load_average()
    if load_before is not None:
        lines.append(f"machine: load average {load_before:.1f} before the server started, {load_after:.1f} at the end")
    lines.append(
        "report:  CODI report {year} (12 months) in one process: {total:.2f} s = figures {figures:.2f} s"
        " ({queries} queries) + PDF {pdf:.2f} s, {pages} pages".format(**codi_timing)
    )
    return lines


def report_outcomes(outcomes, failed_checks):
    """The soak's and the fault run's lines, then whatever did not hold, the failed checks
    printed above included; returns the latter."""
    for outcome in outcomes:
        log("")
        log("\n".join(outcome.lines))
    failed = failed_checks + [line for outcome in outcomes for line in outcome.failed]
    if failed:
        log("")
        log("did not hold:\n  " + "\n  ".join(failed))
    return failed


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())

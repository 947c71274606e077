"""The soak of `make bench`: N simulated people (default 50) use the app at once for a few
minutes, each pausing about --think-seconds between actions. Treasurers read their big bench
group (group page, passbooks, posted sheets) and post the sheets of a group of their own, oldest
open month first, so no two people ever post the same group and month; rent collectors read rent
pages and write receipts, several people sharing each collector login so that receipt numbers are
taken concurrently; leaders read the dashboard, the network summary and the rent overview. Every
request records its kind, status and latency. Then the database is checked against what was
sent: every sheet in the ledger once and whole, every answered receipt there once, each
collector's receipt numbers 1..N. The fault run (faults.py) sends the same people again.
Everything runs against 127.0.0.1; every loop is bounded in time.
"""

import collections
import dataclasses
import datetime
import html
import http.client
import http.cookies
import random
import re
import threading
import time
import urllib.parse
from decimal import Decimal

from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext

from songkhla_network.thai import be_date_input, be_month_slug, be_year, month_end

from .client import AMOUNT, TOKEN, session_cookie
from .common import HOST, MEMBERS, percentile

RETRY_PAUSES = (2, 4, 8)  # seconds before sending a failed form again, as a person would
CLIENT_TIMEOUT = 30

OK, ERROR_PAGE, DISCONNECTED, WRONG = "ok", "Thai error page", "connection error", "wrong answer"
RECEIPT_LOCATION = re.compile(r"/rent/receipts/(\d+)/$")
REQUEST_KEY = re.compile(r'name="request_key" value="([^"]+)"')


# --- One run: the clock, the samples, what was sent ----------------------------------------------


@dataclasses.dataclass
class Sample:
    kind: str
    start: float  # seconds since the run started
    seconds: float
    outcome: str
    detail: str = ""
    client_port: int = 0  # the connection's local port, to tell which request a killed worker held


@dataclasses.dataclass
class SheetSent:
    group: int
    month: datetime.date
    amounts: dict  # member pk -> Decimal
    attempts: int = 0
    answered: bool = False  # a 302 back to the sheet came


@dataclasses.dataclass
class ReceiptSent:
    key: str
    collector: int
    tenancy: int
    amount: Decimal
    attempts: int = 0
    receipt_pk: int | None = None  # from the 302 to the receipt


class Run:
    """What the people of one run share: the server, the clock, every request's sample, the
    requests in flight (thread -> kind and client port, for the fault injector) and what was sent."""

    def __init__(self, port, seconds, today, error_titles):
        self.port, self.today, self.error_titles = port, today, error_titles
        self.origin = time.perf_counter()
        self.stop_at = self.origin + seconds
        self.samples = []  # list.append is atomic: threads add without a lock
        self.in_flight = {}
        self.in_flight_lock = threading.Lock()
        self.sheets = {}
        self.receipts = {}

    def now(self):
        return time.perf_counter() - self.origin

    def running(self):
        return time.perf_counter() < self.stop_at


@dataclasses.dataclass
class Answer:
    outcome: str
    status: int | None
    text: str = ""
    location: str = ""


class Browser:
    """One person's browser: their cookies (the session, then CSRF), one connection reopened after
    each answer, since gunicorn's sync workers close it."""

    def __init__(self, run, cookie):
        self.run = run
        self.cookies = dict(part.split("=", 1) for part in cookie.split("; "))
        self.conn = http.client.HTTPConnection(HOST, run.port, timeout=CLIENT_TIMEOUT)

    def send(self, kind, method, path, form=None, *, expect=200, location=None, check=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        me = threading.get_ident()
        start = self.run.now()
        client_port = 0
        try:
            if self.conn.sock is None:
                self.conn.connect()
            client_port = self.conn.sock.getsockname()[1]
            with self.run.in_flight_lock:
                self.run.in_flight[me] = (kind, client_port)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.conn.close()
            answer = Answer(DISCONNECTED, None)
            detail = f"{type(error).__name__}: {error}"
        else:
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
            answer = Answer(
                None, response.status, data.decode("utf-8", "replace"), response.headers.get("Location", "")
            )
            answer.outcome, detail = self._judge(answer, expect, location, check)
        finally:
            with self.run.in_flight_lock:
                self.run.in_flight.pop(me, None)
        self.run.samples.append(Sample(kind, start, self.run.now() - start, answer.outcome, detail, client_port))
        return answer

    def _judge(self, answer, expect, location, check):
        if answer.status == expect:
            problem = None
            if location is not None and not location.search(answer.location):
                problem = f"redirected to {answer.location!r}"
            elif check is not None:
                problem = check(answer.text)
            return (OK, "") if problem is None else (WRONG, problem)
        if is_error_page(answer.status, answer.text, self.run.error_titles):
            return ERROR_PAGE, str(answer.status)
        return WRONG, f"status {answer.status}: {' '.join(answer.text[:120].split())!r}"

    def _keep_cookies(self, headers):
        for header in headers:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def close(self):
        self.conn.close()


def is_error_page(status, text, titles):
    """The app's own error page (templates/songkhla_network/error.html) in Thai, with the title
    of its status: not a traceback, not gunicorn's or a proxy's plain text."""
    return (
        status in titles
        and '<html lang="th">' in text
        and f"<h1>{titles[status]}</h1>" in text
        and "Traceback" not in text
    )


def error_page_titles():
    """The Thai title of the error page a failing request may get, from the app's catalog: 500
    when the database is gone, also when only saving the session failed (Django's
    SessionInterrupted, which the app shows as its 500 page, not as a bad request)."""
    with translation.override("th"):
        return {500: gettext("Something went wrong")}


# --- What people do ------------------------------------------------------------------------------


def submit(browser, kind, path, form, sent, **expect):
    """POST a form; after the error page or a dropped connection, send the same form again a
    little later (the error page says "please try again"): at most len(RETRY_PAUSES) times."""
    for pause in (0, *RETRY_PAUSES):
        time.sleep(pause)
        sent.attempts += 1
        answer = browser.send(kind, "POST", path, form, expect=302, **expect)
        if answer.outcome in (OK, WRONG):  # a refusal is an answer: sending it again changes nothing
            return answer
    return answer


def amount_fields(n):
    return lambda text: None if len(AMOUNT.findall(text)) == n else f"expected {n} amount fields"


def post_sheet(browser, actor, rng):
    run = browser.run
    if not actor.open_months:
        return view_group(browser, actor, rng)
    month = actor.open_months.popleft()
    path = f"/groups/{actor.soak_group}/sheet/{be_month_slug(month)}/"
    page = browser.send("sheet form", "GET", path, check=amount_fields(MEMBERS))
    if page.outcome != OK:
        return
    amounts = {}
    for name, value in AMOUNT.findall(page.text):
        roll = rng.random()  # most pay the promise; some pay half, some more
        amount = Decimal(value)
        amounts[int(name.removeprefix("amount_"))] = (
            (amount / 2).quantize(Decimal("0.01"))
            if roll < 0.05
            else amount + Decimal("25.50")
            if roll < 0.15
            else amount
        )
    sent = SheetSent(actor.soak_group, month, amounts)
    run.sheets[(actor.soak_group, month)] = sent
    token = html.unescape(TOKEN.search(page.text).group(1))
    form = [("csrfmiddlewaretoken", token), ("paid_on", be_date_input(min(run.today, month_end(month))))]
    form += [(f"amount_{pk}", f"{amount:.2f}") for pk, amount in amounts.items()]
    answer = submit(browser, "sheet POST", path, form, sent, location=re.compile(re.escape(path) + "$"))
    if answer.outcome == OK:
        sent.answered = True
        browser.send("sheet after POST", "GET", path, check=amount_fields(0))


def post_receipt(browser, actor, rng):
    run = browser.run
    tenancy = rng.choice(actor.tenancies)
    path = f"/rent/tenancies/{tenancy}/collect/"
    page = browser.send(
        "collect form", "GET", path, check=lambda t: None if REQUEST_KEY.search(t) else "no request_key"
    )
    if page.outcome != OK:
        return
    key = REQUEST_KEY.search(page.text).group(1)
    amount = Decimal(rng.randrange(50_00, 600_00)).scaleb(-2)
    sent = ReceiptSent(key, actor.user_pk, tenancy, amount)
    run.receipts[key] = sent
    form = [
        ("csrfmiddlewaretoken", html.unescape(TOKEN.search(page.text).group(1))),
        ("date", be_date_input(run.today)),
        ("amount", f"{amount:.2f}"),
        ("accept_advance", "on"),
        ("request_key", key),
    ]
    answer = submit(browser, "receipt POST", path, form, sent, location=RECEIPT_LOCATION)
    if answer.outcome == OK:
        sent.receipt_pk = int(RECEIPT_LOCATION.search(answer.location).group(1))
        browser.send("receipt page", "GET", answer.location)


def view(kind, path_of):
    def action(browser, actor, rng):
        browser.send(kind, "GET", path_of(actor, rng))

    return action


view_group = view("group page", lambda a, rng: f"/groups/{a.group}/")
ROLE_ACTIONS = {
    "treasurer": [
        (3, view_group),
        (3, view("passbook", lambda a, rng: f"/groups/{a.group}/members/{rng.choice(a.members)}/")),
        (
            2,
            view(
                "posted sheet", lambda a, rng: f"/groups/{a.group}/sheet/{be_month_slug(rng.choice(a.posted_months))}/"
            ),
        ),
        (1, view("my groups", lambda a, rng: "/groups/")),
        (2, post_sheet),
    ],
    "collector": [
        (2, view("rent overview", lambda a, rng: "/rent/")),
        (1, view("tenancy list", lambda a, rng: "/rent/tenancies/")),
        (3, view("tenancy page", lambda a, rng: f"/rent/tenancies/{rng.choice(a.tenancies)}/")),
        (1, view("my receipts", lambda a, rng: "/rent/receipts/")),
        (3, post_receipt),
    ],
    "leader": [
        (2, view("dashboard", lambda a, rng: "/")),
        (1, view("network summary", lambda a, rng: _summary_path(rng))),
        (2, view("rent overview (leader)", lambda a, rng: "/rent/")),
        (2, view_group),
    ],
}


# The kinds of request each role sends, in the order the tables list them.
ROLE_KINDS = {
    "treasurer": [
        "group page",
        "passbook",
        "posted sheet",
        "my groups",
        "sheet form",
        "sheet POST",
        "sheet after POST",
    ],
    "collector": [
        "rent overview",
        "tenancy list",
        "tenancy page",
        "my receipts",
        "collect form",
        "receipt POST",
        "receipt page",
    ],
    "leader": ["dashboard", "network summary", "rent overview (leader)"],
}


def _summary_path(rng):
    year = be_year(datetime.date.today()) - rng.choice([1, 2, 3])
    return f"/groups/summary/?first_0=1&first_1={year}&last_0=12&last_1={year}"


def person(run, actor, seed, think):
    """One person's session: an action, a pause, until the run ends. A bug in the script is
    recorded as a wrong answer rather than silently ending the person."""
    rng = random.Random(seed)
    browser = Browser(run, actor.cookie)
    actions, weights = zip(*[(a, w) for w, a in ROLE_ACTIONS[actor.role]], strict=True)
    time.sleep(rng.uniform(0, think or 0.1))  # people do not all arrive in the same millisecond
    try:
        while run.running():
            try:
                rng.choices(actions, weights)[0](browser, actor, rng)
            except Exception as error:  # noqa: BLE001 - counted and shown, never hidden
                run.samples.append(Sample("script", run.now(), 0.0, WRONG, f"{type(error).__name__}: {error}"))
            if think:
                time.sleep(rng.uniform(0.5, 1.5) * think)
    finally:
        browser.close()


def run_people(port, actors, *, seconds, think, today, seed, during=None):
    """Start one thread per actor for `seconds`; `during(run)` (the fault injector) runs in this
    thread meanwhile. Returns the Run once every person has finished their last action."""
    run = Run(port, seconds, today, error_page_titles())
    threads = [
        threading.Thread(target=person, args=(run, actor, seed * 1000 + i, think), daemon=True)
        for i, actor in enumerate(actors)
    ]
    for thread in threads:
        thread.start()
    if during is not None:
        during(run)
    for thread in threads:
        thread.join(timeout=max(1.0, run.stop_at - time.perf_counter()) + CLIENT_TIMEOUT * 4 + sum(RETRY_PAUSES))
    run.elapsed = run.now()
    return run


# --- Checking the database against what was sent -------------------------------------------------


@dataclasses.dataclass
class Check:
    passed: bool
    text: str


def check_ledger(run, actors, since):
    """Every sheet sent is in the ledger whole or not at all, and whole when it was answered; no
    sheet nobody sent; every answered receipt is there once, as sent; no receipt nobody sent;
    each collector's receipt numbers are 1..N; totals as sent."""
    return check_sheets(run, actors, since) + check_receipts(run, actors, since)


def check_sheets(run, actors, since):
    from groups.models import CollectionSheet, LedgerEntry

    groups = {a.soak_group for a in actors if a.soak_group}
    new_rows = LedgerEntry.objects.filter(group__in=groups, posted_at__gte=since)
    in_ledger = collections.defaultdict(dict)  # (group, month) -> {member: amount}
    stray_rows = 0
    for group, month, member, amount, sheet in new_rows.values_list("group", "month", "member", "amount", "sheet"):
        if sheet is None:
            stray_rows += 1
        in_ledger[(group, month)][member] = amount
    new_sheets = CollectionSheet.objects.filter(group__in=groups, posted_at__gte=since)
    empty = new_sheets.annotate(n=Count("entries")).filter(n=0).count()
    doubles = new_rows.values("sheet", "member").annotate(n=Count("id")).filter(n__gt=1).count()

    answered = lost = not_written = 0
    half, differ = [], []
    sent_total = Decimal(0)
    for key, sent in run.sheets.items():
        rows = in_ledger.get(key)
        if sent.answered:
            answered += 1
            sent_total += sum(sent.amounts.values())
            if rows != sent.amounts:
                differ.append(key)
        elif rows is None:
            not_written += 1
        elif rows == sent.amounts:
            lost += 1  # written whole, its answer lost with a killed worker
            sent_total += sum(sent.amounts.values())
        else:
            half.append(key)
    nobody = [key for key in in_ledger if key not in run.sheets]
    ledger_total = sum((sum(rows.values()) for rows in in_ledger.values()), Decimal(0))
    retried = sum(1 for s in run.sheets.values() if s.attempts > 1)
    rows = sum(len(r) for r in in_ledger.values())
    problems = [
        (len(differ), "answered but different in the ledger"),
        (len(half), "HALF-POSTED"),
        (len(nobody), "in the ledger but never sent"),
        (stray_rows, "rows without a sheet"),
        (empty, "sheets without rows"),
        (doubles, "members twice on a sheet"),
    ]
    passed = not any(n for n, _ in problems)
    return [
        Check(
            passed,
            f"sheets: {len(run.sheets)} sent ({retried} sent again after an error), {answered} answered; "
            f"the ledger has {len(in_ledger)} new sheets, {rows:,} rows"
            + ("" if not passed else ": each sheet sent there once, whole and as sent")
            + ("" if not lost else f"; {lost} written whole though their answer was lost")
            + ("" if not not_written else f"; {not_written} failed with nothing written")
            + "".join(f"; {n} {what}" for n, what in problems if n),
        ),
        Check(
            ledger_total == sent_total,
            f"sheet totals: sent {sent_total:,.2f} baht, ledger {ledger_total:,.2f} baht"
            + (" (equal)" if ledger_total == sent_total else " (DIFFERENT)"),
        ),
    ]


def check_receipts(run, actors, since):
    from rent_collection.models import Receipt, ReceiptSeries

    collectors = {a.user_pk for a in actors if a.role == "collector"}
    if not collectors:
        return []
    fields = ("pk", "collector", "number", "request_key", "tenancy", "amount", "posted_at")
    rows = list(Receipt.objects.filter(collector__in=collectors).values_list(*fields))
    by_key = {str(key): row for row in rows for key in [row[3]] if key}
    answered = lost = not_written = 0
    wrong = []
    sent_total = Decimal(0)
    for key, sent in run.receipts.items():
        row = by_key.get(key)
        matches = row is not None and (row[1], row[4], row[5]) == (sent.collector, sent.tenancy, sent.amount)
        if sent.receipt_pk is not None:
            answered += 1
            sent_total += sent.amount
            if not matches or row[0] != sent.receipt_pk:
                wrong.append(key)
        elif row is None:
            not_written += 1
        elif matches:
            lost += 1
            sent_total += sent.amount
        else:
            wrong.append(key)
    new = [row for row in rows if row[6] >= since]
    nobody = [row for row in new if str(row[3]) not in run.receipts]
    ledger_total = sum((row[5] for row in new), Decimal(0))

    numbering = []
    series = dict(ReceiptSeries.objects.filter(collector__in=collectors).values_list("collector", "next_number"))
    for collector in sorted(collectors):
        numbers = sorted(row[2] for row in rows if row[1] == collector)
        if numbers != list(range(1, len(numbers) + 1)) or series.get(collector, 1) != len(numbers) + 1:
            gaps = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
            doubles = sorted(n for n, c in collections.Counter(numbers).items() if c > 1)
            numbering.append(
                f"collector {collector}: gaps {gaps[:5]}, doubles {doubles[:5]}, next {series.get(collector)}"
            )
    counts = collections.Counter(row[1] for row in rows)
    retried = sum(1 for s in run.receipts.values() if s.attempts > 1)
    return [
        Check(
            not wrong and not nobody,
            f"receipts: {len(run.receipts)} sent ({retried} sent again after an error), "
            f"{answered} answered with their receipt"
            + ("" if wrong or nobody else "; each in the database once, as sent")
            + ("" if not lost else f"; {lost} written though their answer was lost (sent again: the same receipt)")
            + ("" if not not_written else f"; {not_written} failed with nothing written")
            + ("" if not wrong else f"; {len(wrong)} MISSING OR DIFFERENT")
            + ("" if not nobody else f"; {len(nobody)} in the database but never sent"),
        ),
        Check(
            not numbering,
            f"receipt numbers: {len(collectors)} collector logins, "
            + (
                "each 1..N without gaps or doubles (N = " + ", ".join(str(counts[c]) for c in sorted(collectors)) + ")"
                if not numbering
                else "; ".join(numbering)
            ),
        ),
        Check(
            ledger_total == sent_total,
            f"receipt totals: sent {sent_total:,.2f} baht, written {ledger_total:,.2f} baht"
            + (" (equal)" if ledger_total == sent_total else " (DIFFERENT)"),
        ),
    ]


# --- Latency table -------------------------------------------------------------------------------


def kind_table(run, *, outcomes=False):
    """Per request kind: count, failures (or each outcome), p50/p95/p99/max latency in ms."""
    by_kind = collections.defaultdict(list)
    for sample in run.samples:
        by_kind[sample.kind].append(sample)
    head = f"{'request':<24} {'count':>6}"
    head += f" {'ok':>6} {'error page':>10} {'dropped':>7} {'wrong':>5}" if outcomes else f" {'errors':>6}"
    head += f" {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    lines = [head, "-" * len(head)]

    def row(name, samples):
        latencies = sorted(s.seconds * 1000 for s in samples)
        count = collections.Counter(s.outcome for s in samples)
        text = f"{name:<24} {len(samples):>6}"
        if outcomes:
            text += f" {count[OK]:>6} {count[ERROR_PAGE]:>10} {count[DISCONNECTED]:>7} {count[WRONG]:>5}"
        else:
            text += f" {len(samples) - count[OK]:>6}"
        p = [percentile(latencies, q) for q in (50, 95, 99)] + [latencies[-1] if latencies else float("nan")]
        return text + "".join(f" {v:>7.0f}" for v in p)

    order = [kind for actions in ROLE_KINDS.values() for kind in actions]
    for kind in sorted(by_kind, key=lambda k: order.index(k) if k in order else len(order)):
        lines.append(row(kind, by_kind[kind]))
    lines.append("-" * len(head))
    lines.append(row("all", run.samples))
    return lines


def failures(run):
    return [s for s in run.samples if s.outcome != OK]


# --- Report --------------------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    lines: list
    failed: list  # what did not hold, one line each


def sign_in(actors):
    """A session of their own for each person, even those sharing a login, as on their own phones."""
    for actor in actors:
        actor.cookie = session_cookie(actor.user)
    return actors


def soak(actors, port, args, today, since):
    """The soak: run, then check. Returns the lines to print and what failed."""
    run = run_people(port, actors, seconds=args.soak_seconds, think=args.think_seconds, today=today, seed=1)
    checks = check_ledger(run, actors, since)
    bad = failures(run)
    sheets = sum(1 for s in run.sheets.values() if s.answered)
    receipts = sum(1 for r in run.receipts.values() if r.receipt_pk)
    lines = [
        (
            f"soak: {len(actors)} people ({_roles(actors)}) for {args.soak_seconds:g} s,"
            f" about {args.think_seconds:g} s between a person's actions:"
            f" {len(run.samples):,} requests, {len(run.samples) / run.elapsed:.1f} req/s,"
            f" {sheets} sheets and {receipts} receipts posted; {len(bad)} errors (goal 0)"
        ),
        "",
        *kind_table(run),
        "",
        *(("ok      " if c.passed else "FAILED  ") + c.text for c in checks),
    ]
    lines += [f"error: {s.kind} at {s.start:.1f} s: {s.outcome}, {s.detail}" for s in bad[:10]]
    failed = [f"soak: {len(bad)} requests failed"] if bad else []
    failed += [f"soak: {c.text}" for c in checks if not c.passed]
    return Outcome(lines, failed)


def _roles(actors):
    counts = collections.Counter(a.role for a in actors)
    return ", ".join(
        f"{counts[r]} {r}{'s' if counts[r] != 1 else ''}" for r in ("treasurer", "collector", "leader") if counts[r]
    )

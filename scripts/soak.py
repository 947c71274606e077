"""The soak and the fault run of `make bench`, over the benchmark network bench.py built.

Soak: N simulated people (default 50) use the app at once for a few minutes, each pausing about
--think-seconds between actions. Treasurers read their big bench group (group page, passbooks,
posted sheets) and post the sheets of a group of their own, oldest open month first, so no two
people ever post the same group and month; rent collectors read rent pages and write receipts,
several people sharing each collector login so that receipt numbers are taken concurrently;
leaders read the dashboard, the network summary and the rent overview. Every request records its
kind, status and latency. Then the database is checked against what was sent: every sheet in the
ledger once and whole, every answered receipt there once, each collector's receipt numbers 1..N.

Fault run: the same people for a shorter time while gunicorn workers are SIGKILLed in the middle
of a sheet POST, a receipt POST and any request, then PostgreSQL is stopped for a few seconds and
started again. Expected: a request in flight fails with the app's Thai error page (database gone)
or a dropped connection (its worker killed), never anything else; a person who gets an error
sends the same form again, as the error page tells them to; the app answers again by itself soon
after PostgreSQL is back; and the same ledger checks hold. Everything runs against 127.0.0.1 and
the throw-away cluster of scripts/with_postgres.sh; every loop is bounded in time.
"""

import collections
import dataclasses
import datetime
import html
import http.client
import http.cookies
import os
import random
import re
import signal
import subprocess
import threading
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

from django.db import connections, transaction
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext

from groups.demo import COMMITMENTS, FIRST_NAMES, LAST_NAMES
from groups.models import CollectionSheet, GroupStatus, GroupStatusChange, LedgerEntry, Member, SavingsGroup
from rent_collection import services as rent_services
from rent_collection.models import LetterCollector, Receipt, ReceiptSeries, Tenancy
from songkhla_network.models import Community, Person, Role, User
from songkhla_network.thai import be_date_input, be_month_slug, be_year, month_end

# bench.py imports this module once Django is set up; it runs as __main__, so importing it here
# loads its definitions only.
from bench import AMOUNT, HOST, LEADER, MEMBERS, MONTHS, TOKEN, add_months, bench_groups, percentile, session_cookie

SOAK_GROUP_PREFIX = "กลุ่มทดสอบโหลด "  # + 001..: one group per soak treasurer, sheets left to post
SOAK_TREASURER = "bench-soak-treasurer-{:02d}"
SOAK_COLLECTOR = "bench-soak-collector-{:02d}"
LETTER_NUMBER = "พอช.ใต้ ทดสอบโหลด/{}"
CONTRACT = "ทดสอบโหลด {:03d}/{:02d}"
USERS_PER_COLLECTOR = 3  # people sharing one collector login: receipt numbers are taken at once
COMMUNITIES_PER_COLLECTOR = 4
TENANCIES_PER_COMMUNITY = 10
SOAK_GROUP_MONTHS = 120  # open months per soak group: far more than a run posts

RETRY_PAUSES = (2, 4, 8)  # seconds before sending a failed form again, as a person would
CLIENT_TIMEOUT = 30

OK, ERROR_PAGE, DISCONNECTED, WRONG = "ok", "Thai error page", "connection error", "wrong answer"
RECEIPT_LOCATION = re.compile(r"/rent/receipts/(\d+)/$")
REQUEST_KEY = re.compile(r'name="request_key" value="([^"]+)"')


# --- Who takes part ------------------------------------------------------------------------------


@dataclasses.dataclass
class Actor:
    """One simulated person and what they work on."""

    role: str  # treasurer, collector or leader
    user_pk: int
    cookie: str = ""
    group: int | None = None  # the bench group whose pages they read (treasurers and leaders)
    members: list = dataclasses.field(default_factory=list)
    posted_months: list = dataclasses.field(default_factory=list)
    soak_group: int | None = None  # treasurer: the group whose sheets they post
    open_months: collections.deque = dataclasses.field(default_factory=collections.deque)
    tenancies: list = dataclasses.field(default_factory=list)  # collector: tenancy pks they collect from


def role_of(index):
    """Of every ten people: six treasurers, three collectors, one leader; the first three are one
    of each, so a small run still has every role."""
    position = index % 10
    return "collector" if position in (1, 4, 7) else "leader" if position == 2 else "treasurer"


def ensure_soak_dataset(users, today):
    """The logins, groups, tenancies and CODI letter the soak needs, added to the bench network
    (whatever an earlier run made is reused), and one Actor per person with a fresh session.
    Treasurer k reads bench group k and posts the sheets of soak group k; collector logins are
    named in one CODI letter valid today, each for four bench communities of ten tenancies."""
    roles = [role_of(i) for i in range(users)]
    collector_logins = -(-roles.count("collector") // USERS_PER_COLLECTOR)
    bench = list(bench_groups().order_by("name"))
    communities = [group.community_id for group in bench]
    with transaction.atomic():
        treasurer_users = []
        for k in range(roles.count("treasurer")):
            bench_group = bench[k % len(bench)]
            group = _ensure_soak_group(k, bench_group.community_id, today)
            user = _ensure_user(SOAK_TREASURER.format(k + 1), Role.TREASURER, "เหรัญญิกทดสอบโหลด", f"{k + 1:02d}")
            for treasured in (group, bench_group):
                treasured.treasurers.add(user)  # from the group's side, as simple_history records it
            treasurer_users.append((user, bench_group, group))
        collectors = [
            _ensure_user(SOAK_COLLECTOR.format(j + 1), Role.COLLECTOR, "ผู้จัดเก็บทดสอบโหลด", f"{j + 1:02d}")
            for j in range(collector_logins)
        ]
        tenancies = _ensure_rent(collectors, communities, today)
    leader = User.objects.get(username=LEADER)

    this_month = today.replace(day=1)
    posted_months = [add_months(this_month, -i) for i in range(1, MONTHS + 1)]
    actors = []
    counters = collections.Counter()
    for role in roles:
        k = counters[role]
        counters[role] += 1
        if role == "treasurer":
            user, bench_group, group = treasurer_users[k]
            actors.append(Actor(
                role, user.pk, session_cookie(user), group=bench_group.pk,
                members=list(bench_group.members.values_list("pk", flat=True)), posted_months=posted_months,
                soak_group=group.pk, open_months=collections.deque(_open_months(group, this_month)),
            ))  # fmt: skip
        elif role == "collector":
            user = collectors[k // USERS_PER_COLLECTOR]
            actors.append(Actor(role, user.pk, session_cookie(user), tenancies=tenancies[user.pk]))
        else:
            actors.append(Actor(role, leader.pk, session_cookie(leader), group=bench[k % len(bench)].pk))
    return actors


def _ensure_user(username, role, first_name, last_name):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, first_name=first_name, last_name=last_name)
        user.set_unusable_password()  # the soak signs in by making sessions
        user.save()
    return user


def _ensure_soak_group(k, community_id, today):
    """A 40-member group founded ten years ago that has posted no sheet yet."""
    name = f"{SOAK_GROUP_PREFIX}{k + 1:03d}"
    group = SavingsGroup.objects.filter(name=name).first()
    if group is not None:
        return group
    founded = add_months(today.replace(day=1), -SOAK_GROUP_MONTHS - 1).replace(day=20)
    group = SavingsGroup.objects.create(community_id=community_id, name=name, meeting_day=5, default_commitment=Decimal("100"))
    GroupStatusChange.objects.create(group=group, status=GroupStatus.FOUNDED, date=founded)
    people = Person.objects.bulk_create(
        Person(
            title="นาง", first_name=FIRST_NAMES[(k + n) % len(FIRST_NAMES)],
            last_name=f"{LAST_NAMES[n % len(LAST_NAMES)]}โหลด{k + 1:02d}", community_id=community_id,
        )
        for n in range(1, MEMBERS + 1)
    )
    Member.objects.bulk_create(
        Member(group=group, person=person, number=n, joined_on=founded, commitment=COMMITMENTS[(k + n) % len(COMMITMENTS)])
        for n, person in enumerate(people, start=1)
    )
    return group


def _open_months(group, this_month):
    posted = set(CollectionSheet.objects.filter(group=group).values_list("month", flat=True))
    months = [add_months(this_month, -i) for i in range(SOAK_GROUP_MONTHS, -1, -1)]
    return [m for m in months if m not in posted]


def _ensure_rent(collectors, communities, today):
    """Ten tenancies in each of four bench communities per collector, owing six months' rent a
    year ago, and a CODI letter valid today naming every collector not yet named. Returns
    {collector pk: [tenancy pk]}."""
    opening_on = add_months(today.replace(day=1), -12) - datetime.timedelta(days=1)
    by_collector, assignments = {}, []
    named = set(LetterCollector.objects.filter(letter__number__startswith=LETTER_NUMBER.format("")).values_list("collector", flat=True))
    for j, collector in enumerate(collectors):
        mine = []
        numbers = [(j * COMMUNITIES_PER_COLLECTOR + c) % len(communities) + 1 for c in range(COMMUNITIES_PER_COLLECTOR)]
        in_bulk = Community.objects.in_bulk([communities[n - 1] for n in numbers])
        chosen = [in_bulk[communities[n - 1]] for n in numbers]
        for number, community in zip(numbers, chosen, strict=True):
            for t in range(1, TENANCIES_PER_COMMUNITY + 1):
                contract = CONTRACT.format(number, t)
                tenancy = Tenancy.objects.filter(contract_number=contract).first()
                if tenancy is None:
                    rent = Decimal([100, 150, 200, 250][t % 4])
                    tenancy = rent_services.tenancy_register(
                        person={"title": "นาย", "first_name": FIRST_NAMES[(number + t) % len(FIRST_NAMES)],
                                "last_name": f"{LAST_NAMES[t % len(LAST_NAMES)]}เช่า{number:03d}"},
                        community=community, plot=f"{t}/{number}", contract_number=contract, monthly_rent=rent,
                        start_date=datetime.date(2015, 1, 1), opening_balance=rent * 6, opening_on=opening_on,
                        opening_source="ยอดค้างชำระทดสอบ",
                    )  # fmt: skip
                mine.append(tenancy.pk)
        by_collector[collector.pk] = mine
        if collector.pk not in named:
            assignments.append((collector, chosen))
    if assignments:
        letters = LetterCollector.objects.filter(letter__number__startswith=LETTER_NUMBER.format("")).values("letter").distinct().count()
        rent_services.letter_record(
            number=LETTER_NUMBER.format(letters + 1), date=today - datetime.timedelta(days=30), signed_by="ผู้อำนวยการทดสอบ",
            valid_from=today - datetime.timedelta(days=30), valid_to=today + datetime.timedelta(days=3650),
            assignments=assignments,
        )  # fmt: skip
    return by_collector


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
            answer = Answer(None, response.status, data.decode("utf-8", "replace"), response.headers.get("Location", ""))
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
        status in titles and '<html lang="th">' in text and f"<h1>{titles[status]}</h1>" in text and "Traceback" not in text
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
            (amount / 2).quantize(Decimal("0.01")) if roll < 0.05 else amount + Decimal("25.50") if roll < 0.15 else amount
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
    page = browser.send("collect form", "GET", path, check=lambda t: None if REQUEST_KEY.search(t) else "no request_key")
    if page.outcome != OK:
        return
    key = REQUEST_KEY.search(page.text).group(1)
    amount = Decimal(rng.randrange(50_00, 600_00)).scaleb(-2)
    sent = ReceiptSent(key, actor.user_pk, tenancy, amount)
    run.receipts[key] = sent
    form = [
        ("csrfmiddlewaretoken", html.unescape(TOKEN.search(page.text).group(1))), ("date", be_date_input(run.today)),
        ("amount", f"{amount:.2f}"), ("accept_advance", "on"), ("request_key", key),
    ]  # fmt: skip
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
        (2, view("posted sheet", lambda a, rng: f"/groups/{a.group}/sheet/{be_month_slug(rng.choice(a.posted_months))}/")),
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
    "treasurer": ["group page", "passbook", "posted sheet", "my groups", "sheet form", "sheet POST", "sheet after POST"],
    "collector": ["rent overview", "tenancy list", "tenancy page", "my receipts", "collect form", "receipt POST", "receipt page"],
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
    groups = {a.soak_group for a in actors if a.soak_group}
    in_ledger = collections.defaultdict(dict)  # (group, month) -> {member: amount}
    stray_rows = 0
    for group, month, member, amount, sheet in LedgerEntry.objects.filter(group__in=groups, posted_at__gte=since).values_list(
        "group", "month", "member", "amount", "sheet"
    ):
        if sheet is None:
            stray_rows += 1
        in_ledger[(group, month)][member] = amount
    empty = CollectionSheet.objects.filter(group__in=groups, posted_at__gte=since).annotate(n=Count("entries")).filter(n=0).count()
    doubles = LedgerEntry.objects.filter(group__in=groups, posted_at__gte=since).values("sheet", "member").annotate(
        n=Count("id")).filter(n__gt=1).count()  # fmt: skip

    answered = lost = not_written = 0
    half, differ = [], []
    sent_total = Decimal("0")
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
    ledger_total = sum((sum(rows.values()) for rows in in_ledger.values()), Decimal("0"))
    retried = sum(1 for s in run.sheets.values() if s.attempts > 1)
    rows = sum(len(r) for r in in_ledger.values())
    passed = not differ and not half and not nobody and not stray_rows and not empty and not doubles
    return [
        Check(
            passed,
            f"sheets: {len(run.sheets)} sent ({retried} sent again after an error), {answered} answered; "
            f"the ledger has {len(in_ledger)} new sheets, {rows:,} rows"
            + ("" if not passed else ": each sheet sent there once, whole and as sent")
            + ("" if not lost else f"; {lost} written whole though their answer was lost")
            + ("" if not not_written else f"; {not_written} failed with nothing written")
            + "".join(
                f"; {n} {what}" for n, what in [
                    (len(differ), "answered but different in the ledger"), (len(half), "HALF-POSTED"),
                    (len(nobody), "in the ledger but never sent"), (stray_rows, "rows without a sheet"),
                    (empty, "sheets without rows"), (doubles, "members twice on a sheet"),
                ] if n
            ),
        ),
        Check(
            ledger_total == sent_total,
            f"sheet totals: sent {sent_total:,.2f} baht, ledger {ledger_total:,.2f} baht"
            + (" (equal)" if ledger_total == sent_total else " (DIFFERENT)"),
        ),
    ]


def check_receipts(run, actors, since):
    collectors = {a.user_pk for a in actors if a.role == "collector"}
    if not collectors:
        return []
    rows = list(Receipt.objects.filter(collector__in=collectors).values_list("pk", "collector", "number", "request_key", "tenancy", "amount", "posted_at"))
    by_key = {str(key): row for row in rows for key in [row[3]] if key}
    answered = lost = not_written = 0
    wrong = []
    sent_total = Decimal("0")
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
    ledger_total = sum((row[5] for row in new), Decimal("0"))

    numbering = []
    series = dict(ReceiptSeries.objects.filter(collector__in=collectors).values_list("collector", "next_number"))
    for collector in sorted(collectors):
        numbers = sorted(row[2] for row in rows if row[1] == collector)
        if numbers != list(range(1, len(numbers) + 1)) or series.get(collector, 1) != len(numbers) + 1:
            gaps = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
            doubles = sorted(n for n, c in collections.Counter(numbers).items() if c > 1)
            numbering.append(f"collector {collector}: gaps {gaps[:5]}, doubles {doubles[:5]}, next {series.get(collector)}")
    counts = collections.Counter(row[1] for row in rows)
    return [
        Check(
            not wrong and not nobody,
            f"receipts: {len(run.receipts)} sent ({sum(1 for s in run.receipts.values() if s.attempts > 1)} sent again after an error), "
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
            + ("each 1..N without gaps or doubles (N = " + ", ".join(str(counts[c]) for c in sorted(collectors)) + ")"
               if not numbering else "; ".join(numbering)),
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


# --- Faults --------------------------------------------------------------------------------------


class Postgres:
    """The throw-away cluster of scripts/with_postgres.sh, stopped and started again with the
    options it was started with (PG_BIN, PG_WORK, PG_OPTIONS), as its owner `postgres` when this
    runs as root."""

    def __init__(self, pg_bin, work, options):
        self.pg_ctl = str(Path(pg_bin) / "pg_ctl")
        self.work, self.options = Path(work), options
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @classmethod
    def from_environment(cls):
        values = [os.environ.get(name) for name in ("PG_BIN", "PG_WORK", "PG_OPTIONS")]
        return cls(*values) if all(values) and (Path(values[1]) / "data").is_dir() else None

    def _pg_ctl(self, *args):
        subprocess.run(
            [*self.as_owner, self.pg_ctl, "-D", str(self.work / "data"), *args],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    def stop(self):
        """Fast shutdown: open transactions are rolled back, sessions cut."""
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self):
        self._pg_ctl("-l", str(self.work / "server.log"), "-w", "-o", self.options, "start")


def worker_pids(master):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return pids


def worker_serving(workers, server_port, client_port):
    """The worker holding the accepted connection from `client_port`, through /proc/net/tcp
    (the socket's inode) and the workers' file descriptors; None before a worker accepted it."""
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            if state == "01" and int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
                inode = fields[9]
                break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in workers:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
        except OSError:
            continue
    return None


@dataclasses.dataclass
class Kill:
    at: float
    pid: int | None
    kind: str  # what the worker was serving
    client_port: int = 0
    replaced_after: float | None = None


def kill_worker_mid_request(run, server, kinds, within=10.0):
    """SIGKILL the gunicorn worker serving a request of one of `kinds` (any kind when None), as
    soon as one is seen in flight, within `within` seconds. The worker is a child of the gunicorn
    this benchmark started."""
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        workers = worker_pids(server.process.pid)
        with run.in_flight_lock:
            in_flight = list(run.in_flight.values())
        for kind, client_port in in_flight:
            if kinds is None or kind in kinds:
                pid = worker_serving(workers, server.port, client_port)
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                    kill = Kill(run.now(), pid, kind, client_port)
                    _wait_replaced(server, kill, len(workers))
                    return kill
        time.sleep(0.002)
    return Kill(run.now(), None, "nothing in flight")


def _wait_replaced(server, kill, count, within=30.0):
    deadline = time.perf_counter() + within
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        workers = worker_pids(server.process.pid)
        if kill.pid not in workers and len(workers) >= count:
            kill.replaced_after = time.perf_counter() - start
            return
        time.sleep(0.05)


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


@dataclasses.dataclass
class Outcome:
    lines: list
    failed: list  # what did not hold, one line each


def soak(actors, port, args, today, since):
    """The soak: run, then check. Returns the lines to print and what failed."""
    run = run_people(port, actors, seconds=args.soak_seconds, think=args.think_seconds, today=today, seed=1)
    checks = check_ledger(run, actors, since)
    bad = failures(run)
    sheets = sum(1 for s in run.sheets.values() if s.answered)
    receipts = sum(1 for r in run.receipts.values() if r.receipt_pk)
    lines = [
        (
            f"soak: {len(actors)} people ({_roles(actors)}) for {args.soak_seconds:g} s, about {args.think_seconds:g} s between"
            f" a person's actions: {len(run.samples):,} requests, {len(run.samples) / run.elapsed:.1f} req/s,"
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


def faults(actors, server, args, today, since, health_path, probe_cookie):
    """The fault run: the soak's people for --fault-seconds while workers are killed and
    PostgreSQL restarted; then what users saw, how soon the app answered again, and the checks."""
    postgres = Postgres.from_environment()
    times = FaultTimes(kills=[])
    inject = fault_injector(server, postgres, seconds=args.fault_seconds, kills=args.worker_kills,
                            db_down_seconds=args.db_down_seconds, times=times)  # fmt: skip
    probes = []

    def during(run):
        probes.append(Probe(run, health_path, probe_cookie))
        probes[0].thread.start()
        inject(run)

    run = run_people(server.port, actors, seconds=args.fault_seconds, think=args.think_seconds, today=today, seed=2, during=during)
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
            (s for s in run.samples if s.client_port == kill.client_port and s.start <= kill.at <= s.start + s.seconds + 1),
            None,
        )
        got = f"its client got {'a dropped connection' if held.outcome == DISCONNECTED else held.outcome}" if held else "?"
        if held and held.outcome == OK:
            got = "its client had its answer already"
        replaced = f"gunicorn started another in {kill.replaced_after:.1f} s" if kill.replaced_after is not None else "NOT REPLACED within 30 s"
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
        failed.append(f"faults: the app answered from the database {recovery:.1f} s after the restart (limit {limit:g} s)")


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
        + f"), {len(dropped)} dropped connections, {len(wrong)} other answers (goal 0: no traceback, no server or proxy text)"
    )
    settle = max([k.at for k in times.kills] + [times.db_up or 0.0]) + limit
    late = [s for s in bad if s.start > settle]
    if times.db_up is not None:
        last = max((s.start + s.seconds for s in bad if s.start + s.seconds >= times.db_stop), default=None)
        first_ok = min((s.start + s.seconds for s in run.samples if s.outcome == OK and s.start >= times.db_up), default=None)
        lines.append(
            "after the restart: "
            + (f"the last failed request ended {abs(last - times.db_up):.1f} s {'before' if last < times.db_up else 'after'} it; "
               if last is not None else "")
            + (f"the first request sent after it was answered {first_ok - times.db_up:.1f} s after it" if first_ok is not None else "")
        )
    lines.append(f"failures after the faults settled ({settle:.0f} s on): {len(late)} (goal 0)")
    lines.extend(f"wrong answer: {s.kind} at {s.start:.1f} s: {s.detail}" for s in wrong[:10])
    if wrong:
        failed.append(f"faults: {len(wrong)} answers were neither the app's Thai error page nor a dropped connection")
    if late:
        failed.append(f"faults: {len(late)} requests failed after the faults had settled")


def _roles(actors):
    counts = collections.Counter(a.role for a in actors)
    return ", ".join(f"{counts[r]} {r}{'s' if counts[r] != 1 else ''}" for r in ("treasurer", "collector", "leader") if counts[r])

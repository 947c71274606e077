"""The page table: the savings pages a treasurer and a leader open most, each loaded by one client
and then by several at once next to the trivial /ping/; a few collection sheets posted; the CODI
report timed in this process; and the table printed from it all."""

import dataclasses
import datetime
import html
import http.client
import importlib
import re
import sys
import time
import urllib.parse
from decimal import Decimal

from songkhla_network.thai import be_date_input, be_month_slug, be_year

from .client import AMOUNT, REPAYMENT, TOKEN, Page, load, request, session_cookie
from .common import HOST, LEADER, MEMBERS, PREFIX, TREASURER, log, percentile
from .dataset import PICKUP_MEMBERS, bench_groups, borrower_numbers, ensure_pickup_round
from .server import CpuMeter

LOANS = len(borrower_numbers())  # loans owed in each bench group, each with a box on the open sheet


@dataclasses.dataclass
class Plan:
    """What the page table measures and who it signs in as."""

    pages: list
    sheet_targets: list  # (group pk, path of this month's sheet): the sheets to post
    this_month: datetime.date
    year: int  # the last full year (B.E.): the summary and the CODI report cover it
    treasurer_cookie: str
    leader_cookie: str
    group_page: Page  # the summary check's pages: the reference,
    summary_pages: list  # and the network summary and the dashboard held to twice its 1-client p50


def plan(this_month, sheet_posts):
    """The pages of the first bench group, read by its treasurer, and the network's, read by the
    leader. The open month's sheet has a repayment box beside each borrower's saving (a third of
    the members have a loan). Stops if this month's sheet of that group is posted already: the
    open-sheet form would then not be there to measure."""
    from groups.models import CollectionSheet
    from songkhla_network.models import User

    treasurer, leader = User.objects.get(username=TREASURER), User.objects.get(username=LEADER)
    group = bench_groups().order_by("name").first()
    member = group.members.get(number=1)
    passbook_rows = member.entries.count()
    posted_month = CollectionSheet.objects.filter(group=group).order_by("-month").values_list("month", flat=True)[0]
    if CollectionSheet.objects.filter(group=group, month=this_month).exists():
        sys.exit(f"bench: {group} already has a sheet for this month; the open-sheet page cannot be measured.")
    year = be_year(this_month) - 1
    treasurer_cookie, leader_cookie = session_cookie(treasurer), session_cookie(leader)
    open_groups = bench_groups().exclude(pk=group.pk).exclude(sheets__month=this_month).order_by("name")
    sheet_targets = [(g.pk, f"/groups/{g.pk}/sheet/{be_month_slug(this_month)}/") for g in open_groups[:sheet_posts]]
    log("pick-up round: 500 members ...")
    pickup_round = ensure_pickup_round()

    def amount_fields(n, repayments=0):
        def check(text):
            found = (text.count('name="amount_'), text.count('name="repay_'))
            return None if found == (n, repayments) else f"expected {n} amount and {repayments} repayment fields"

        return check

    def has(snippet):
        return lambda text: None if snippet in text else f"{snippet!r} not in the page"

    def is_pdf(text):
        return None if text.startswith("%PDF") else "not a PDF"

    def has_all(*snippets):
        return lambda text: next((f"{s!r} not in the page" for s in snippets if s not in text), None)

    sheet = f"/groups/{group.pk}/sheet/"
    period = f"first_0=1&first_1={year}&last_0=12&last_1={year}"
    group_page = Page(
        f"group page, {MEMBERS} members", f"/groups/{group.pk}/", treasurer_cookie, has(f"/members/{member.pk}/")
    )
    summary = Page(f"network summary {year} (leader)", f"/groups/summary/?{period}", leader_cookie, has(PREFIX))
    # The leader's home: the network at a glance, its savings over the last twelve months.
    dashboard = Page("dashboard (leader)", "/", leader_cookie, has_all("/groups/summary/", "/export/network.xlsx"))
    pages = [
        Page("/ping/ (no database)", "/ping/"),
        Page(
            f"sheet, posted month {be_month_slug(posted_month)}",
            f"{sheet}{be_month_slug(posted_month)}/",
            treasurer_cookie,
            amount_fields(0),
        ),
        Page(
            f"sheet, open month {be_month_slug(this_month)}, {LOANS} loans",
            f"{sheet}{be_month_slug(this_month)}/",
            treasurer_cookie,
            amount_fields(MEMBERS, LOANS),
        ),
        Page(
            f"passbook, {passbook_rows} rows",
            f"/groups/{group.pk}/members/{member.pk}/",
            treasurer_cookie,
            has(f"/groups/{group.pk}/entries/"),
        ),
        group_page,
        summary,
        dashboard,
        Page(
            f"CODI report PDF {year}, 12 months",
            f"/report/codi-report.pdf?{period}",
            leader_cookie,
            is_pdf,
            concurrency=1,  # staff export it a few times a year
        ),
        Page(
            f"pick-up list PDF, {PICKUP_MEMBERS} members",
            f"/enterprise/rounds/{pickup_round.pk}/pickup.pdf",
            leader_cookie,
            is_pdf,
            concurrency=2,  # a document staff print now and then, not a page under load
        ),
    ]
    return Plan(
        pages, sheet_targets, this_month, year, treasurer_cookie, leader_cookie, group_page, [summary, dashboard]
    )


def measure(pages, server, args):
    """Each page that answers as it should: every worker warmed up, then one client alone, then
    --concurrency clients (or the page's own) for --seconds with the CPU each side spent."""
    meter = CpuMeter(server.process.pid)
    for page in pages:
        if not page.verify(server.port):
            log(f"load: {page.name}: skipped, {page.samples[-1]}")
            continue
        # Warm every worker (templates, translations, database connection) before timing.
        concurrency = page.concurrency or args.concurrency
        load(page, server.port, seconds=2, concurrency=concurrency, max_requests=4 * args.workers)
        log(f"load: {page.name}: 1 client, then {concurrency} clients for {args.seconds:g} s ...")
        page.alone, _ = load(
            page, server.port, seconds=min(3.0, args.seconds / 3), concurrency=1, max_requests=20, min_requests=5
        )
        before = meter.snapshot()
        page.latencies, page.elapsed = load(
            page, server.port, seconds=args.seconds, concurrency=concurrency, max_requests=args.requests
        )
        page.cpu = CpuMeter.delta(before, meter.snapshot())


def post_sheets(plan, port, seconds):
    """This month's sheets of the plan's groups posted one by one, each with its members' savings
    and its loans' repayments, added to the table as a row of its own; a redirect counts only if
    the sheet, all its deposits and repayments to the satang are in the database."""
    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from groups.models import CollectionSheet, LedgerEntry, LoanEntry

    if not plan.sheet_targets:
        log("post: skipped (--sheet-posts 0, or every benchmark group has this month's sheet already)")
        return
    log(f"post: up to {len(plan.sheet_targets)} collection sheets for {be_month_slug(plan.this_month)} ...")
    post, posted, repaid = _post(
        port, plan.leader_cookie, plan.sheet_targets, seconds=seconds, paid_on=be_date_input(timezone.localdate())
    )
    in_db = CollectionSheet.objects.filter(group__in=posted, month=plan.this_month).count()
    rows = LedgerEntry.objects.filter(sheet__group__in=posted, sheet__month=plan.this_month).count()
    repayments = LoanEntry.objects.filter(sheet__group__in=posted, sheet__month=plan.this_month)
    repaid_in_db = repayments.aggregate(total=Sum("amount"))["total"] or 0
    connection.close()
    if in_db != len(posted) or rows != len(posted) * MEMBERS or repaid_in_db != repaid:
        post.errors += 1
        post.samples.append(
            f"{len(posted)} redirects but {in_db} sheets / {rows} rows / {repaid_in_db} baht repaid in the database"
            f" ({repaid} sent)"
        )
    plan.pages.append(post)


def _post(port, cookie, targets, *, seconds, paid_on):
    """Post this month's sheet of each target group as a leader would: GET the form (CSRF cookie
    and token), POST every member's prefilled commitment and every loan's prefilled repayment,
    expect the redirect back to the sheet. Only the POST is timed. Sequential, one sheet at a
    time. Returns the row of the table, the groups posted and what they repaid."""
    result = Page(f"POST sheet, {MEMBERS} deposits, {LOANS} repaid", "/groups/<pk>/sheet/<this month>/")
    deadline = time.perf_counter() + seconds
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    posted, repaid = [], Decimal(0)
    try:
        for group_pk, path in targets:
            if time.perf_counter() >= deadline:
                break
            problem = None
            status, headers, body = request("GET", port, path, headers={"Cookie": cookie}, conn=conn)
            text = body.decode("utf-8", "replace")
            token = TOKEN.search(text)
            csrf_cookie = re.search(r"csrftoken=([^;]+)", "; ".join(headers.get_all("Set-Cookie") or []))
            amounts, repayments = AMOUNT.findall(text), REPAYMENT.findall(text)
            if status != 200 or not token or not csrf_cookie or (len(amounts), len(repayments)) != (MEMBERS, LOANS):
                problem = f"GET {path}: status {status}, {len(amounts)} amount and {len(repayments)} repayment fields"
            else:
                form = [("csrfmiddlewaretoken", html.unescape(token.group(1))), ("paid_on", paid_on)]
                form += [(name, html.unescape(value)) for name, value in amounts + repayments]
                t0 = time.perf_counter()
                form_headers = {
                    "Cookie": f"{cookie}; csrftoken={csrf_cookie.group(1)}",
                    "Content-Type": "application/x-www-form-urlencoded",
                }
                body = urllib.parse.urlencode(form)
                status, headers, _ = request("POST", port, path, conn=conn, body=body, headers=form_headers)
                result.latencies.append(time.perf_counter() - t0)
                location = headers.get("Location", "")
                if status != 302 or not location.endswith(path):
                    problem = f"POST {path}: status {status}, Location {location!r}"
                else:
                    posted.append(group_pk)
                    repaid += sum(Decimal(html.unescape(value).replace(",", "")) for _name, value in repayments)
            if problem:
                result.errors += 1
                if len(result.samples) < 5:
                    result.samples.append(problem)
    finally:
        conn.close()
    # One client posting back to back: req/s is POSTs per second of POST time (the GETs left out).
    result.elapsed = sum(result.latencies)
    result.latencies.sort()
    result.alone = result.latencies
    return result, posted, repaid


# --- Report --------------------------------------------------------------------------------------

LEGEND = [
    "p50/p95: latency with the client's connections all busy (includes waiting for a free worker).",
    "p50 ratio = page p50 / ping p50; req/s ratio = page req/s / ping req/s (share of ping's throughput).",
    "1-client p50: latency with a single client, nothing queued. app CPU / db CPU: CPU ms per request",
    "in gunicorn / in PostgreSQL. others: share of all cores used by programs outside the benchmark.",
]


def report(pages, slow_ms):
    """The table, what its columns mean, the pages slower than --slow-ms and the first wrong
    answers of each page. The first page is /ping/, against which the ratios are taken."""
    table, slow = _table(pages, pages[0], slow_ms)
    lines = [table, "", *LEGEND]
    if slow:
        lines.append(f"* p50 above {slow_ms:g} ms: " + ", ".join(slow))
    lines += [f"error on {page.name}: {sample}" for page in pages for sample in page.samples]
    return lines


SUMMARY_LIMIT = 2  # issue 15: the network summary and the dashboard within twice the group page


def summary_check(group_page, summary_pages):
    """Whether the 1-client p50 of each of `summary_pages` (the network summary, the dashboard:
    the pages that read the whole network) is within twice the group page's (a page that reads one
    group). Returns (passed, the line that says so)."""
    reference = percentile(group_page.alone, 50) * 1000 if group_page.alone else None
    if reference is None:
        return False, "summary pages: the group page was not measured, nothing to compare with"
    limit = SUMMARY_LIMIT * reference
    passed, parts = True, []
    for page in summary_pages:
        label = page.name.split(" (")[0]
        if not page.alone:
            passed = False
            parts.append(f"{label} not measured")
            continue
        p50 = percentile(page.alone, 50) * 1000
        passed = passed and p50 <= limit
        parts.append(f"{label} {p50:.1f} ms ({p50 / reference:.1f}x{'' if p50 <= limit else ', NOT ok'})")
    return passed, (
        f"summary pages: 1-client p50 within {SUMMARY_LIMIT}x the group page's {reference:.1f} ms"
        f" (at most {limit:.1f} ms): " + ", ".join(parts)
    )


def _table(pages, baseline, slow_ms):
    head = (
        f"{'page':<36} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p50 ratio':>9}"
        f" {'req/s ratio':>11} {'1-client p50':>12} {'app CPU':>7} {'db CPU':>6} {'others':>6}"
    )
    lines = [head, "-" * len(head)]
    base_p50 = percentile(baseline.latencies, 50)
    base_rps = len(baseline.latencies) / baseline.elapsed if baseline.elapsed else float("nan")
    slow = []

    def ms_per_request(cpu, key, n):
        return f"{cpu[key] / n * 1000:.1f}" if cpu and cpu[key] is not None and n else "-"

    for page in pages:
        n = len(page.latencies)
        rps = n / page.elapsed if page.elapsed else float("nan")
        p50, p95 = percentile(page.latencies, 50), percentile(page.latencies, 95)
        alone = f"{percentile(page.alone, 50) * 1000:.1f}" if page.alone else "-"
        cpu = page.cpu
        others = "-"
        if cpu and cpu["total"] and None not in cpu.values():
            others = f"{max(0.0, cpu['busy'] - cpu['app'] - cpu['db'] - cpu['client']) / cpu['total'] * 100:.0f}%"
        flag = ""
        if p50 * 1000 > slow_ms:
            flag = " *"
            slow.append(page.name)
        row = (
            f"{page.name:<36} {n:>8} {page.errors:>6} {rps:>7.1f} {p50 * 1000:>7.1f} {p95 * 1000:>7.1f}"
            f" {p50 / base_p50:>8.1f}x {rps / base_rps:>11.3f} {alone:>12} {ms_per_request(cpu, 'app', n):>7}"
            f" {ms_per_request(cpu, 'db', n):>6} {others:>6}{flag}"
        )
        lines.append(re.sub(r"(?<![\w.])nanx?(?![\w])", lambda m: " " * (len(m.group()) - 1) + "-", row))
    return "\n".join(lines), slow


def _codi_report_module():
    """The CODI report is moving from songkhla_network/ to the network app, its PDF template with
    it (templates/<app>/codi_report_pdf.html): the module and its app's name, wherever it is."""
    for app in ("network", "songkhla_network"):
        try:
            return importlib.import_module(f"{app}.codi_report"), app
        except ModuleNotFoundError as error:
            if error.name not in (app, f"{app}.codi_report"):
                raise  # the module is there but something it imports is not
    raise ModuleNotFoundError("no codi_report module in network/ or songkhla_network/")


def time_codi_report(year):
    """The CODI report for the twelve months of `year` (B.E.), timed in this process: the figures
    (database) and the PDF (WeasyPrint) apart. Run twice; the second run is reported (warm)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    from songkhla_network.pdf import render_document

    log(f"CODI report {year}, 12 months ...")
    module, app = _codi_report_module()
    first, last = datetime.date(year - 543, 1, 1), datetime.date(year - 543, 12, 1)
    with translation.override("th"):
        for _run in range(2):
            reset_queries()
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                data = module.codi_report(first, last, issued=timezone.localdate())
            figures = time.perf_counter() - start
            start = time.perf_counter()
            document = render_document(f"{app}/codi_report_pdf.html", {"report": data, "printed_on": ""})
            document.write_pdf()
            rendered = time.perf_counter() - start
    return {
        "year": year,
        "total": figures + rendered,
        "figures": figures,
        "pdf": rendered,
        "queries": len(queries),
        "pages": len(document.pages),
    }

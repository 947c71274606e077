"""`make bench`: how fast the savings pages answer over a production-sized ledger.

1. Migrates the database in DATABASE_URL (PostgreSQL only) and, unless it is already there, loads
   a dataset the size of the network after ten years: 100 groups x 40 members x 120 months of
   deposits (480,000 ledger rows, 12,000 collection sheets) plus withdrawals and reversals,
   through COPY in one transaction; then ANALYZE.
2. Runs collectstatic and serves the app with gunicorn on 127.0.0.1 as in production (DEBUG=0).
3. Signs a treasurer and a leader in (sessions made directly) and loads each page in turn with a
   small threaded HTTP client for --seconds, then posts a few collection sheets.
4. Soak (scripts/soak.py): --soak-users people (default 50) use the app at once for
   --soak-seconds (default 300), reading pages and posting collection sheets and rent receipts;
   then the ledger is checked against what was sent.
5. Faults (--faults, on by default): the same people for --fault-seconds while gunicorn workers
   are killed mid-request and PostgreSQL is stopped and started again; then what users saw, how
   soon the app recovered, and the same checks.
6. Prints requests/s and latency per page next to the trivial /ping/ view, the soak's and the
   fault run's figures, stops gunicorn, and exits 1 if any request failed (outside the faults)
   or any check did not hold.

All traffic goes to 127.0.0.1; every loop is bounded in time and count.
"""

import argparse
import datetime
import html
import http.client
import io
import itertools
import math
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"

GROUPS = 100
MEMBERS = 40
MONTHS = 120
PREFIX = "กลุ่มสัจจะออมทรัพย์ชุมชนทดสอบ "  # + 001..100: marks the benchmark's groups
TREASURER = "bench-treasurer"
LEADER = "bench-leader"


def log(message):
    print(message, flush=True)


def parse_args():
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time per page (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="client connections at once (default 8)")
    parser.add_argument("--requests", type=int, default=200_000, help="at most this many requests per page")
    parser.add_argument("--workers", type=int, default=2 * cores, help=f"gunicorn workers (default 2 x cores = {2 * cores})")
    parser.add_argument("--sheet-posts", type=int, default=20, help="collection sheets to POST (default 20, 0: none)")
    parser.add_argument("--slow-ms", type=float, default=100.0, help="flag pages whose p50 is above this (default 100)")
    soak = parser.add_argument_group("soak and faults")
    soak.add_argument("--soak-seconds", type=float, default=300.0, help="length of the soak (default 300, 0: none)")
    soak.add_argument("--soak-users", type=int, default=50, help="people using the app at once (default 50)")
    soak.add_argument("--think-seconds", type=float, default=1.0, help="a person's mean pause between actions (default 1)")
    soak.add_argument(
        "--faults", action=argparse.BooleanOptionalAction, default=True,
        help="after the soak, kill workers and restart PostgreSQL under the same load (default: on)",
    )  # fmt: skip
    soak.add_argument("--fault-seconds", type=float, default=60.0, help="length of the fault run (default 60)")
    soak.add_argument("--worker-kills", type=int, default=3, help="gunicorn workers killed mid-request (default 3)")
    soak.add_argument("--db-down-seconds", type=float, default=5.0, help="how long PostgreSQL stays stopped (default 5)")
    soak.add_argument(
        "--recovery-limit", type=float, default=10.0,
        help="seconds after PostgreSQL is back within which the app must answer again (default 10)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.seconds <= 0 or args.seconds > 600:
        parser.error("--seconds must be in (0, 600]")
    if not 1 <= args.concurrency <= 256:
        parser.error("--concurrency must be 1..256")
    if not 1 <= args.workers <= 64:
        parser.error("--workers must be 1..64")
    if not 0 <= args.soak_seconds <= 3600 or not 10 <= args.fault_seconds <= 600:
        parser.error("--soak-seconds must be in [0, 3600] and --fault-seconds in [10, 600]")
    if not 1 <= args.soak_users <= 200 or not 0 <= args.think_seconds <= 60:
        parser.error("--soak-users must be 1..200 and --think-seconds in [0, 60]")
    if not 0 <= args.worker_kills <= 6 or not 0 < args.db_down_seconds <= 60:
        parser.error("--worker-kills must be 0..6 and --db-down-seconds in (0, 60]")
    return args


# --- Environment: the same production settings for this process and for gunicorn ---------------


def production_env():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench: DATABASE_URL must name a PostgreSQL database (run it through `make bench`).")
    return {
        "DJANGO_SETTINGS_MODULE": "songkhla_network.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
    }


# --- Dataset -------------------------------------------------------------------------------------


def add_months(day, n):
    index = day.year * 12 + day.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


class Copier:
    """Rows for one table, written in chunks through COPY ... FROM STDIN (tab-separated text)."""

    CHUNK = 50_000

    def __init__(self, cursor, model, fields):
        self.cursor = cursor
        self.table = model._meta.db_table
        self.columns = ", ".join(f'"{model._meta.get_field(f).column}"' for f in fields)
        self.buffer = io.StringIO()
        self.pending = 0
        self.total = 0

    @staticmethod
    def text(value):
        if value is None:
            return r"\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        text = str(value)
        assert not any(c in text for c in "\t\n\r\\"), text
        return text

    def add(self, *values):
        self.add_line("\t".join(map(self.text, values)) + "\n")

    def add_line(self, line):
        """A row already in COPY's text form, ending in a newline."""
        self.buffer.write(line)
        self.pending += 1
        if self.pending >= self.CHUNK:
            self.flush()

    def flush(self):
        if self.pending:
            self.buffer.seek(0)
            self.cursor.copy_expert(f"COPY {self.table} ({self.columns}) FROM STDIN", self.buffer)
            self.total += self.pending
            self.buffer = io.StringIO()
            self.pending = 0
        return self.total


def next_ids(cursor, model):
    """The first free id of the table; ids are assigned here so rows can point to each other."""
    table = model._meta.db_table
    cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return itertools.count(cursor.fetchone()[0])


def bench_groups():
    from groups.models import SavingsGroup

    return SavingsGroup.objects.filter(name__startswith=PREFIX)


def bulk_load_mode(cursor, table):
    """Drop the table's foreign keys and the indexes no constraint needs, and return the SQL that
    puts them back: building an index once and checking a foreign key in one join is much faster
    than maintaining them row by row (PostgreSQL's "Populating a Database" advice)."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses tables with checks pending
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _ in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in foreign_keys
    ]


def build_dataset(this_month):
    """Load the dataset in one transaction: a run stopped half-way leaves nothing behind."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from groups.demo import COMMITMENTS, FIRST_NAMES, LAST_NAMES
    from groups.models import (
        CollectionSheet,
        EntryKind,
        GroupStatus,
        GroupStatusChange,
        LedgerEntry,
        Member,
        Officer,
        SavingsGroup,
    )
    from songkhla_network.models import Community, Person, Role, User

    first_month = add_months(this_month, -MONTHS)  # 120 posted months; this month is left to post
    months = [add_months(first_month, i) for i in range(MONTHS)]
    founded_on = add_months(first_month, -1).replace(day=20)
    forming_on = add_months(first_month, -3).replace(day=10)

    def stamp(day):
        return f"{day.isoformat()} 19:30:00+07"

    with transaction.atomic():
        treasurer = User(username=TREASURER, role=Role.TREASURER, first_name="เหรัญญิก", last_name="ทดสอบ")
        leader = User(username=LEADER, role=Role.LEADER, first_name="ผู้นำเครือข่าย", last_name="ทดสอบ")
        for user in (treasurer, leader):
            user.set_unusable_password()  # the benchmark signs in by making sessions
            user.save()
        with connection.cursor() as cursor:
            ids = {
                model: next_ids(cursor, model)
                for model in (Community, SavingsGroup, Person, Member, CollectionSheet, LedgerEntry, GroupStatusChange, Officer)
            }
            ledger_table = LedgerEntry._meta.db_table
            restore = bulk_load_mode(cursor, ledger_table)

            communities = Copier(cursor, Community, ["id", "name", "district", "note"])
            groups = Copier(cursor, SavingsGroup, ["id", "community", "name", "meeting_day", "default_commitment", "note"])
            changes = Copier(cursor, GroupStatusChange, ["id", "group", "status", "date", "note"])
            people = Copier(
                cursor, Person,
                ["id", "title", "first_name", "last_name", "phone", "national_id", "community", "address"],
            )  # fmt: skip
            members = Copier(cursor, Member, ["id", "group", "person", "number", "joined_on", "left_on", "commitment"])
            officers = Copier(cursor, Officer, ["id", "group", "person", "position", "since", "until"])
            sheets = Copier(cursor, CollectionSheet, ["id", "group", "month", "paid_on", "posted_by", "posted_at"])
            entry_fields = ["id", "group", "member", "kind", "month", "date", "amount", "sheet", "reverses", "reason",
                            "request_key", "posted_by", "posted_at"]  # fmt: skip
            entries = Copier(cursor, LedgerEntry, entry_fields)
            deposit, withdrawal = EntryKind.DEPOSIT.value, EntryKind.WITHDRAWAL.value
            month_texts = [m.isoformat() for m in months]

            first_group = None
            for g in range(1, GROUPS + 1):
                community_id, group_id = next(ids[Community]), next(ids[SavingsGroup])
                first_group = first_group or group_id
                poster = treasurer.pk if g == 1 else leader.pk
                meeting_day = 1 + (g * 7) % 28
                communities.add(community_id, f"ชุมชนทดสอบ {g:03d}", "เมืองสงขลา", "")
                groups.add(group_id, community_id, f"{PREFIX}{g:03d}", meeting_day, "100.00", "")
                changes.add(next(ids[GroupStatusChange]), group_id, GroupStatus.FORMING.value, forming_on, "")
                changes.add(next(ids[GroupStatusChange]), group_id, GroupStatus.FOUNDED.value, founded_on, "")

                member_rows = []  # (member id, number, commitment, amount texts: usual, half, +50)
                for number in range(1, MEMBERS + 1):
                    person_id, member_id = next(ids[Person]), next(ids[Member])
                    k = g * MEMBERS + number
                    people.add(
                        person_id, ["นาง", "นางสาว", "นาย", "นาง"][k % 4], FIRST_NAMES[k % len(FIRST_NAMES)],
                        f"{LAST_NAMES[(k // len(FIRST_NAMES)) % len(LAST_NAMES)]}{g:03d}", f"08{k:08d}", "", community_id, f"{number} หมู่ {g}",
                    )  # fmt: skip
                    commitment = COMMITMENTS[k % len(COMMITMENTS)]
                    members.add(member_id, group_id, person_id, number, founded_on, None, commitment)
                    texts = (f"{commitment:.2f}", f"{commitment / 2:.2f}", f"{commitment + 50:.2f}")
                    member_rows.append((member_id, number, commitment, texts))
                    if number <= 3:
                        position = ["chair", "treasurer", "secretary"][number - 1]
                        officers.add(next(ids[Officer]), group_id, person_id, position, founded_on, None)

                # Two sheet deposits per group typed ten times too big, reversed three days later
                # and paid again; one withdrawal a year, each by a different member.
                typos = {(0, 30): None, (1, 75): None}  # (member index, month index) -> (entry id, right amount)
                withdrawals = {12 * y - 6: (3 * y + g) % MEMBERS for y in range(1, MONTHS // 12 + 1)}
                for i, month in enumerate(months):
                    paid_on = month.replace(day=meeting_day)
                    sheet_id, posted = next(ids[CollectionSheet]), stamp(paid_on)
                    sheets.add(sheet_id, group_id, month, paid_on, poster, posted)
                    head = f"\t{group_id}\t"
                    tail = f"\t{deposit}\t{month_texts[i]}\t{paid_on.isoformat()}\t"
                    after = f"\t{sheet_id}\t\\N\t\t\\N\t{poster}\t{posted}\n"
                    for m, (member_id, number, _commitment, texts) in enumerate(member_rows):
                        roll = (g * 7919 + number * 104729 + i * 31) % 20
                        amount = texts[1] if roll == 0 else texts[2] if roll == 1 else texts[0]
                        entry_id = next(ids[LedgerEntry])
                        if (m, i) in typos:
                            typos[(m, i)] = (entry_id, Decimal(amount))
                            amount = f"{Decimal(amount) * 10:.2f}"
                        entries.add_line(f"{entry_id}{head}{member_id}{tail}{amount}{after}")
                    if i in withdrawals:
                        member_id, _, commitment, _ = member_rows[withdrawals[i]]
                        day = month.replace(day=28)
                        entries.add(
                            next(ids[LedgerEntry]), group_id, member_id, withdrawal, month, day,
                            f"{-commitment * 3:.2f}", None, None, "ค่าเทอมลูก", None, poster, stamp(day),
                        )  # fmt: skip
                for (m, i), (typo_id, right) in typos.items():
                    member_id = member_rows[m][0]
                    day = months[i].replace(day=meeting_day) + datetime.timedelta(days=3)
                    entries.add(
                        next(ids[LedgerEntry]), group_id, member_id, deposit, months[i], day, f"{-right * 10:.2f}",
                        None, typo_id, "พิมพ์ยอดเกินสิบเท่า", None, poster, stamp(day),
                    )  # fmt: skip
                    entries.add(
                        next(ids[LedgerEntry]), group_id, member_id, deposit, months[i], day, f"{right:.2f}",
                        None, None, "", None, poster, stamp(day),
                    )  # fmt: skip

            counts = {}
            for name, copier in [
                ("communities", communities), ("groups", groups), ("status changes", changes), ("people", people),
                ("members", members), ("officers", officers), ("sheets", sheets), ("ledger rows", entries),
            ]:  # fmt: skip
                counts[name] = copier.flush()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for sql in restore:
                cursor.execute(sql)
            for sql in connection.ops.sequence_reset_sql(no_style(), list(ids)):
                cursor.execute(sql)
        SavingsGroup.objects.get(pk=first_group).treasurers.add(treasurer)
    return counts


def ensure_dataset(this_month):
    from django.db import connection

    if bench_groups().count() == GROUPS:
        log(f"dataset: reusing the {GROUPS} benchmark groups already in the database")
        built = None
    else:
        if bench_groups().exists():
            sys.exit("bench: the database holds an incomplete benchmark dataset; use a fresh database.")
        log(f"dataset: building {GROUPS} groups x {MEMBERS} members x {MONTHS} months ...")
        start = time.perf_counter()
        counts = build_dataset(this_month)
        built = time.perf_counter() - start
        log("dataset: built in {:.1f} s ({})".format(built, ", ".join(f"{v:,} {k}" for k, v in counts.items())))
    start = time.perf_counter()
    with connection.cursor() as cursor:
        # After a bulk load production tables would have been autovacuumed: set the visibility map
        # and the planner's statistics the same way.
        cursor.execute("VACUUM ANALYZE" if built is not None else "ANALYZE")
    log(f"dataset: {'VACUUM ANALYZE' if built is not None else 'ANALYZE'} in {time.perf_counter() - start:.1f} s")
    return built


PICKUP_ROUND = "bench: 500-member round"
PICKUP_MEMBERS = 500


def ensure_pickup_round():
    """A received buying round in which 500 members ordered two staples each (one of them short on
    delivery), for timing its pick-up list PDF. Reused when it exists."""
    from django.db import transaction

    from enterprise import selectors, services
    from enterprise.models import BuyingRound, Product, Supplier
    from groups.models import Member
    from songkhla_network.models import User

    existing = BuyingRound.objects.filter(title=PICKUP_ROUND, received_at__isnull=False).first()
    if existing:
        return existing
    leader = User.objects.get(username=LEADER)
    today = datetime.date.today()
    with transaction.atomic():
        if not Product.objects.filter(active=True).exists():
            supplier = Supplier.objects.create(name="bench supplier")
            for name, per_pack in [("ข้าวสาร", 6), ("ไข่ไก่", 10)]:
                Product.objects.create(
                    name=name, unit="หน่วย", supplier=supplier, pack_name="ลัง", units_per_pack=per_pack,
                    pack_price=Decimal("600"), member_price=Decimal("110"), retail_price=Decimal("130"), retail_seen_on=today,
                )  # fmt: skip
        buying_round = services.round_open(title=PICKUP_ROUND, opened_on=today, closes_on=today, pickup_on=today, user=leader)
        items = list(buying_round.items.all())[:2]
        members = list(Member.objects.filter(group__in=bench_groups()).select_related("group").order_by("group__name", "number")[:PICKUP_MEMBERS])
        by_group = {}
        for k, member in enumerate(members):
            by_group.setdefault(member.group, {}).update({(member.pk, item.pk): 1 + (k + i) % 3 for i, item in enumerate(items)})
        for group, quantities in by_group.items():
            services.orders_replace(buying_round=buying_round, group=group, quantities=quantities, user=leader, today=today)
        totals = selectors.item_totals(buying_round)
        packs = {t.item.pk: t.packs_up for t in totals}
        services.round_close(buying_round=buying_round, packs=packs, user=leader)
        received = {pk: n - (1 if k == 0 else 0) for k, (pk, n) in enumerate(packs.items())}
        services.round_receive(buying_round=buying_round, received=received, notes={}, date=today, user=leader)
    return buying_round


def dataset_summary():
    from django.db import connection

    from groups.models import CollectionSheet, LedgerEntry, Member, SavingsGroup

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
        size, version = cursor.fetchone()
    return {
        "groups": SavingsGroup.objects.count(),
        "members": Member.objects.count(),
        "sheets": CollectionSheet.objects.count(),
        "ledger rows": LedgerEntry.objects.count(),
        "database size": size,
        "postgres": version.split(" on ")[0].split(",")[0],
    }


# --- Sessions ------------------------------------------------------------------------------------


def session_cookie(user):
    """A signed-in session made the way django.contrib.auth.login makes one."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
    from django.contrib.sessions.backends.db import SessionStore

    # The backend that signs people in, not a guard in front of it (django-axes comes first).
    backend = next(path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user"))
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.set_expiry(3600)
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


# --- CPU accounting ------------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds spent by the app server (gunicorn's master and workers), the database server
    (the postmaster and its backends, when it is with_postgres.sh's throw-away cluster in PG_WORK),
    this client, and the whole machine, read from /proc. CPU per request changes much less than
    latency when other programs compete for the cores. Linux only; elsewhere every figure is None."""

    def __init__(self, app_pid):
        self.app_pid = app_pid
        self.db_pid = None
        pid_file = Path(os.environ.get("PG_WORK", "/nonexistent")) / "data" / "postmaster.pid"
        try:
            self.db_pid = int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def _processes(self):
        """{pid: (parent pid, CPU s of the process and of its children it has waited for)}"""
        processes = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended meanwhile
            processes[int(entry)] = (int(fields[1]), sum(map(int, fields[11:15])) / self.tick)
        return processes

    def snapshot(self):
        if not os.path.exists("/proc/stat"):
            return None
        processes = self._processes()

        def tree(root):
            if root not in processes:
                return None
            return processes[root][1] + sum(cpu for parent, cpu in processes.values() if parent == root)

        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
        times = os.times()
        return {
            "app": tree(self.app_pid),
            "db": tree(self.db_pid) if self.db_pid else None,
            "client": times.user + times.system,
            "busy": (sum(ticks[:8]) - idle) / self.tick,
            "total": sum(ticks[:8]) / self.tick,
        }

    @staticmethod
    def delta(before, after):
        if before is None or after is None:
            return None
        return {k: None if before[k] is None or after[k] is None else after[k] - before[k] for k in before}


# --- gunicorn ------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env, workers):
        self.port = free_port()
        self.workers = workers
        log_dir = ROOT / ".bench"
        log_dir.mkdir(exist_ok=True)
        self.log_path = log_dir / "gunicorn.log"
        self.command = [
            str(Path(sys.executable).parent / "gunicorn"), "songkhla_network.wsgi",
            "--workers", str(workers), "--bind", f"{HOST}:{self.port}",
            "--timeout", "60", "--graceful-timeout", "5", "--error-logfile", str(self.log_path),
        ]  # fmt: skip
        self.env = {**os.environ, **env}
        self.process = None

    def start(self):
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _, _ = request("GET", self.port, "/ping/", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s:\n{self.log_tail()}")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the session this script started
                self.process.wait(timeout=5)
        if self.process is not None:
            self.log_file.close()

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- HTTP client ---------------------------------------------------------------------------------


def request(method, port, path, *, headers=None, body=None, timeout=30, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.headers, data
    finally:
        if own:
            conn.close()


class Page:
    def __init__(self, name, path, cookie=None, check=None, concurrency=None):
        self.name, self.path, self.cookie, self.check = name, path, cookie, check
        self.concurrency = concurrency  # None: the run's --concurrency
        self.latencies, self.errors, self.samples, self.elapsed = [], 0, [], 0.0
        self.alone = []  # latencies with one client and an otherwise idle server
        self.cpu = None  # CpuMeter.delta over the main load

    @property
    def headers(self):
        return {"Cookie": self.cookie} if self.cookie else {}

    def verify(self, port):
        """One request before the load: the page answers 200 and is the page we mean; on any
        other answer the page is counted as an error and not loaded."""
        status, _, body = request("GET", port, self.path, headers=self.headers)
        text = body.decode("utf-8", "replace")
        problem = None
        if status != 200:
            problem = f"status {status}"
        elif self.check:
            problem = self.check(text)
        if problem:
            self.errors += 1
            self.samples.append(f"{self.path}: {problem}")
        return not problem


def load(page, port, *, seconds, concurrency, max_requests):
    """`concurrency` threads, one connection each, GET the page back to back until `seconds`
    have passed or `max_requests` were sent. Anything but a 200 is an error, counted on the
    page. Returns the sorted latencies (s) and the wall time the whole run took."""
    issued = itertools.count()
    lock = threading.Lock()
    per_thread = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    samples = []
    headers = page.headers
    start = time.perf_counter()
    deadline = start + seconds

    def worker(n):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        latencies = per_thread[n]
        try:
            while time.perf_counter() < deadline and next(issued) < max_requests:
                t0 = time.perf_counter()
                try:
                    conn.request("GET", page.path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as error:
                    status = f"{type(error).__name__}: {error}"
                    conn.close()
                latencies.append(time.perf_counter() - t0)
                if status != 200:
                    errors[n] += 1
                    with lock:
                        if len(samples) < 5:
                            samples.append(status)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 120)
    page.errors += sum(errors)
    page.samples += samples[: max(0, 5 - len(page.samples))]
    return sorted(itertools.chain.from_iterable(per_thread)), time.perf_counter() - start


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    index = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))  # nearest rank
    return sorted_values[index]


# --- Sheet POSTs ---------------------------------------------------------------------------------

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
AMOUNT = re.compile(r'name="(amount_\d+)"[^>]*?value="([^"]*)"')


def post_sheets(port, cookie, targets, *, seconds, paid_on):
    """Post this month's sheet of each target group as a leader would: GET the form (CSRF cookie
    and token), POST every member's prefilled commitment, expect the redirect back to the sheet.
    Only the POST is timed. Sequential, one sheet at a time."""
    result = Page("POST sheet, 40 deposits (leader)", "/groups/<pk>/sheet/<this month>/")
    deadline = time.perf_counter() + seconds
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    posted = []
    try:
        for group_pk, path in targets:
            if time.perf_counter() >= deadline:
                break
            problem = None
            status, headers, body = request("GET", port, path, headers={"Cookie": cookie}, conn=conn)
            text = body.decode("utf-8", "replace")
            token = TOKEN.search(text)
            csrf_cookie = re.search(r"csrftoken=([^;]+)", "; ".join(headers.get_all("Set-Cookie") or []))
            amounts = AMOUNT.findall(text)
            if status != 200 or not token or not csrf_cookie or len(amounts) != MEMBERS:
                problem = f"GET {path}: status {status}, {len(amounts)} amount fields"
            else:
                form = [("csrfmiddlewaretoken", html.unescape(token.group(1))), ("paid_on", paid_on)]
                form += [(name, html.unescape(value)) for name, value in amounts]
                t0 = time.perf_counter()
                status, headers, _ = request(
                    "POST", port, path, conn=conn, body=urllib.parse.urlencode(form),
                    headers={
                        "Cookie": f"{cookie}; csrftoken={csrf_cookie.group(1)}",
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                )  # fmt: skip
                result.latencies.append(time.perf_counter() - t0)
                location = headers.get("Location", "")
                if status != 302 or not location.endswith(path):
                    problem = f"POST {path}: status {status}, Location {location!r}"
                else:
                    posted.append(group_pk)
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
    return result, posted


# --- Report --------------------------------------------------------------------------------------


def report(pages, baseline, slow_ms):
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


def time_codi_report(be_year):
    """The CODI report for the twelve months of `be_year`, timed in this process: the figures
    (database) and the PDF (WeasyPrint) apart. Run twice; the second run is reported (warm)."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    from songkhla_network.codi_report import codi_report
    from songkhla_network.pdf import render_document

    first, last = datetime.date(be_year - 543, 1, 1), datetime.date(be_year - 543, 12, 1)
    with translation.override("th"):
        for _run in range(2):
            reset_queries()
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                data = codi_report(first, last, issued=timezone.localdate())
            figures = time.perf_counter() - start
            start = time.perf_counter()
            document = render_document("songkhla_network/codi_report_pdf.html", {"report": data, "printed_on": ""})
            document.write_pdf()
            rendered = time.perf_counter() - start
    return {
        "year": be_year, "total": figures + rendered, "figures": figures, "pdf": rendered,
        "queries": len(queries), "pages": len(document.pages),
    }  # fmt: skip


def soak_and_faults(args, server, *, probe_cookie):
    """The soak, then the fault run, against the running server (scripts/soak.py). Returns their
    outcomes: the lines to print and what did not hold."""
    import soak
    from django.db import connection
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    if not args.soak_seconds and not args.faults:
        return []
    today = timezone.localdate()
    log(f"soak: preparing {args.soak_users} people (logins, soak groups, tenancies, a CODI letter) ...")
    actors = soak.ensure_soak_dataset(args.soak_users, today)
    outcomes = []
    if args.soak_seconds:
        log(f"soak: {args.soak_users} people for {args.soak_seconds:g} s ...")
        since = timezone.now()
        connection.close()
        outcomes.append(soak.soak(actors, server.port, args, today, since))
    if args.faults:
        try:
            health = reverse("health")
        except NoReverseMatch:
            health = None  # no health view (yet): the probe falls back to /ping/ and a database page
        log(f"faults: {args.fault_seconds:g} s, {args.worker_kills} workers killed, PostgreSQL down {args.db_down_seconds:g} s ...")
        since = timezone.now()
        connection.close()
        outcomes.append(soak.faults(actors, server, args, today, since, health, probe_cookie))
    connection.close()
    return outcomes


def app_version():
    """The commit measured, so that two runs can be compared."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"commit {commit or 'unknown'}" + (" with uncommitted changes" if dirty else "")


def main():
    args = parse_args()
    env = production_env()
    os.environ.update(env)
    os.chdir(ROOT)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from groups.models import CollectionSheet, LedgerEntry
    from songkhla_network.models import User
    from songkhla_network.thai import be_date_input, be_month_slug, be_year, month_start

    started = time.perf_counter()
    log("migrate ...")
    call_command("migrate", interactive=False, verbosity=0)
    this_month = month_start(timezone.localdate())
    build_seconds = ensure_dataset(this_month)
    log("collectstatic ...")
    call_command("collectstatic", interactive=False, verbosity=0)

    treasurer, leader = User.objects.get(username=TREASURER), User.objects.get(username=LEADER)
    group = bench_groups().order_by("name").first()
    member = group.members.get(number=1)
    passbook_rows = member.entries.count()
    posted_month = CollectionSheet.objects.filter(group=group).order_by("-month").values_list("month", flat=True)[0]
    if CollectionSheet.objects.filter(group=group, month=this_month).exists():
        sys.exit(f"bench: {group} already has a sheet for this month; the open-sheet page cannot be measured.")
    year = be_year(this_month) - 1
    treasurer_cookie, leader_cookie = session_cookie(treasurer), session_cookie(leader)
    sheet_targets = [
        (g.pk, f"/groups/{g.pk}/sheet/{be_month_slug(this_month)}/")
        for g in bench_groups().exclude(pk=group.pk).exclude(sheets__month=this_month).order_by("name")[: args.sheet_posts]
    ]
    log("pick-up round: 500 members ...")
    pickup_round = ensure_pickup_round()
    summary = dataset_summary()
    log(f"CODI report {year}, 12 months ...")
    codi_timing = time_codi_report(year)
    connection.close()  # the load runs long; the server holds its own connections

    def amount_fields(n):
        return lambda text: None if text.count('name="amount_') == n else f"expected {n} amount fields"

    def has(snippet):
        return lambda text: None if snippet in text else f"{snippet!r} not in the page"

    pages = [
        Page("/ping/ (no database)", "/ping/"),
        Page(
            f"sheet, posted month {be_month_slug(posted_month)}",
            f"/groups/{group.pk}/sheet/{be_month_slug(posted_month)}/", treasurer_cookie, amount_fields(0),
        ),
        Page(
            f"sheet, open month {be_month_slug(this_month)} (form)",
            f"/groups/{group.pk}/sheet/{be_month_slug(this_month)}/", treasurer_cookie, amount_fields(MEMBERS),
        ),
        Page(
            f"passbook, {passbook_rows} rows",
            f"/groups/{group.pk}/members/{member.pk}/", treasurer_cookie, has(f"/groups/{group.pk}/entries/"),
        ),
        Page(f"group page, {MEMBERS} members", f"/groups/{group.pk}/", treasurer_cookie, has(f"/members/{member.pk}/")),
        Page(
            f"network summary {year} (leader)",
            f"/groups/summary/?first_0=1&first_1={year}&last_0=12&last_1={year}", leader_cookie, has(PREFIX),
        ),
        Page(
            f"CODI report PDF {year}, 12 months",
            f"/report/codi-report.pdf?first_0=1&first_1={year}&last_0=12&last_1={year}", leader_cookie,
            lambda text: None if text.startswith("%PDF") else "not a PDF",
            concurrency=1,  # staff export it a few times a year
        ),
        Page(
            f"pick-up list PDF, {PICKUP_MEMBERS} members",
            f"/enterprise/rounds/{pickup_round.pk}/pickup.pdf", leader_cookie,
            lambda text: None if text.startswith("%PDF") else "not a PDF",
            concurrency=2,  # a document staff print now and then, not a page under load
        ),
    ]

    server = Server(env, args.workers)
    log(f"gunicorn: starting {args.workers} workers on {HOST}:{server.port} ...")
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    try:
        server.start()
        meter = CpuMeter(server.process.pid)
        for page in pages:
            if not page.verify(server.port):
                log(f"load: {page.name}: skipped, {page.samples[-1]}")
                continue
            # Warm every worker (templates, translations, database connection) before timing.
            concurrency = page.concurrency or args.concurrency
            load(page, server.port, seconds=2, concurrency=concurrency, max_requests=4 * args.workers)
            log(f"load: {page.name}: 1 client, then {concurrency} clients for {args.seconds:g} s ...")
            page.alone, _ = load(page, server.port, seconds=min(3.0, args.seconds / 3), concurrency=1, max_requests=20)
            before = meter.snapshot()
            page.latencies, page.elapsed = load(
                page, server.port, seconds=args.seconds, concurrency=concurrency, max_requests=args.requests
            )
            page.cpu = CpuMeter.delta(before, meter.snapshot())
        posted = []
        if sheet_targets:
            log(f"post: up to {len(sheet_targets)} collection sheets for {be_month_slug(this_month)} ...")
            post, posted = post_sheets(
                server.port, leader_cookie, sheet_targets, seconds=args.seconds,
                paid_on=be_date_input(timezone.localdate()),
            )  # fmt: skip
            in_db = CollectionSheet.objects.filter(group__in=posted, month=this_month).count()
            rows = LedgerEntry.objects.filter(sheet__group__in=posted, sheet__month=this_month).count()
            connection.close()
            if in_db != len(posted) or rows != len(posted) * MEMBERS:
                post.errors += 1
                post.samples.append(f"{len(posted)} redirects but {in_db} sheets / {rows} rows in the database")
            pages.append(post)
        else:
            log("post: skipped (--sheet-posts 0, or every benchmark group has this month's sheet already)")
        outcomes = soak_and_faults(args, server, probe_cookie=treasurer_cookie)
    finally:
        server.stop()

    table, slow = report(pages, pages[0], args.slow_ms)
    total_errors = sum(p.errors for p in pages)
    cores = os.cpu_count()
    log("")
    log("== make bench " + "=" * 117)
    log(
        "dataset: {groups:,} groups, {members:,} members, {sheets:,} collection sheets, {ledger rows:,} ledger rows;"
        " database {database size}; {postgres}".format(**summary)
    )
    log(
        "         built in {:.1f} s this run".format(build_seconds)
        if build_seconds is not None
        else "         reused from an earlier run"
    )
    log(f"app:     {app_version()}")
    log(
        f"server:  gunicorn {args.workers} sync workers on {HOST}:{server.port}, {cores} cores, DEBUG=0, "
        f"CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', '60')}, Python {platform.python_version()}, "
        f"Django {django.get_version()}"
    )
    ping = pages[0]
    client_cpu = ""
    if ping.cpu and ping.latencies:
        client_cpu = f"; the client itself used {ping.cpu['client'] / len(ping.latencies) * 1000:.2f} ms CPU per ping"
    log(
        f"client:  {args.concurrency} connections (threads, http.client, same machine), {args.seconds:g} s per page"
        f" after a warm-up; sheet POSTs one at a time{client_cpu}"
    )
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if load_before is not None:
        log(f"machine: load average {load_before:.1f} before the server started, {load_after:.1f} at the end")
    log(
        "report:  CODI report {year} (12 months) in one process: {total:.2f} s = figures {figures:.2f} s ({queries} queries)"
        " + PDF {pdf:.2f} s, {pages} pages".format(**codi_timing)
    )
    log("")
    log(table)
    log("")
    log("p50/p95: latency with the client's connections all busy (includes waiting for a free worker).")
    log("p50 ratio = page p50 / ping p50; req/s ratio = page req/s / ping req/s (share of ping's throughput).")
    log("1-client p50: latency with a single client, nothing queued. app CPU / db CPU: CPU ms per request")
    log("in gunicorn / in PostgreSQL. others: share of all cores used by programs outside the benchmark.")
    if slow:
        log(f"* p50 above {args.slow_ms:g} ms: " + ", ".join(slow))
    for page in pages:
        for sample in page.samples:
            log(f"error on {page.name}: {sample}")
    for outcome in outcomes:
        log("")
        log("\n".join(outcome.lines))
    failed = [line for outcome in outcomes for line in outcome.failed]
    total_errors += len(failed)
    if failed:
        log("")
        log("did not hold:\n  " + "\n  ".join(failed))
    if total_errors:
        tail = server.log_tail()
        if tail:
            log("gunicorn log (tail):\n" + tail)
    log(f"total {time.perf_counter() - started:.0f} s; {total_errors} errors")
    return 1 if total_errors else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())

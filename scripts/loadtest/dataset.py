"""The benchmark network in the database: ten years of a large network loaded through COPY (its
loans among them), the buying round whose pick-up list is timed, and what the soak's people add
to it (their logins, groups, tenancies and CODI letter). Everything is reused when an earlier run
left it there."""

import collections
import dataclasses
import datetime
import io
import itertools
import sys
import time
from decimal import Decimal

from songkhla_network.thai import add_months

from .common import GROUPS, LEADER, MEMBERS, MONTHS, PREFIX, TREASURER, log


class Copier:
    """Rows for one table, written in chunks through COPY ... FROM STDIN (tab-separated text).
    `after`: the Copiers of the tables its foreign keys point to, whose rows are written first."""

    CHUNK = 50_000

    def __init__(self, cursor, model, fields, after=()):
        self.cursor = cursor
        self.after = after
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
        for parent in self.after:
            parent.flush()
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


def stamp(day):
    """When a row of `day` was posted: in the evening, after the meeting."""
    return f"{day.isoformat()} 19:30:00+07"


def bench_groups():
    from groups.models import SavingsGroup

    return SavingsGroup.objects.filter(name__startswith=PREFIX)


def bench_loans():
    from groups.models import Loan

    return Loan.objects.filter(group__in=bench_groups())


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
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
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


def build_dataset(this_month, scale=1):
    """Load the dataset in one transaction: a run stopped half-way leaves nothing behind. At
    `scale` N each group has N times the months of history (see ensure_dataset)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from groups.demo import COMMITMENTS, FIRST_NAMES, LAST_NAMES
    from groups.models import (
        CollectionSheet,
        Commitment,
        EntryKind,
        GroupRules,
        GroupStatus,
        GroupStatusChange,
        LedgerEntry,
        Loan,
        LoanApproval,
        LoanEntry,
        LoanGuarantor,
        LoanKind,
        Member,
        Officer,
        SavingsGroup,
    )
    from songkhla_network.models import Community, Person, Role, User

    history = MONTHS * scale
    first_month = add_months(this_month, -history)  # the posted months; this month is left to post
    months = [add_months(first_month, i) for i in range(history)]
    founded_on = add_months(first_month, -1).replace(day=20)
    forming_on = add_months(first_month, -3).replace(day=10)

    with transaction.atomic():
        treasurer = User(username=TREASURER, role=Role.TREASURER, first_name="เหรัญญิก", last_name="ทดสอบ")
        leader = User(username=LEADER, role=Role.LEADER, first_name="ผู้นำเครือข่าย", last_name="ทดสอบ")
        for user in (treasurer, leader):
            user.set_unusable_password()  # the benchmark signs in by making sessions
            user.save()
        with connection.cursor() as cursor:
            ids = {
                model: next_ids(cursor, model)
                for model in (
                    Community,
                    SavingsGroup,
                    Person,
                    Member,
                    Commitment,
                    CollectionSheet,
                    LedgerEntry,
                    GroupStatusChange,
                    Officer,
                    GroupRules,
                    LoanKind,
                    Loan,
                    LoanGuarantor,
                    LoanApproval,
                    LoanEntry,
                )
            }
            ledger_table = LedgerEntry._meta.db_table
            restore = bulk_load_mode(cursor, ledger_table)

            communities = Copier(cursor, Community, ["id", "name", "district", "note"])
            group_fields = ["id", "community", "name", "meeting_day", "default_commitment", "note"]
            groups = Copier(cursor, SavingsGroup, group_fields, after=[communities])
            changes = Copier(cursor, GroupStatusChange, ["id", "group", "status", "date", "note"], after=[groups])
            person_fields = ["id", "title", "first_name", "last_name", "phone", "national_id", "community", "address"]
            people = Copier(cursor, Person, person_fields, after=[communities])
            member_fields = ["id", "group", "person", "number", "joined_on", "left_on"]
            members = Copier(cursor, Member, member_fields, after=[groups, people])
            commitments = Copier(cursor, Commitment, ["id", "member", "from_month", "amount"], after=[members])
            officer_fields = ["id", "group", "person", "position", "since", "until"]
            officers = Copier(cursor, Officer, officer_fields, after=[groups, people])
            sheet_fields = ["id", "group", "month", "paid_on", "posted_by", "posted_at"]
            sheets = Copier(cursor, CollectionSheet, sheet_fields, after=[groups])
            entry_fields = (
                "id group member kind month date amount sheet reverses reason request_key posted_by posted_at"
            )
            entries = Copier(cursor, LedgerEntry, entry_fields.split(), after=[members, sheets])
            loan_copiers = LoanCopiers(cursor, groups=groups, members=members, officers=officers, sheets=sheets)
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
                officer_ids = []  # the chair's, the treasurer's and the secretary's
                for number in range(1, MEMBERS + 1):
                    person_id, member_id = next(ids[Person]), next(ids[Member])
                    k = g * MEMBERS + number
                    people.add(
                        person_id, ["นาง", "นางสาว", "นาย", "นาง"][k % 4], FIRST_NAMES[k % len(FIRST_NAMES)],
                        f"{LAST_NAMES[(k // len(FIRST_NAMES)) % len(LAST_NAMES)]}{g:03d}", f"08{k:08d}", "",
                        community_id, f"{number} หมู่ {g}",
                    )  # fmt: skip  # one row, its values in the order of the Copier's columns
                    commitment = COMMITMENTS[k % len(COMMITMENTS)]
                    members.add(member_id, group_id, person_id, number, founded_on, None)
                    commitments.add(next(ids[Commitment]), member_id, founded_on.replace(day=1), commitment)
                    texts = (f"{commitment:.2f}", f"{commitment / 2:.2f}", f"{commitment + 50:.2f}")
                    member_rows.append((member_id, number, commitment, texts))
                    if number <= 3:
                        position = ["chair", "treasurer", "secretary"][number - 1]
                        officer_ids.append(next(ids[Officer]))
                        officers.add(officer_ids[-1], group_id, person_id, position, founded_on, None)

                # Two sheet deposits per group and ten years typed ten times too big, reversed
                # three days later and paid again; one withdrawal a year, each by a different member.
                typos = {  # (member index, month index) -> (entry id, right amount)
                    ((2 * d + k) % MEMBERS, MONTHS * d + i): None for d in range(scale) for k, i in enumerate((30, 75))
                }
                withdrawals = {12 * y - 6: (3 * y + g) % MEMBERS for y in range(1, history // 12 + 1)}
                sheet_of = {}  # month -> (sheet id, the day it was collected)
                for i, month in enumerate(months):
                    paid_on = month.replace(day=meeting_day)
                    sheet_id, posted = next(ids[CollectionSheet]), stamp(paid_on)
                    sheet_of[month] = (sheet_id, paid_on)
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
                        )  # fmt: skip  # one row, its values in the order of the Copier's columns
                for (m, i), (typo_id, right) in typos.items():
                    member_id = member_rows[m][0]
                    day = months[i].replace(day=meeting_day) + datetime.timedelta(days=3)
                    entries.add(
                        next(ids[LedgerEntry]), group_id, member_id, deposit, months[i], day, f"{-right * 10:.2f}",
                        None, typo_id, "พิมพ์ยอดเกินสิบเท่า", None, poster, stamp(day),
                    )  # fmt: skip  # one row, its values in the order of the Copier's columns
                    entries.add(
                        next(ids[LedgerEntry]), group_id, member_id, deposit, months[i], day, f"{right:.2f}",
                        None, None, "", None, poster, stamp(day),
                    )  # fmt: skip  # one row, its values in the order of the Copier's columns
                add_loans(
                    loan_copiers,
                    ids,
                    g=g,
                    group_id=group_id,
                    borrowers=[(member_id, number) for member_id, number, _c, _t in member_rows],
                    officer_ids=officer_ids,
                    sheet_of=sheet_of,
                    this_month=this_month,
                    poster=poster,
                )

            copiers = {
                "communities": communities,
                "groups": groups,
                "status changes": changes,
                "people": people,
                "members": members,
                "commitments": commitments,
                "officers": officers,
                "sheets": sheets,
                "ledger rows": entries,
                **loan_copiers.named(),
            }
            counts = {name: copier.flush() for name, copier in copiers.items()}
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for sql in restore:
                cursor.execute(sql)
            for sql in connection.ops.sequence_reset_sql(no_style(), list(ids)):
                cursor.execute(sql)
        SavingsGroup.objects.get(pk=first_group).treasurers.add(treasurer)
    return counts


# --- The groups' loans ---------------------------------------------------------------------------

LOAN_HISTORY = 23  # loans were paid out in the months before this one, the oldest 23 months ago
LOAN_TERM = 24  # each is repaid over 24 months, so every one is still owed this month
LOAN_RULES_FROM = 25  # months before this one: the rules the loans were made on were in force
# The kinds of loan the bench groups' rules offer: purpose, how interest is charged, what for.
LOAN_KINDS = (
    ("emergency", "flat", "ค่ารักษาพยาบาล"),
    ("occupation", "flat", "ทุนค้าขาย"),
    ("education", "declining", "ค่าเทอมลูก"),
)
LOAN_RATE = Decimal("1.00")  # percent a month
SHARES = ("50.00", "20.00", "10.00", "10.00", "5.00", "5.00")  # GroupRules' ALLOCATION_FIELDS


def borrower_numbers():
    """The members of each bench group who have a loan: a third of them, numbers 4, 7, ..., 40, no
    officer among them (members 1 to 3 are the chair, the treasurer and the secretary). Each is
    guaranteed by the member before them and approved by the chair and the treasurer."""
    return range(4, MEMBERS + 1, 3)


class LoanCopiers:
    """The Copiers of the tables a group's loans are written to, each after those it points to."""

    def __init__(self, cursor, *, groups, members, officers, sheets):
        from groups.models import GroupRules, Loan, LoanApproval, LoanEntry, LoanGuarantor, LoanKind

        rule_fields = ["id", "group", "from_month", "year_ends_in", "late_fine"]
        rule_fields += ["dividend", "interest_refund", "welfare_fund", "committee", "reserve", "community"]
        self.rules = Copier(cursor, GroupRules, [*rule_fields, "note", "recorded_by", "recorded_at"], after=[groups])
        kind_fields = "id rules purpose times_savings ceiling monthly_rate method longest_term guarantors"
        self.kinds = Copier(cursor, LoanKind, kind_fields.split(), after=[self.rules])
        loan_fields = (
            "id group member purpose amount months monthly_rate method applied_on reason applied_by applied_at"
        )
        self.loans = Copier(cursor, Loan, loan_fields.split(), after=[groups, members])
        self.guarantors = Copier(cursor, LoanGuarantor, ["id", "loan", "member"], after=[self.loans])
        approval_fields = ["id", "loan", "officer", "approved_on", "recorded_by", "recorded_at"]
        self.approvals = Copier(cursor, LoanApproval, approval_fields, after=[self.loans, officers])
        entry_fields = "id group loan kind month date amount sheet reverses reason request_key posted_by posted_at"
        self.entries = Copier(cursor, LoanEntry, entry_fields.split(), after=[self.loans, sheets])

    def named(self):
        return {
            "group rules": self.rules,
            "kinds of loan": self.kinds,
            "loans": self.loans,
            "guarantors": self.guarantors,
            "loan approvals": self.approvals,
            "loan rows": self.entries,
        }


def add_loans(copiers, ids, *, g, group_id, borrowers, officer_ids, sheet_of, this_month, poster):
    """Bench group `g`'s rules and loans, the rows groups.services would write: the rules in force
    since LOAN_RULES_FROM months ago; for each borrower (borrower_numbers) a loan within their
    kind's terms, applied for six days before it was paid out, approved by the chair and the
    treasurer, paid out (a DISBURSEMENT row) on the day of a meeting in the last LOAN_HISTORY
    months, and repaid at every meeting after it on the collection sheet (an INTEREST and a
    PRINCIPAL row: the instalment of groups.interest.schedule, as sheet_post splits it). In two
    groups of three one loan is late: it missed its last two meetings (the first group's among
    them), or in every third group every meeting of the last fourteen months. What is lent is a
    small part of the group's cash (tests/scripts/test_loadtest.py checks the fund)."""
    from groups.interest import schedule
    from groups.models import (
        GroupRules,
        Loan,
        LoanApproval,
        LoanEntry,
        LoanEntryKind,
        LoanGuarantor,
        LoanKind,
    )

    rules_from = add_months(this_month, -LOAN_RULES_FROM)
    rules_id = next(ids[GroupRules])
    copiers.rules.add(rules_id, group_id, rules_from, 12, "0.00", *SHARES, "", poster, stamp(rules_from))
    for purpose, method, _reason in LOAN_KINDS:
        copiers.kinds.add(next(ids[LoanKind]), rules_id, purpose, "3.00", "20000.00", LOAN_RATE, method, LOAN_TERM, 1)
    member_of = {number: member_id for member_id, number in borrowers}
    numbers = list(borrower_numbers())
    for j, number in enumerate(numbers):
        months_ago = 1 + (5 * g + 7 * j) % LOAN_HISTORY
        paid_out_in = add_months(this_month, -months_ago)
        _sheet, paid_out_on = sheet_of[paid_out_in]
        applied_on = paid_out_on - datetime.timedelta(days=6)
        purpose, method, reason = LOAN_KINDS[(g + j) % len(LOAN_KINDS)]
        amount = Decimal(3000 + 1000 * ((g + 3 * j) % 8))
        loan_id = next(ids[Loan])
        copiers.loans.add(
            loan_id, group_id, member_of[number], purpose, amount, LOAN_TERM, LOAN_RATE, method, applied_on, reason,
            poster, stamp(applied_on),
        )  # fmt: skip  # one row, its values in the order of the Copier's columns
        copiers.guarantors.add(next(ids[LoanGuarantor]), loan_id, member_of[number - 1])
        for officer_id, days in zip(officer_ids[:2], (1, 3), strict=True):
            day = applied_on + datetime.timedelta(days=days)
            copiers.approvals.add(next(ids[LoanApproval]), loan_id, officer_id, day, poster, stamp(day))
        copiers.entries.add(
            next(ids[LoanEntry]), group_id, loan_id, LoanEntryKind.DISBURSEMENT.value, paid_out_in, paid_out_on,
            amount, None, None, "", None, poster, stamp(paid_out_on),
        )  # fmt: skip  # one row, its values in the order of the Copier's columns
        missed_from = this_month
        if j == g % len(numbers) and g % 3 != 2:
            long_late = g % 3 == 0 and months_ago > 14
            missed_from = add_months(this_month, -14 if long_late else -2)
        for instalment in schedule(amount, LOAN_RATE, LOAN_TERM, method, add_months(paid_out_in, 1)):
            if instalment.month >= missed_from:
                break
            sheet_id, day = sheet_of[instalment.month]
            for kind, part in (
                (LoanEntryKind.INTEREST, instalment.interest),
                (LoanEntryKind.PRINCIPAL, instalment.principal),
            ):
                if part > 0:
                    copiers.entries.add(
                        next(ids[LoanEntry]), group_id, loan_id, kind.value, instalment.month, day, part, sheet_id,
                        None, "", None, poster, stamp(day),
                    )  # fmt: skip  # one row, its values in the order of the Copier's columns


def ensure_dataset(this_month, scale=1):
    """The bench network at ledger scale `scale`: N times the months of history behind the same
    100 groups of 40 members (at 10, 1,200 months and 4.8 million ledger rows), so that the pages
    show the same groups, members and months while the ledger they read grows. Built once and
    reused. Returns the seconds the build took ({} when reused): the rows, the month-end balances
    (when the app keeps them), VACUUM ANALYZE."""
    timings = {}
    if bench_groups().count() == GROUPS:
        built_at = _scale_in_database(this_month)
        if built_at != scale:
            sys.exit(
                f"bench: the database holds the bench network at ledger scale {built_at}, not {scale};"
                f" use a fresh database or --ledger-scale {built_at}."
            )
        if not bench_loans().exists():
            sys.exit("bench: the database holds the bench network from before it had loans; use a fresh database.")
        log(f"dataset: reusing the {GROUPS} benchmark groups already in the database (ledger scale {scale})")
        analyze("ANALYZE")
    else:
        if bench_groups().exists():
            sys.exit("bench: the database holds an incomplete benchmark dataset; use a fresh database.")
        log(
            f"dataset: building {GROUPS} groups x {MEMBERS} members x {MONTHS * scale} months"
            f" (ledger scale {scale}) ..."
        )
        start = time.perf_counter()
        counts = build_dataset(this_month, scale)
        timings["rows"] = time.perf_counter() - start
        log(
            "dataset: rows in {:.1f} s ({})".format(timings["rows"], ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        )
        balances = fill_balances()
        if balances is not None:
            timings["balances"] = balances
        # After a bulk load production tables would have been autovacuumed: set the visibility
        # map and the planner's statistics the same way.
        timings["vacuum"] = analyze("VACUUM ANALYZE")
    return timings


def analyze(statement):
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement)
    seconds = time.perf_counter() - start
    log(f"dataset: {statement} in {seconds:.1f} s")
    return seconds


def _scale_in_database(this_month):
    """The ledger scale the bench network in the database was built at, from its oldest sheet."""
    from groups.models import CollectionSheet

    oldest = CollectionSheet.objects.filter(group__in=bench_groups()).order_by("month").values_list("month", flat=True)
    first = oldest.first() or this_month
    history = (this_month.year - first.year) * 12 + this_month.month - first.month
    return max(1, round(history / MONTHS))


REBUILD_BALANCES = "rebuild_balances"  # the app's command that writes the month-end balances from the rows


def fill_balances():
    """The month-end balances the app keeps beside the ledger (issue 15), written from the rows
    just loaded by the app's own command: the rows went in through COPY, not through the posting
    services that keep the balances. Returns the seconds it took, or None when this checkout
    keeps no balances."""
    from django.core.management import call_command, get_commands

    if REBUILD_BALANCES not in get_commands():
        return None
    start = time.perf_counter()
    analyze("ANALYZE")  # the command's queries planned on the statistics of the rows just loaded
    log(f"dataset: {REBUILD_BALANCES} ...")
    output = io.StringIO()
    call_command(REBUILD_BALANCES, stdout=output, stderr=output)
    seconds = time.perf_counter() - start
    said = output.getvalue().strip().splitlines()
    log(f"dataset: month-end balances in {seconds:.1f} s" + (f" ({said[-1]})" if said else ""))
    return seconds


def check_balances():
    """`rebuild_balances --check` on the bench network after the run: the month-end balances the
    posting services wrote (sheets, receipts, forms sent again, workers killed mid-POST) are what
    the rows give. Returns (passed, what it said, seconds), or None when the app keeps no
    balances."""
    from django.core.management import call_command, get_commands
    from django.core.management.base import CommandError

    if REBUILD_BALANCES not in get_commands():
        return None
    start = time.perf_counter()
    output = io.StringIO()
    try:
        call_command(REBUILD_BALANCES, "--check", stdout=output, stderr=output)
        passed = True
    except CommandError as error:
        output.write(f"\n{error}")
        passed = False
    except SystemExit as exit_:
        passed = not exit_.code
    said = [line for line in output.getvalue().strip().splitlines() if line.strip()]
    return passed, said, time.perf_counter() - start


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
                    name=name,
                    unit="หน่วย",
                    supplier=supplier,
                    pack_name="ลัง",
                    units_per_pack=per_pack,
                    pack_price=Decimal(600),
                    member_price=Decimal(110),
                    retail_price=Decimal(130),
                    retail_seen_on=today,
                )
        buying_round = services.round_open(
            title=PICKUP_ROUND, opened_on=today, closes_on=today, pickup_on=today, user=leader
        )
        items = list(buying_round.items.all())[:2]
        members = list(
            Member.objects.filter(group__in=bench_groups())
            .select_related("group")
            .order_by("group__name", "number")[:PICKUP_MEMBERS]
        )
        by_group = {}
        for k, member in enumerate(members):
            by_group.setdefault(member.group, {}).update(
                {(member.pk, item.pk): 1 + (k + i) % 3 for i, item in enumerate(items)}
            )
        for group, quantities in by_group.items():
            services.orders_replace(
                buying_round=buying_round, group=group, quantities=quantities, user=leader, today=today
            )
        totals = selectors.item_totals(buying_round)
        packs = {t.item.pk: t.packs_up for t in totals}
        services.round_close(buying_round=buying_round, packs=packs, user=leader)
        received = {pk: n - (1 if k == 0 else 0) for k, (pk, n) in enumerate(packs.items())}
        services.round_receive(buying_round=buying_round, received=received, notes={}, date=today, user=leader)
    return buying_round


def dataset_summary():
    from django.db import connection

    from groups.models import CollectionSheet, LedgerEntry, LoanEntry, Member, SavingsGroup

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database())), version()")
        size, version = cursor.fetchone()
    return {
        "groups": SavingsGroup.objects.count(),
        "members": Member.objects.count(),
        "sheets": CollectionSheet.objects.count(),
        "ledger rows": LedgerEntry.objects.count(),
        "loans": bench_loans().count(),
        "loan rows": LoanEntry.objects.count(),
        "database size": size,
        "postgres": version.split(" on ")[0].split(",")[0],
    }


# --- The soak's people ---------------------------------------------------------------------------

SOAK_GROUP_PREFIX = "กลุ่มทดสอบโหลด "  # + 001..: one group per soak treasurer, sheets left to post
SOAK_TREASURER = "bench-soak-treasurer-{:02d}"
SOAK_COLLECTOR = "bench-soak-collector-{:02d}"
LETTER_NUMBER = "พอช.ใต้ ทดสอบโหลด/{}"
CONTRACT = "ทดสอบโหลด {:03d}/{:02d}"
USERS_PER_COLLECTOR = 3  # people sharing one collector login: receipt numbers are taken at once
COMMUNITIES_PER_COLLECTOR = 4
TENANCIES_PER_COMMUNITY = 10
SOAK_GROUP_MONTHS = 120  # open months per soak group: far more than a run posts


@dataclasses.dataclass
class Actor:
    """One simulated person and what they work on."""

    role: str  # treasurer, collector or leader
    user: object  # the User they sign in as; several people may share one
    cookie: str = ""  # their own session, made when they sign in
    group: int | None = None  # the bench group whose pages they read (treasurers and leaders)
    members: list = dataclasses.field(default_factory=list)
    posted_months: list = dataclasses.field(default_factory=list)
    soak_group: int | None = None  # treasurer: the group whose sheets they post
    open_months: collections.deque = dataclasses.field(default_factory=collections.deque)
    tenancies: list = dataclasses.field(default_factory=list)  # collector: tenancy pks they collect from

    @property
    def user_pk(self):
        return self.user.pk


def role_of(index):
    """Of every ten people: six treasurers, three collectors, one leader; the first three are one
    of each, so a small run still has every role."""
    position = index % 10
    return "collector" if position in (1, 4, 7) else "leader" if position == 2 else "treasurer"


def ensure_soak_dataset(users, today):
    """The logins, groups, tenancies and CODI letter the soak needs, added to the bench network
    (whatever an earlier run made is reused), and one Actor per person, not yet signed in.
    Treasurer k reads bench group k and posts the sheets of soak group k; collector logins are
    named in one CODI letter valid today, each for four bench communities of ten tenancies."""
    from django.db import transaction

    from songkhla_network.models import Role, User

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
            actors.append(
                Actor(
                    role,
                    user,
                    group=bench_group.pk,
                    members=list(bench_group.members.values_list("pk", flat=True)),
                    posted_months=posted_months,
                    soak_group=group.pk,
                    open_months=collections.deque(_open_months(group, this_month)),
                )
            )
        elif role == "collector":
            user = collectors[k // USERS_PER_COLLECTOR]
            actors.append(Actor(role, user, tenancies=tenancies[user.pk]))
        else:
            actors.append(Actor(role, leader, group=bench[k % len(bench)].pk))
    return actors


def _ensure_user(username, role, first_name, last_name):
    from songkhla_network.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, first_name=first_name, last_name=last_name)
        user.set_unusable_password()  # the soak signs in by making sessions
        user.save()
    return user


def _ensure_soak_group(k, community_id, today):
    """A 40-member group founded ten years ago that has posted no sheet yet."""
    from groups.demo import COMMITMENTS, FIRST_NAMES, LAST_NAMES
    from groups.models import Commitment, GroupStatus, GroupStatusChange, Member, SavingsGroup
    from songkhla_network.models import Person

    name = f"{SOAK_GROUP_PREFIX}{k + 1:03d}"
    group = SavingsGroup.objects.filter(name=name).first()
    if group is not None:
        return group
    founded = add_months(today.replace(day=1), -SOAK_GROUP_MONTHS - 1).replace(day=20)
    group = SavingsGroup.objects.create(
        community_id=community_id, name=name, meeting_day=5, default_commitment=Decimal(100)
    )
    GroupStatusChange.objects.create(group=group, status=GroupStatus.FOUNDED, date=founded)
    people = Person.objects.bulk_create(
        Person(
            title="นาง",
            first_name=FIRST_NAMES[(k + n) % len(FIRST_NAMES)],
            last_name=f"{LAST_NAMES[n % len(LAST_NAMES)]}โหลด{k + 1:02d}",
            community_id=community_id,
        )
        for n in range(1, MEMBERS + 1)
    )
    members = Member.objects.bulk_create(
        Member(group=group, person=person, number=n, joined_on=founded) for n, person in enumerate(people, start=1)
    )
    Commitment.objects.bulk_create(
        Commitment(member=member, from_month=founded.replace(day=1), amount=COMMITMENTS[(k + n) % len(COMMITMENTS)])
        for n, member in enumerate(members, start=1)
    )
    return group


def _open_months(group, this_month):
    from groups.models import CollectionSheet

    posted = set(CollectionSheet.objects.filter(group=group).values_list("month", flat=True))
    months = [add_months(this_month, -i) for i in range(SOAK_GROUP_MONTHS, -1, -1)]
    return [m for m in months if m not in posted]


def _ensure_rent(collectors, communities, today):
    """Ten tenancies in each of four bench communities per collector, owing six months' rent a
    year ago, and a CODI letter valid today naming every collector not yet named. Returns
    {collector pk: [tenancy pk]}."""
    from groups.demo import FIRST_NAMES, LAST_NAMES
    from rent_collection import services as rent_services
    from rent_collection.models import LetterCollector, Tenancy
    from songkhla_network.models import Community

    opening_on = add_months(today.replace(day=1), -12) - datetime.timedelta(days=1)
    by_collector, assignments = {}, []
    our_letters = LetterCollector.objects.filter(letter__number__startswith=LETTER_NUMBER.format(""))
    named = set(our_letters.values_list("collector", flat=True))
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
                        person={
                            "title": "นาย",
                            "first_name": FIRST_NAMES[(number + t) % len(FIRST_NAMES)],
                            "last_name": f"{LAST_NAMES[t % len(LAST_NAMES)]}เช่า{number:03d}",
                        },
                        community=community,
                        plot=f"{t}/{number}",
                        contract_number=contract,
                        monthly_rent=rent,
                        start_date=datetime.date(2015, 1, 1),
                        opening_balance=rent * 6,
                        opening_on=opening_on,
                        opening_source="ยอดค้างชำระทดสอบ",
                    )
                mine.append(tenancy.pk)
        by_collector[collector.pk] = mine
        if collector.pk not in named:
            assignments.append((collector, chosen))
    if assignments:
        letters = our_letters.values("letter").distinct().count()
        rent_services.letter_record(
            number=LETTER_NUMBER.format(letters + 1),
            date=today - datetime.timedelta(days=30),
            signed_by="ผู้อำนวยการทดสอบ",
            valid_from=today - datetime.timedelta(days=30),
            valid_to=today + datetime.timedelta(days=3650),
            assignments=assignments,
        )
    return by_collector

"""The network's full copy of its records as Excel: leaders and staff download it (and the
personal-data log says who and when), nobody else; every kind of record has a sheet holding every
one of its rows, personal data unmasked, B.E. dates and money as numbers; the number of queries
does not grow with the records."""

import io
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from enterprise.models import Donation
from groups.models import LedgerEntry
from network.full_export import SHEETS, full_export_workbook
from rent_collection.models import Receipt, ReceiptVoid
from songkhla_network.excel import MONEY_FORMAT, XLSX
from songkhla_network.models import Access, Community, Person, PersonalDataAccess, User
from songkhla_network.thai import be_date
from tests.factories import client_for, make_group
from tests.helpers import PROJECT_APPS

pytestmark = pytest.mark.django_db

URL = reverse("full_export")


@pytest.fixture
def demo(settings):
    """The demo network; returns its leader."""
    settings.DEMO = True
    call_command("seed_demo", stdout=io.StringIO())
    return User.objects.get(username="leader")


def workbook_of(response):
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def test_leaders_and_staff_download_it_and_each_download_is_logged(personas, leader, staff, group_a):
    for persona, user in (("leader", leader), ("staff", staff)):
        response = personas[persona].get(URL)
        workbook = workbook_of(response)
        assert response["Content-Disposition"].startswith('attachment; filename="songkhla-network-25')
        assert len(workbook.worksheets) == len(SHEETS) + 1
        log = PersonalDataAccess.objects.get(user=user)
        assert log.action == Access.EXPORTED and log.person is None and log.rows == Person.objects.count()


def test_treasurers_collectors_and_visitors_cannot(personas):
    for persona in ("treasurer_a", "treasurer_b", "collector"):
        assert personas[persona].get(URL).status_code == 403, persona
    response = personas["anonymous"].get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not PersonalDataAccess.objects.exists()


def test_the_command_writes_the_same_copy_for_a_leader_or_staff_member_and_logs_it(
    tmp_path, staff, treasurer_a, group_a
):
    """For a network too large for the download to finish in the web server's time limit."""
    from django.core.management.base import CommandError

    output = tmp_path / "copy.xlsx"
    out = io.StringIO()
    call_command("full_export", "--user", "staff", "--output", str(output), stdout=out)
    workbook = load_workbook(output)
    assert len(workbook.worksheets) == len(SHEETS) + 1 and workbook.worksheets[0].title == "เกี่ยวกับไฟล์นี้"
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.action, log.rows) == (staff, Access.EXPORTED, Person.objects.count())
    assert f"{Person.objects.count()} people" in out.getvalue()
    for user, name in ((treasurer_a.username, "copy2.xlsx"), ("nobody", "copy3.xlsx"), ("staff", "copy.pdf")):
        with pytest.raises(CommandError):
            call_command("full_export", "--user", user, "--output", str(tmp_path / name), stdout=io.StringIO())
        assert not (tmp_path / name).exists()
    assert PersonalDataAccess.objects.count() == 1


def test_writing_is_refused(personas):
    assert personas["leader"].post(URL).status_code == 405


def test_every_kind_of_record_has_a_sheet():
    exported = {sheet.model for sheet in SHEETS} | {model for sheet in SHEETS for model in sheet.covers}
    records = {
        model
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
        if not model.__name__.startswith("Historical")  # the change history is in the backups
    }
    assert records - exported == set(), "add a sheet to songkhla_network/full_export.py"


def sheet_for(workbook, model):
    """The worksheet of a model and its rows as {column path: value} (sheets are in SHEETS's order,
    after the opening one)."""
    index, sheet = next((i, s) for i, s in enumerate(SHEETS) if s.model is model)
    worksheet = workbook.worksheets[index + 1]
    paths = [column.path for column in sheet.bound]
    return worksheet, [dict(zip(paths, row, strict=True)) for row in worksheet.iter_rows(min_row=2)]


def test_every_record_is_in_its_sheet_as_the_network_needs_it(demo):
    someone = Person.objects.create(
        first_name="ทดสอบ", last_name="เลขบัตร", national_id="1101700203450", phone="0812345678"
    )
    # Counted before: the download itself adds a line to the personal-data access log.
    records = [sheet.model._default_manager.count() for sheet in SHEETS]
    workbook = workbook_of(client_for(demo).get(URL))
    about, *sheets = workbook.worksheets
    assert len(sheets) == len(SHEETS)
    listed = [row[1] for row in about.iter_rows(values_only=True)][-len(SHEETS) :]
    with translation.override("th"):
        for sheet, worksheet, count, rows in zip(SHEETS, sheets, records, listed, strict=True):
            assert worksheet.max_row - 1 == count == rows, sheet.name
            assert [c.value for c in worksheet[1]] == [str(c.header) for c in sheet.bound]
            # Every heading in Thai: a heading marked with an alias gettext does not know (_l)
            # was left out of the catalogue and came out in English.
            english = [c.value for c in worksheet[1] if re.search(r"[A-Za-z]{2,}", c.value)]
            assert not english, (worksheet.title, english)
            assert not re.search(r"[A-Za-z]{2,}", worksheet.title)
    assert Receipt.objects.count() > 10 and Person.objects.count() > 200

    # Personal data whole (this is the network's own copy), B.E. dates, money as numbers.
    __, people = sheet_for(workbook, Person)
    row = next(row for row in people if row["id"].value == someone.pk)
    assert row["national_id"].value == "1101700203450" and row["phone"].value == "0812345678"

    __, donations = sheet_for(workbook, Donation)
    donation = Donation.objects.get(amount=5000)
    row = next(row for row in donations if row["id"].value == donation.pk)
    assert row["date"].value == be_date(donation.date) and row["date"].value.endswith("2565")
    assert row["amount"].value == 5000 and row["amount"].number_format == MONEY_FORMAT

    __, ledger = sheet_for(workbook, LedgerEntry)
    exported = sum(Decimal(str(row["amount"].value)) for row in ledger)  # each cell a number to the satang
    assert exported == LedgerEntry.objects.aggregate(total=Sum("amount"))["total"]

    __, receipts = sheet_for(workbook, Receipt)
    void = ReceiptVoid.objects.get()
    assert next(row for row in receipts if row["id"].value == void.receipt_id)["void.reason"].value == void.reason
    remitted = [row for row in receipts if row["remittance_line.remittance.bank_reference"].value]
    assert remitted and len(remitted) == Receipt.objects.filter(remittance_line__isnull=False).count()
    for row in remitted:
        receipt = Receipt.objects.get(pk=row["id"].value)
        assert (
            row["remittance_line.remittance.bank_reference"].value == receipt.remittance_line.remittance.bank_reference
        )


def test_the_number_of_queries_does_not_grow_with_the_records(demo):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            workbook, __ = full_export_workbook(exported_by=demo)
        workbook.save(io.BytesIO())  # a write-only workbook is saved once (unsaved, its sheets' files are left open)
        return len(captured)

    first = queries()
    group = make_group("กลุ่มทดสอบ", "ชุมชนทดสอบ", members=40)
    work = apps.get_model("works", "Work").objects.first()
    work.participants.add(*Person.objects.filter(memberships__group=group))
    Community.objects.create(name="ชุมชนเพิ่ม")
    assert work.participants.count() >= 40
    # A query per sheet and one per many-to-many column, however many records.
    assert queries() == first <= len(SHEETS) + 11

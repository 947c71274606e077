"""Importing the existing survey from a spreadsheet: a template, a preview, an error per row and
column in Thai, and nothing imported unless every row is right."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from housing.models import Household, StatusStep, Step
from songkhla_network.models import Person, PersonalDataConsent
from tests.factories import confirm, form_data, header, row, upload, xlsx
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

VALID_ID = "1103702296121"


def csv_file(rows, encoding="utf-8-sig", name="survey.csv"):
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding))


def test_a_leader_previews_then_imports_every_row(client, leader, group_a, group_b):
    client.force_login(leader)
    response = upload(
        client,
        xlsx([header(), row(group_a.community), row(group_b.community, "สมหมาย", national_id="1-1037-02296-12-1")]),
    )
    assert response.status_code == 200 and len(response.context["preview"]) == 2
    assert_no_english(response)
    assert not Household.objects.exists()  # the preview writes nothing
    response = confirm(client, response)
    assert response.status_code == 302
    households = Household.objects.order_by("head__first_name")
    assert [h.head.first_name for h in households] == ["สมหมาย", "สมใจ"]
    somjai = households[1]
    assert (somjai.monthly_income, somjai.size, somjai.surveyed_on, somjai.tenure) == (
        Decimal("9000.00"),
        3,
        datetime.date(2021, 12, 15),
        "renting",
    )
    assert somjai.surveyor == leader and list(somjai.steps.values_list("step", flat=True)) == [Step.SURVEYED]
    assert households[0].head.national_id == VALID_ID
    assert somjai.history.count() == 1  # imported rows keep their history like typed ones
    # The same confirmation a second time (double tap, back button) imports nothing more.
    assert client.post(reverse("housing:import_confirm"), {"token": "x"}).status_code == 302
    assert Household.objects.count() == 2


def test_a_saver_in_the_file_is_linked_to_their_membership(client, leader, group_a):
    member = group_a.members.first()
    member.person.national_id = VALID_ID
    member.person.save()
    client.force_login(leader)
    confirm(client, upload(client, xlsx([header(), row(group_a.community, "ออม", national_id=VALID_ID)])))
    household = Household.objects.get()
    assert household.head == member.person and household.member == member


def test_csv_in_utf8_or_thai_windows_encoding_and_thai_digits_are_read(client, leader, group_a):
    client.force_login(leader)
    rows = [header(), row(group_a.community, adults="๓", monthly_income="๑๒,๕๐๐", surveyed_on="๒๐/๑๒/๒๕๖๔")]
    response = upload(client, csv_file(rows, encoding="cp874"))
    assert len(response.context["preview"]) == 1, response.context["errors"] and [
        e.message for e in response.context["errors"]
    ]
    confirm(client, response)
    household = Household.objects.get()
    assert (household.adults, household.monthly_income, household.surveyed_on) == (
        3,
        Decimal("12500.00"),
        datetime.date(2021, 12, 20),
    )


def test_excel_numbers_and_dates_are_read_as_typed(client, leader, group_a):
    client.force_login(leader)
    cells = row(group_a.community, adults=2, monthly_income=9000.5, surveyed_on=datetime.datetime(2564, 12, 15))
    response = upload(client, xlsx([header(), cells]))
    assert len(response.context["preview"]) == 1
    confirm(client, response)
    household = Household.objects.get()
    assert (household.monthly_income, household.surveyed_on) == (Decimal("9000.50"), datetime.date(2021, 12, 15))


def test_every_wrong_cell_is_named_by_row_and_column_and_nothing_is_imported(client, leader, group_a):
    client.force_login(leader)
    rows = [
        header(),
        row(group_a.community, "หนึ่ง"),
        row(group_a.community, "สอง", adults="0", monthly_income="เก้าพัน"),
        ["", "", ""],  # an empty row in the middle
        row(group_a.community, "สาม", national_id="1103702296122", surveyed_on="1/1/2600"),
        row(group_a.community, "หนึ่ง"),  # the same name again
        row(group_a.community, "สี่", community="ชุมชนไม่มีจริง", tenure="บ้านตัวเอง"),
        [],
    ]
    response = upload(client, xlsx(rows))
    assert response.status_code == 200 and not response.context["preview"]
    assert_no_english(response)
    found = {(e.row, e.column) for e in response.context["errors"]}
    assert found == {
        (3, "ผู้ใหญ่"),
        (3, "รายได้ต่อเดือน (บาท)"),
        (4, ""),
        (5, "เลขประจำตัวประชาชน"),
        (5, "วันที่สำรวจ"),
        (6, "ชื่อ"),
        (7, "ชุมชนที่อยู่ปัจจุบัน"),
        (7, "การอยู่อาศัยปัจจุบัน"),
    }
    messages = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert "แถว 2" in messages[(6, "ชื่อ")] and "ว่าง" in messages[(4, "")]
    assert not Household.objects.exists() and not Person.objects.filter(last_name="รักบ้าน").exists()


def test_a_row_already_in_the_survey_is_refused(client, leader, group_a):
    client.force_login(leader)
    confirm(client, upload(client, xlsx([header(), row(group_a.community)])))
    response = upload(client, xlsx([header(), row(group_a.community, "ใหม่"), row(group_a.community)]))
    assert [(e.row, e.column) for e in response.context["errors"]] == [(3, "ชื่อ")]
    assert Household.objects.count() == 1


def test_rows_checked_again_when_confirmed(client, leader, group_a):
    """A household imported by another leader between the preview and the confirmation is not
    doubled."""
    from django.test import Client

    other = Client()
    client.force_login(leader)
    other.force_login(leader)
    preview = upload(client, xlsx([header(), row(group_a.community, "ก"), row(group_a.community, "ข")]))
    confirm(other, upload(other, xlsx([header(), row(group_a.community, "ข")])))
    response = confirm(client, preview)
    assert response.status_code == 200 and [e.row for e in response.context["errors"]] == [3]
    assert Household.objects.count() == 1


@pytest.mark.parametrize(
    "file, message",
    [
        (lambda c: xlsx([["ชื่อ", "นามสกุล"], ["ก", "ข"]]), "หัวตาราง"),
        (lambda c: xlsx([header()[:-1] + ["วันเกิด"], row(c)]), "วันเกิด"),
        (lambda c: xlsx([list(reversed(header())), row(c)]), "ลำดับ"),
        (lambda c: xlsx([header()]), "ไม่มีครัวเรือน"),
        (lambda c: SimpleUploadedFile("survey.xlsx", b"%PDF-1.4 not a spreadsheet \x00\x01\x02"), "ไม่ใช่ตาราง"),
        (lambda c: SimpleUploadedFile("photo.xlsx", b"PK\x03\x04 broken zip"), "ไม่ใช่ตาราง"),
        (lambda c: SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100), ".xlsx"),
        (lambda c: SimpleUploadedFile("big.csv", b"a," * (25 * 1024 * 1024)), "ใหญ่เกิน"),
        (lambda c: SimpleUploadedFile("empty.csv", b""), "ว่าง"),
    ],
    ids=[
        "wrong header",
        "unknown column",
        "columns reordered",
        "no rows",
        "not a spreadsheet",
        "broken xlsx",
        "old xls",
        "50 MB",
        "empty",
    ],
)
def test_a_file_that_cannot_be_read_says_why_beside_the_field(client, leader, group_a, file, message):
    client.force_login(leader)
    response = upload(client, file(group_a.community))
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message in e for e in errors), errors
    assert_no_english(response)
    assert not Household.objects.exists()


def test_the_template_downloads_with_its_header_and_lists(client, leader, group_a):
    client.force_login(leader)
    workbook = load_workbook(io.BytesIO(client.get(reverse("housing:import_template_xlsx")).content))
    assert [c.value for c in workbook.worksheets[0][1]] == header()
    assert group_a.community.name in [c.value for c in workbook.worksheets[1]["A"]]
    assert "เช่า" in [c.value for c in workbook.worksheets[1]["B"]]
    csv_text = client.get(reverse("housing:import_template_csv")).content.decode("utf-8-sig")
    assert csv_text.strip() == ",".join(header())
    # The template, filled in, imports.
    for column, value in enumerate(row(group_a.community), start=1):
        workbook.worksheets[0].cell(row=2, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, SimpleUploadedFile("filled.xlsx", buffer.getvalue()))
    assert len(response.context["preview"]) == 1


@pytest.mark.parametrize(
    "persona, status", [("leader", 200), ("staff", 403), ("treasurer_a", 403), ("collector", 403), ("anonymous", 302)]
)
def test_only_leaders_import(personas, group_a, persona, status):
    client = personas[persona]
    for name in ["housing:import", "housing:import_template_xlsx", "housing:import_template_csv"]:
        assert client.get(reverse(name)).status_code == status, name
    response = client.post(reverse("housing:import"), {"file": xlsx([header(), row(group_a.community)])})
    assert response.status_code == status
    assert client.post(reverse("housing:import_confirm"), {"token": "x"}).status_code == (
        302 if status == 200 else status
    )
    assert not Household.objects.exists()


@pytest.mark.parametrize("count", [2, 60])
def test_checking_and_importing_take_the_same_queries_whatever_the_rows(
    client, leader, group_a, django_assert_max_num_queries, count
):
    client.force_login(leader)
    rows = [header()] + [row(group_a.community, f"คนที่{i}", national_id="") for i in range(count)]
    with django_assert_max_num_queries(12):
        response = upload(client, xlsx(rows))
    assert len(response.context["preview"]) == count
    with django_assert_max_num_queries(20):
        assert confirm(client, response).status_code == 302
    assert Household.objects.count() == count


class _Undone(Exception):
    pass


def _recorded(make):
    """Every row `make` records for the one household it surveys, without ids and times; what it
    wrote is rolled back after."""

    def values(rows, *drop):
        skip = {"id", "history_id", "history_date", "recorded_at", *drop}
        return [{k: v for k, v in row.items() if k not in skip} for row in rows.values()]

    try:
        with transaction.atomic():
            make()
            household = Household.objects.get()
            head, steps = household.head_id, StatusStep.objects.filter(household=household)
            recorded = {
                "person": values(Person.objects.filter(pk=head)),
                "person history": values(Person.history.filter(id=head)),
                "household": values(Household.objects.filter(pk=household.pk), "head_id"),
                "household history": values(Household.history.filter(id=household.pk), "head_id"),
                "steps": values(steps, "household_id"),
                "step history": values(StatusStep.history.filter(household_id=household.pk), "household_id"),
                "consents": values(PersonalDataConsent.objects.filter(person=head), "person_id"),
            }
            raise _Undone
    except _Undone:
        return recorded


@pytest.mark.parametrize("saver", [False, True], ids=["new person", "a saver already in the records"])
def test_an_imported_household_is_recorded_as_the_survey_form_records_it(client, leader, group_a, saver):
    member = group_a.members.first()
    if saver:
        member.person.national_id = VALID_ID
        member.person.save()
    national_id = VALID_ID if saver else ""
    client.force_login(leader)
    typed = _recorded(
        lambda: client.post(
            reverse("housing:new"),
            form_data(
                group_a.community,
                national_id=national_id,
                member=member.pk if saver else "",
                children="1",
                surveyed_on="15/12/2564",
                consent_on="15/12/2564",
            ),
        )
    )
    imported = _recorded(
        lambda: confirm(client, upload(client, xlsx([header(), row(group_a.community, national_id=national_id)])))
    )
    assert typed == imported
    assert typed["person"][0]["national_id"] == national_id and len(typed["consents"]) == 1
    assert [s["step"] for s in typed["steps"]] == [Step.SURVEYED] and len(typed["step history"]) == 1
    assert (typed["household"][0]["member_id"] == member.pk) == saver
    assert len(typed["household history"]) == 1
    assert len(typed["person history"]) == (2 if saver else 1)  # the saver's own two: made, then given an ID

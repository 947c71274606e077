"""The housing survey in Chromium on a phone-sized screen: a leader fills the survey form, and
imports a spreadsheet with mistakes, reads what to fix, fixes the file and imports it; drafts a
proposal, and takes a household out of it again, saying why.

Set SHOTS_DIR=/some/dir to also save screenshots at phone and desktop width."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook
from playwright.sync_api import expect

from housing import importing
from housing.models import Household, Proposal, Step
from tests.factories import consent_cells, survey, verified
from tests.helpers import IS_INVALID, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_surveys_a_household_on_a_phone(page, live_server, leader, group_a, shoot):
    sign_in(page, live_server, "leader")
    page.goto(live_server.url + reverse("housing:list"))
    page.locator(f'a[href="{reverse("housing:new")}"]').click()
    page.locator("#id_title").select_option("นาง")
    page.locator("#id_first_name").fill("สมใจ")
    page.locator("#id_last_name").fill("รักบ้าน")
    page.locator("#id_phone").fill("081 234 5678")
    page.locator("#id_national_id").fill("1-1037-02296-12-2")  # a wrong check digit first
    page.locator("#id_community").select_option(str(group_a.community.pk))
    page.locator("#id_adults").fill("๒")
    page.locator("#id_children").fill("1")
    page.locator("#id_tenure").select_option("railway")
    page.locator("#id_monthly_income").fill("9,500")
    page.locator("#id_housing_cost").fill("1,200")
    page.locator("#id_can_pay").fill("1500")
    page.locator("#id_preferred_area").fill("เขารูปช้าง")
    page.locator("#id_surveyed_on").fill("15/12/2564")
    page.locator("#id_consent_given").check()
    page.locator("#id_consent_on").fill("15/12/2564")
    page.locator("main form button[type=submit]").click()

    # The wrong ID is named beside its field, and nothing is saved.
    expect(page.locator("#id_national_id")).to_have_class(IS_INVALID)
    expect(page.locator("#error_1_id_national_id")).to_be_visible()
    assert not Household.objects.exists()
    shoot(page, "survey-error")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    page.locator("#id_national_id").fill("1-1037-02296-12-1")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("สมใจ")
    shoot(page, "household")
    household = Household.objects.get()
    assert (household.adults, household.monthly_income, household.surveyed_on) == (
        2,
        Decimal("9500.00"),
        datetime.date(2021, 12, 15),
    )
    assert household.head.national_id == "1103702296121"


def survey_file(path, rows):
    workbook = Workbook()
    workbook.active.append([str(label) for _key, label in importing.COLUMNS])
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def row(community, first_name, **changes):
    values = {
        "title": "นาย",
        "first_name": first_name,
        "last_name": "ทะเลงาม",
        "phone": "0891112222",
        "national_id": "",
        "community": community.name,
        "address": "",
        "adults": "2",
        "children": "0",
        "elderly": "1",
        "disabled": "0",
        "tenure": "ที่ดินการรถไฟ",
        "monthly_income": "8000",
        "housing_cost": "900",
        "can_pay": "1000",
        "reason": "",
        "preferred_area": "",
        "surveyed_on": "20/12/2564",
        **consent_cells(),
    }
    values.update(changes)
    return [values[key] for key, _label in importing.COLUMNS]


def test_a_leader_imports_a_sheet_with_errors_fixes_it_and_imports_it(
    page, live_server, leader, group_a, tmp_path, shoot
):
    sign_in(page, live_server, "leader")
    page.goto(live_server.url + reverse("housing:list"))
    page.locator(f'a[href="{reverse("housing:import")}"]').click()
    shoot(page, "import")

    # The template downloads from the page.
    with page.expect_download() as download:
        page.locator(f'a[href="{reverse("housing:import_template_xlsx")}"]').click()
    assert download.value.suggested_filename == "survey-template.xlsx"

    wrong = survey_file(
        tmp_path / "survey.xlsx",
        [
            row(group_a.community, "หนึ่ง"),
            row(group_a.community, "สอง", adults="0"),
            [],
            row(group_a.community, "สาม", monthly_income="แปดพัน"),
        ],
    )
    page.locator("#id_file").set_input_files(str(wrong))
    page.locator("main form[enctype] button[type=submit]").click()
    errors = page.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(3)
    expect(errors.nth(0)).to_contain_text("ผู้ใหญ่")
    expect(errors.nth(1)).to_contain_text("ว่าง")
    expect(errors.nth(2)).to_contain_text("รายได้")
    shoot(page, "import-errors")
    assert not Household.objects.exists()

    fixed = survey_file(
        tmp_path / "survey-fixed.xlsx",
        [
            row(group_a.community, "หนึ่ง"),
            row(group_a.community, "สอง", adults="๓"),
            row(group_a.community, "สาม", monthly_income="8,000"),
        ],
    )
    page.locator("#id_file").set_input_files(str(fixed))
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page.locator("main table tbody tr")).to_have_count(3)
    shoot(page, "import-preview")
    assert not Household.objects.exists()  # not before the leader confirms
    page.locator(f'form[action="{reverse("housing:import_confirm")}"] button[type=submit]').click()
    expect(page).to_have_url(live_server.url + reverse("housing:list"))
    expect(page.locator(".messages .alert")).to_contain_text("3")
    assert sorted(Household.objects.values_list("head__first_name", "adults")) == [("สอง", 3), ("สาม", 2), ("หนึ่ง", 2)]
    assert all(h.steps.get().step == Step.SURVEYED for h in Household.objects.all())


def test_a_leader_drafts_a_proposal_choosing_households_on_a_phone(page, live_server, leader, group_a, shoot):
    from housing import services

    chosen, left_out = (
        survey(group_a.community, leader, first_name="เลือก"),
        survey(group_a.community, leader, first_name="ไม่เลือก"),
    )
    for household in (chosen, left_out):
        services.step_add(
            household=household, step=Step.VERIFIED, date=datetime.date(2022, 1, 5), reason="", user=leader
        )
    sign_in(page, live_server, "leader")
    page.goto(live_server.url + reverse("housing:proposal_new"))
    page.locator("#id_title").fill("โครงการบ้านมั่นคงสงขลา")
    page.locator("#id_date").fill("1/3/2565")
    page.locator("#id_target_site").fill("เขารูปช้าง")
    page.locator("#id_background").fill("ครัวเรือนอยู่อย่างแออัดบนที่ดินการรถไฟ")
    page.locator(f'input[name="households"][value="{left_out.pk}"]').uncheck()
    shoot(page, "proposal-form")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("โครงการบ้านมั่นคงสงขลา")
    proposal = Proposal.objects.get()
    assert list(proposal.households.all()) == [chosen]
    page.locator("details summary").click()
    page.locator("#id_item").fill("ค่าที่ดิน")
    page.locator("#id_amount").fill("๑,๐๐๐,๐๐๐")
    page.locator(f'form[action="{reverse("housing:proposal_budget", args=[proposal.pk])}"] button').click()
    expect(page.locator(".messages .alert")).to_be_visible()
    shoot(page, "proposal")
    assert proposal.budget_lines.get().amount == Decimal("1000000.00")


def test_a_leader_takes_a_household_out_of_a_proposal_saying_why_on_a_phone(page, live_server, leader, group_a, shoot):
    from housing import services

    kept, taken_out = (
        verified(group_a.community, leader, "คงไว้", member=group_a.members.first()),
        verified(group_a.community, leader, "นำออก"),
    )
    proposal = services.proposal_create(
        title="โครงการบ้านมั่นคงสงขลา",
        date=datetime.date(2022, 3, 1),
        target_site="เขารูปช้าง",
        background="ครัวเรือนอยู่อย่างแออัดบนที่ดินการรถไฟ",
        households=[kept, taken_out],
        user=leader,
    )
    sign_in(page, live_server, "leader")
    page.goto(live_server.url + reverse("housing:proposal", args=[proposal.pk]))
    expect(page.locator("h2").filter(has_text="ตามการเป็นสมาชิกกลุ่มออมทรัพย์")).to_be_visible()
    shoot(page, "proposal-annex")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(f'a[href="{reverse("housing:proposal_household_remove", args=[proposal.pk, taken_out.pk])}"]').click()
    expect(page.locator("h1")).to_have_text("นำครัวเรือนออกจากข้อเสนอโครงการ")

    # Without a reason: named beside the field, nothing written.
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_reason")).to_have_class(IS_INVALID)
    expect(page.locator("#error_1_id_reason")).to_contain_text("ระบุเหตุผล")
    shoot(page, "take-out-error")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert set(proposal.households.all()) == {kept, taken_out}

    page.locator("#id_reason").fill("ครอบครัวย้ายไปอยู่กับญาติแล้ว")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages .alert")).to_contain_text("ตรวจสอบแล้ว")
    assert list(proposal.households.all()) == [kept]
    assert [s.step for s in taken_out.steps.order_by("date", "id")] == [
        Step.SURVEYED,
        Step.VERIFIED,
        Step.PROPOSED,
        Step.VERIFIED,
    ]
    page.goto(live_server.url + reverse("housing:detail", args=[taken_out.pk]))
    expect(page.locator("main ul li").last).to_contain_text("ครอบครัวย้ายไปอยู่กับญาติแล้ว")
    shoot(page, "household-taken-out")

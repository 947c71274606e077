"""The housing survey: a phone form that refuses wrong input and finds likely duplicates, dated
status steps, and personal data kept to leaders and staff."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from housing import services
from housing.models import Household, StatusStep, Step
from songkhla_network.models import Access, Community, Person, PersonalDataAccess
from songkhla_network.thai import be_date_input
from tests.factories import form_data, survey
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

VALID_ID = "1103702296121"


def exports():
    return PersonalDataAccess.objects.filter(action=Access.EXPORTED)


def test_a_leader_surveys_a_household_on_the_form(client, leader, group_a):
    client.force_login(leader)
    response = client.get(reverse("housing:new"))
    assert_no_english(response)
    response = client.post(reverse("housing:new"), form_data(group_a.community, national_id="1-1037-02296-12-1"))
    assert response.status_code == 302
    household = Household.objects.get()
    assert (household.children, household.size, household.monthly_income) == (1, 3, Decimal("9000.00"))
    assert household.surveyed_on == datetime.date(2021, 12, 10) and household.head.national_id == VALID_ID
    assert list(household.steps.values_list("step", flat=True)) == [Step.SURVEYED]


@pytest.mark.parametrize(
    "field, value",
    [
        ("adults", "0"),
        ("adults", "-1"),
        ("children", "สอง"),
        ("monthly_income", "เก้าพัน"),
        ("monthly_income", "-5"),
        ("surveyed_on", "10/12/2600"),
        ("surveyed_on", "10/12/2021"),
        ("national_id", "1103702296122"),
        ("first_name", ""),
    ],
)
def test_wrong_input_gets_a_thai_message_beside_the_field_and_nothing_is_written(client, leader, group_a, field, value):
    client.force_login(leader)
    response = client.post(reverse("housing:new"), form_data(group_a.community, **{field: value}))
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert_no_english(response)
    assert not Household.objects.exists() and not Person.objects.filter(first_name="สมใจ").exists()


def test_likely_duplicates_are_shown_before_saving(client, leader, group_a):
    survey(group_a.community, leader, national_id=VALID_ID)
    client.force_login(leader)
    response = client.post(reverse("housing:new"), form_data(group_a.community))  # same name, same community
    assert response.status_code == 200 and response.context["form"].duplicates
    assert_no_english(response)
    response = client.post(
        reverse("housing:new"), form_data(group_a.community, first_name="คนอื่น", national_id=VALID_ID)
    )
    assert response.context["form"].duplicates
    assert Household.objects.count() == 1
    # Ticking the box saves a different household with the same name.
    response = client.post(reverse("housing:new"), form_data(group_a.community, not_a_duplicate="on"))
    assert response.status_code == 302 and Household.objects.count() == 2


def test_a_saver_already_in_the_records_is_reused_as_head_of_household(leader, group_a):
    saver = group_a.members.first().person
    saver.national_id = VALID_ID
    saver.save()
    household = survey(group_a.community, leader, national_id=VALID_ID)
    assert household.head == saver
    with pytest.raises(ValidationError):
        survey(group_a.community, leader, national_id=VALID_ID)


def test_steps_only_go_forward_and_a_withdrawal_needs_a_reason(leader, group_a):
    household = survey(group_a.community, leader)
    services.step_add(household=household, step=Step.VERIFIED, date=datetime.date(2022, 1, 5), reason="", user=leader)
    with pytest.raises(ValidationError):
        services.step_add(
            household=household, step=Step.VERIFIED, date=datetime.date(2022, 1, 6), reason="", user=leader
        )
    with pytest.raises(ValidationError):
        services.step_add(
            household=household, step=Step.APPROVED, date=datetime.date(2021, 12, 1), reason="", user=leader
        )
    with pytest.raises(ValidationError):
        services.step_add(
            household=household, step=Step.WITHDRAWN, date=datetime.date(2022, 2, 1), reason=" ", user=leader
        )
    services.step_add(
        household=household, step=Step.WITHDRAWN, date=datetime.date(2022, 2, 1), reason="ย้ายไปอยู่กับลูก", user=leader
    )
    with pytest.raises(ValidationError):
        services.step_add(household=household, step=Step.MOVED, date=datetime.date(2022, 3, 1), reason="", user=leader)
    assert list(StatusStep.objects.values_list("step", flat=True)) == [Step.SURVEYED, Step.VERIFIED, Step.WITHDRAWN]


@pytest.mark.parametrize(
    "persona, list_status, sees_income, new_status",
    [
        ("leader", 200, True, 200),
        ("staff", 200, True, 403),
        ("treasurer_a", 200, False, 403),
        ("treasurer_b", 200, False, 403),
        ("collector", 403, False, 403),
        ("anonymous", 302, False, 302),
    ],
)
def test_income_ids_and_phones_stay_with_leaders_and_staff(
    personas, leader, group_a, group_b, persona, list_status, sees_income, new_status
):
    in_a = survey(group_a.community, leader, national_id=VALID_ID)
    survey(group_b.community, leader, first_name="บีบี")
    client = personas[persona]
    response = client.get(reverse("housing:list"))
    assert response.status_code == list_status
    assert client.get(reverse("housing:new")).status_code == new_status
    if list_status != 200:
        return
    assert_no_english(response)
    page = response.content.decode()
    assert ("9,000.00" in page) == sees_income
    detail = client.get(reverse("housing:detail", args=[in_a.pk]))
    if persona == "treasurer_b":
        assert detail.status_code == 404  # not a household of their group's community
        assert [h.head.first_name for h in response.context["households"]] == ["บีบี"]
        return
    assert detail.status_code == 200
    text = detail.content.decode()
    assert ("9,000.00" in text) == sees_income and ("081" in text) == sees_income
    assert VALID_ID not in text  # shown masked, if at all
    assert ("x-xxxx-xxxxx-12-1" in text) == sees_income


@pytest.mark.parametrize("count", [3, 40])
def test_the_list_takes_the_same_queries_whatever_the_households(client, leader, django_assert_max_num_queries, count):
    community = Community.objects.create(name="ชุมชนนับ")
    for i in range(count):
        survey(community, leader, first_name=f"คนที่{i}")
    client.force_login(leader)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("housing:list")).status_code == 200
    household = Household.objects.first()
    with django_assert_max_num_queries(8):
        assert client.get(reverse("housing:detail", args=[household.pk])).status_code == 200


def test_the_demo_has_150_households_surveyed_in_december_2564(settings):
    from django.core.management import call_command

    settings.DEMO = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert Household.objects.count() == 150
    assert not Household.objects.exclude(
        surveyed_on__range=(datetime.date(2021, 12, 1), datetime.date(2021, 12, 31))
    ).exists()
    assert Household.objects.filter(member__isnull=False).exists()


@pytest.mark.parametrize(
    "persona, status", [("leader", 200), ("staff", 200), ("treasurer_a", 403), ("collector", 403), ("anonymous", 302)]
)
def test_staff_export_the_survey_and_every_export_is_recorded(personas, leader, group_a, persona, status):
    from io import BytesIO

    from openpyxl import load_workbook

    survey(group_a.community, leader, national_id=VALID_ID)
    response = personas[persona].get(reverse("housing:xlsx"))
    assert response.status_code == status
    if status != 200:
        assert not exports().exists()
        return
    rows = list(load_workbook(BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == "นางสมใจ รักบ้าน" and rows[1][3] == "x-xxxx-xxxxx-12-1" and rows[1][9] == 9000
    record = exports().get()
    assert (record.user.username, record.rows, record.person) == (persona, 1, None)


def test_a_proposal_includes_the_verified_households_and_summarises_them(client, leader, group_a, group_b):
    import subprocess

    from housing.models import Proposal

    verified = survey(group_a.community, leader, national_id=VALID_ID)
    services.step_add(household=verified, step=Step.VERIFIED, date=datetime.date(2022, 1, 5), reason="", user=leader)
    survey(group_b.community, leader, first_name="ยังไม่ตรวจ")
    client.force_login(leader)
    response = client.post(
        reverse("housing:proposal_new"),
        {"title": "โครงการบ้านมั่นคง", "date": "1/3/2565", "target_site": "เขารูปช้าง", "households": [verified.pk]},
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and list(proposal.households.all()) == [verified]
    assert verified.steps.order_by("-id").first().step == Step.PROPOSED
    page = client.get(reverse("housing:proposal", args=[proposal.pk]))
    assert_no_english(page)
    summary = page.context["summary"]
    assert (summary["total"], summary["people"], summary["by_tenure"]) == (1, 3, [("เช่า", 1, Decimal("100.0"))])
    pdf = client.get(reverse("housing:proposal_pdf", args=[proposal.pk]))
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "โครงการบ้านมั่นคง" in text and "หน้า 1 จาก" in text and "1 มีนาคม 2565" in text
    assert "x-xxxx-xxxxx-12-1" in text and VALID_ID not in text  # the annex masks IDs
    assert client.get(reverse("housing:proposal_xlsx", args=[proposal.pk])).status_code == 200
    assert exports().count() == 2


def test_the_admin_puts_no_household_into_a_proposal(client, leader, group_a):
    """Ticked in the admin, a household never verified went into a proposal with no step "in a
    proposal": households go in on the proposal's own page only."""
    from housing.models import Proposal

    surveyed = survey(group_a.community, leader)
    client.force_login(leader)
    response = client.post(
        reverse("admin:housing_proposal_add"),
        {
            "title": "บ้านมั่นคง",
            "date": "1/3/2565",
            "target_site": "เขารูปช้าง",
            "background": "",
            "households": [surveyed.pk],
            "budget_lines-TOTAL_FORMS": "0",
            "budget_lines-INITIAL_FORMS": "0",
            "budget_lines-MIN_NUM_FORMS": "0",
            "budget_lines-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    assert not Proposal.objects.get().households.exists()
    assert [step.step for step in surveyed.steps.all()] == [Step.SURVEYED]
    page = client.get(reverse("admin:housing_proposal_change", args=[Proposal.objects.get().pk]))
    assert 'name="households"' not in page.content.decode()


@pytest.mark.parametrize(
    "persona, status", [("leader", 200), ("staff", 200), ("treasurer_a", 403), ("collector", 403), ("anonymous", 302)]
)
def test_proposals_are_for_leaders_and_staff(personas, leader, persona, status):
    from housing.models import Proposal

    proposal = Proposal.objects.create(title="ร่าง", date=datetime.date(2022, 3, 1), target_site="ที่ดิน")
    for name in [
        "housing:proposals",
        "housing:proposals_xlsx",
        "housing:proposal",
        "housing:proposal_pdf",
        "housing:proposal_xlsx",
    ]:
        args = [] if name.startswith("housing:proposals") else [proposal.pk]
        assert personas[persona].get(reverse(name, args=args)).status_code == status, name
    assert personas[persona].get(reverse("housing:proposal_new")).status_code == (
        200 if persona == "leader" else status if status != 200 else 403
    )


def verified(community, leader, name):
    household = survey(community, leader, first_name=name)
    services.step_add(household=household, step=Step.VERIFIED, date=datetime.date(2022, 1, 5), reason="", user=leader)
    return household


def test_a_leader_chooses_the_households_by_hand_and_can_take_one_out(client, leader, group_a):
    from housing.models import Proposal

    first, second, third = (verified(group_a.community, leader, name) for name in ["หนึ่ง", "สอง", "สาม"])
    client.force_login(leader)
    form = client.get(reverse("housing:proposal_new")).context["form"]
    assert set(form.fields["households"].initial) == {first.pk, second.pk, third.pk}  # all ticked to begin with
    client.post(
        reverse("housing:proposal_new"),
        {"title": "ร่าง", "date": "1/3/2565", "target_site": "ที่ดิน", "background": "ชุมชนแออัด", "households": [first.pk]},
    )
    proposal = Proposal.objects.get()
    assert list(proposal.households.all()) == [first] and proposal.background == "ชุมชนแออัด"
    page = client.get(reverse("housing:proposal", args=[proposal.pk]))
    assert_no_english(page)
    assert {h.pk for h in page.context["add_form"].fields["households"].queryset} == {second.pk, third.pk}
    client.post(reverse("housing:proposal_households", args=[proposal.pk]), {"households": [second.pk]})
    assert set(proposal.households.all()) == {first, second}
    # The same household cannot go into a second proposal.
    other = Proposal.objects.create(title="อื่น", date=datetime.date(2022, 3, 2), target_site="ที่อื่น")
    response = client.post(reverse("housing:proposal_households", args=[other.pk]), {"households": [second.pk]})
    assert response.status_code == 200 and response.context["add_form"].errors["households"]
    assert not other.households.exists()
    # Taking one out puts it back to verified; once approved it stays.
    take_out = {"date": be_date_input(timezone.localdate()), "reason": "ใส่ผิดครัวเรือน"}  # added today
    client.post(reverse("housing:proposal_household_remove", args=[proposal.pk, second.pk]), take_out)
    assert list(proposal.households.all()) == [first]
    assert second.steps.order_by("-id").first().step == Step.VERIFIED
    services.step_add(household=first, step=Step.APPROVED, date=datetime.date(2022, 6, 1), reason="", user=leader)
    client.post(reverse("housing:proposal_household_remove", args=[proposal.pk, first.pk]), take_out)
    assert list(proposal.households.all()) == [first]


def test_a_leader_adds_and_removes_budget_lines(client, leader, staff):
    from housing.models import Proposal

    proposal = Proposal.objects.create(title="ร่าง", date=datetime.date(2022, 3, 1), target_site="ที่ดิน")
    client.force_login(leader)
    response = client.post(reverse("housing:proposal_budget", args=[proposal.pk]), {"item": "ค่าที่ดิน", "amount": "0"})
    assert response.status_code == 200 and response.context["budget_form"].errors["amount"]
    assert not proposal.budget_lines.exists()
    client.post(reverse("housing:proposal_budget", args=[proposal.pk]), {"item": "ค่าที่ดิน", "amount": "๔,๕๐๐,๐๐๐"})
    line = proposal.budget_lines.get()
    assert line.amount == Decimal("4500000.00")
    staff_client = type(client)()
    staff_client.force_login(staff)
    assert staff_client.post(reverse("housing:proposal_budget_remove", args=[proposal.pk, line.pk])).status_code == 403
    assert staff_client.get(reverse("housing:proposal", args=[proposal.pk])).context.get("budget_form") is None
    client.post(reverse("housing:proposal_budget_remove", args=[proposal.pk, line.pk]))
    assert not proposal.budget_lines.exists()


def test_the_list_filters_by_community_status_and_name_and_exports_what_it_shows(client, leader, group_a, group_b):
    from io import BytesIO

    from openpyxl import load_workbook

    verified(group_a.community, leader, "ตรวจแล้ว")
    survey(group_a.community, leader, first_name="ยังไม่ตรวจ")
    survey(group_b.community, leader, first_name="อีกชุมชน")
    client.force_login(leader)
    names = lambda response: [h.head.first_name for h in response.context["households"]]  # noqa: E731
    assert len(names(client.get(reverse("housing:list")))) == 3
    assert names(client.get(reverse("housing:list"), {"community": group_b.community.pk})) == ["อีกชุมชน"]
    assert names(client.get(reverse("housing:list"), {"status": Step.VERIFIED})) == ["ตรวจแล้ว"]
    assert names(client.get(reverse("housing:list"), {"name": "ยังไม่"})) == ["ยังไม่ตรวจ"]
    workbook = load_workbook(BytesIO(client.get(reverse("housing:xlsx"), {"status": Step.VERIFIED}).content))
    assert [r[0] for r in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)] == ["นางตรวจแล้ว รักบ้าน"]


BACKGROUND = (
    "ชุมชนแออัดในเขตเทศบาลนครสงขลาหลายแห่งตั้งอยู่บนที่ดินการรถไฟและที่ดินสาธารณะ ครัวเรือนจำนวนมากอยู่กันหลายครอบครัวในบ้านหลังเล็ก "
    "ค่าเช่าสูงขึ้นทุกปี และบางส่วนถูกขอคืนพื้นที่ เครือข่ายจึงสำรวจครัวเรือนที่ต้องการย้ายออก ซึ่งออมเงินร่วมกันในกลุ่มออมทรัพย์เพื่อเตรียมผ่อนบ้านใหม่ "
    "ผู้สูงอายุและเด็กเล็กต้องการที่อยู่ที่ปลอดภัย น้ำไม่ท่วม และใกล้แหล่งงานเดิม"
)


def test_the_proposal_pdf_breaks_thai_lines_between_words_and_its_text_reads_back(client, leader, group_a, tmp_path):
    """The PDF is rendered to page images (saved to SHOTS_DIR when set, for a person to look at);
    its text layer gives back what was written, and each line of the long paragraph ends
    between two words, as PyThaiNLP cuts them."""
    import os
    import shutil
    import subprocess
    import unicodedata

    proposal = services.proposal_create(
        title="โครงการบ้านมั่นคงสงขลา",
        date=datetime.date(2022, 3, 1),
        target_site="เขารูปช้าง",
        background=BACKGROUND,
        user=leader,
    )
    # Enough households for the annex to run onto more pages.
    households = [verified(group_a.community, leader, f"คนที่{i}") for i in range(45)]
    services.proposal_add(proposal=proposal, households=households, user=leader)
    client.force_login(leader)
    pdf = tmp_path / "proposal.pdf"
    pdf.write_bytes(client.get(reverse("housing:proposal_pdf", args=[proposal.pk])).content)

    pages = int(
        next(
            line.split()[-1]
            for line in subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    subprocess.run(["pdftoppm", "-r", "50", "-png", pdf, tmp_path / "page"], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert pages >= 2 and len(images) == pages
    assert all(image.stat().st_size > 5000 for image in images)  # pages with something drawn on them
    if os.environ.get("SHOTS_DIR"):
        for image in images:
            shutil.copy(image, os.path.join(os.environ["SHOTS_DIR"], f"proposal-{image.name}"))

    text = subprocess.run(["pdftotext", "-raw", pdf, "-"], capture_output=True, text=True, check=True).stdout
    text = unicodedata.normalize("NFC", text.replace("\u0e4d\u0e32", "\u0e33"))  # WeasyPrint writes ำ as ํ + า
    assert f"หน้า 1 จาก {pages}" in text and f"หน้า {pages} จาก {pages}" in text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("ชุมชนแออัดในเขต"))
    paragraph = []
    for line in lines[start:]:
        paragraph.append(line)
        if line.endswith("ใกล้แหล่งงานเดิม"):
            break
    assert "".join(paragraph).replace(" ", "") == BACKGROUND.replace(" ", "")  # the text reads back as written
    assert len(paragraph) >= 3
    assert not words_cut(paragraph, BACKGROUND)
    # The check itself catches a line breaker that knows no Thai, cutting at a fixed width.
    assert words_cut([BACKGROUND[i : i + 37] for i in range(0, len(BACKGROUND), 37)], BACKGROUND)


def words_cut(lines, text):
    """The line ends that cut a word. A break is fine where PyThaiNLP cuts the text into words, or
    between two dictionary words (Pango's dictionary splits some compounds PyThaiNLP keeps whole,
    e.g. ร่วม|กัน); not inside a word (ครัวเ|รือน)."""
    from pythainlp.corpus import thai_words
    from pythainlp.tokenize import word_tokenize

    words = thai_words()
    boundaries, position = set(), 0
    for word in word_tokenize(text.replace(" ", ""), engine="newmm"):
        position += len(word)
        boundaries.add(position)
    cut, joined = [], ""
    for line, following in zip(lines, lines[1:], strict=False):
        joined += line.replace(" ", "")
        if not line.strip() or not following.strip() or line.endswith(" ") or following.startswith(" "):
            continue  # broken at a space
        before, after = word_tokenize(line, engine="newmm")[-1], word_tokenize(following, engine="newmm")[0]
        if len(joined) not in boundaries and not (before in words and after in words):
            cut.append(f"{line}|{following}")
    return cut


@pytest.mark.parametrize("count", [2, 30])
def test_proposal_pages_take_the_same_queries_whatever_the_households(
    client, leader, group_a, django_assert_max_num_queries, count
):
    proposal = services.proposal_create(
        title="ร่าง", date=datetime.date(2022, 3, 1), target_site="ที่ดิน", households=[], user=leader
    )
    households = [verified(group_a.community, leader, f"คนที่{i}") for i in range(count)]
    services.proposal_add(proposal=proposal, households=households, user=leader)
    for i in range(count):
        verified(group_a.community, leader, f"รอ{i}")
    client.force_login(leader)
    for name, limit in [("housing:proposal", 14), ("housing:proposal_pdf", 10), ("housing:proposal_xlsx", 10)]:
        with django_assert_max_num_queries(limit):
            assert client.get(reverse(name, args=[proposal.pk])).status_code == 200, name
    with django_assert_max_num_queries(8):
        assert client.get(reverse("housing:proposals")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("housing:proposal_new")).status_code == 200


def test_a_household_is_surveyed_on_the_survey_form_not_added_in_the_admin(client, leader):
    # Added in the admin, a household had no surveyor (a server error), no first step and no
    # consent of its head: found by fuzzing the admin's forms.
    client.force_login(leader)
    assert client.get(reverse("admin:housing_household_add")).status_code == 403
    assert client.post(reverse("admin:housing_household_add"), {}).status_code == 403

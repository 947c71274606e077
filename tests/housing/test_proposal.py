"""The proposal to CODI over time: a household taken out of a proposal keeps its step "in a
proposal" and gets a new step saying when and why, so its history is whole and a closed period
says what it said; steps are never changed or deleted (PostgreSQL refuses it too), but for the
PDPA erasure of their reasons; and the proposal's Excel file holds everything its PDF holds."""

import datetime
from collections import Counter
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from housing import selectors, services
from housing.models import Household, Proposal, StatusStep, Step, Tenure
from network.codi_report import codi_report
from network.personal_data import person_erase
from network.sections import housing_section
from songkhla_network.models import Person
from songkhla_network.thai import baht_words
from tests.factories import verified
from tests.helpers import assert_no_english, pdf_text, rolled_back, squeezed

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2022, 3, 1)


def propose(leader, households, *, date=MARCH, title="โครงการบ้านมั่นคงสงขลา", **fields):
    return services.proposal_create(
        title=title, date=date, target_site="เขารูปช้าง", households=households, user=leader, **fields
    )


def steps_of(household):
    return [(s.step, s.date, s.proposal_id, s.takes_back_id, s.reason) for s in household.steps.order_by("date", "id")]


# Taking a household out of a proposal.


def test_a_household_taken_out_keeps_its_step_and_gets_a_new_one_saying_why(client, leader, group_a):
    first, second = verified(group_a.community, leader, "หนึ่ง"), verified(group_a.community, leader, "สอง")
    proposal = propose(leader, [first, second])
    proposed = second.steps.get(step=Step.PROPOSED)
    url = reverse("housing:proposal_household_remove", args=[proposal.pk, second.pk])
    client.force_login(leader)
    page = client.get(reverse("housing:proposal", args=[proposal.pk]))
    assert url in page.content.decode()  # the annex links to the page that asks why

    form_page = client.get(url)
    assert form_page.status_code == 200 and form_page.context["removable"]
    assert_no_english(form_page)
    assert form_page.context["form"]["date"].value() == timezone.localdate()  # taken out today, unless said

    # Without a reason: a Thai message beside the field, and nothing written.
    before = steps_of(second)
    response = client.post(url, {"date": "10/3/2565", "reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["ระบุเหตุผลที่นำครัวเรือนออกจากข้อเสนอโครงการ"]
    assert 'id="error_1_id_reason"' in response.content.decode()
    assert steps_of(second) == before and set(proposal.households.all()) == {first, second}
    # Dated before the household went into the proposal: refused too.
    response = client.post(url, {"date": "28/2/2565", "reason": "ใส่ผิดครัวเรือน"})
    assert response.status_code == 200 and "ก่อนขั้นตอนล่าสุด" in response.content.decode()
    assert steps_of(second) == before

    response = client.post(url, {"date": "10/3/2565", "reason": "ใส่ผิดครัวเรือน"})
    assert response.status_code == 302 and response.url == reverse("housing:proposal", args=[proposal.pk])
    assert list(proposal.households.all()) == [first]
    taken_out = second.steps.latest("id")
    assert steps_of(second) == [
        *before,
        (Step.VERIFIED, datetime.date(2022, 3, 10), proposal.pk, proposed.pk, "ใส่ผิดครัวเรือน"),
    ]
    assert StatusStep.objects.get(pk=proposed.pk).taken_back_by == taken_out
    # The household page tells the story; the household waits for the next proposal.
    detail = client.get(reverse("housing:detail", args=[second.pk])).content.decode()
    assert "นำออกจากข้อเสนอโครงการ “โครงการบ้านมั่นคงสงขลา”" in detail and "ใส่ผิดครัวเรือน" in detail
    assert list(selectors.verified_households()) == [second]
    other = propose(leader, [second], title="โครงการรอบสอง", date=datetime.date(2022, 4, 1))
    assert list(other.households.all()) == [second]
    assert [s[0] for s in steps_of(second)] == [
        Step.SURVEYED,
        Step.VERIFIED,
        Step.PROPOSED,
        Step.VERIFIED,
        Step.PROPOSED,
    ]


def test_a_household_approved_or_in_another_proposal_is_not_taken_out(client, leader, group_a):
    household = verified(group_a.community, leader)
    proposal = propose(leader, [household])
    services.step_add(household=household, step=Step.APPROVED, date=datetime.date(2022, 6, 1), reason="", user=leader)
    url = reverse("housing:proposal_household_remove", args=[proposal.pk, household.pk])
    client.force_login(leader)
    page = client.get(url)
    assert page.status_code == 200 and not page.context["removable"]
    assert "ผ่านขั้นข้อเสนอโครงการไปแล้ว" in page.content.decode()
    before = steps_of(household)
    assert client.post(url, {"date": "2/6/2565", "reason": "ใส่ผิด"}).status_code == 200
    assert steps_of(household) == before and list(proposal.households.all()) == [household]
    assert client.get(reverse("housing:proposal", args=[proposal.pk])).context["removable"] == set()
    # A household of another proposal, or of none, is not this proposal's to take out.
    stranger = verified(group_a.community, leader, "อื่น")
    assert client.get(reverse("housing:proposal_household_remove", args=[proposal.pk, stranger.pk])).status_code == 404
    with pytest.raises(ValidationError):
        services.proposal_remove(
            proposal=proposal, household=stranger, date=datetime.date(2022, 6, 1), reason="ใส่ผิด", user=leader
        )


def test_a_proposal_dated_ahead_is_taken_out_of_on_its_own_date_at_the_latest(client, leader, group_a):
    """Its households' steps "in a proposal" are dated ahead too: a take-out may not come before."""
    household = verified(group_a.community, leader)
    ahead = timezone.localdate() + datetime.timedelta(days=30)
    proposal = propose(leader, [household], date=ahead)
    url = reverse("housing:proposal_household_remove", args=[proposal.pk, household.pk])
    typed = lambda day: f"{day.day}/{day.month}/{day.year + 543}"  # noqa: E731
    client.force_login(leader)
    assert client.get(url).context["form"]["date"].value() == ahead
    response = client.post(url, {"date": typed(ahead + datetime.timedelta(days=1)), "reason": "ใส่ผิด"})
    assert response.status_code == 200 and response.context["form"].errors["date"] == ["วันที่นี้ยังมาไม่ถึง"]
    response = client.post(url, {"date": typed(ahead), "reason": "ใส่ผิด"})
    assert response.status_code == 302 and household.steps.latest("id").date == ahead


def test_a_household_goes_into_a_proposal_only_on_the_proposal_page(client, leader, group_a):
    """The household's own page once offered "in a proposal" as a step, in no proposal at all."""
    household = verified(group_a.community, leader)
    with pytest.raises(ValidationError):
        services.step_add(household=household, step=Step.PROPOSED, date=MARCH, reason="", user=leader)
    client.force_login(leader)
    response = client.post(reverse("housing:step", args=[household.pk]), {"step": Step.PROPOSED, "date": "1/3/2565"})
    assert response.status_code == 200 and response.context["step_form"].errors["step"]
    assert [s.step for s in household.steps.all()] == [Step.SURVEYED, Step.VERIFIED]


def test_a_proposal_made_before_a_household_was_verified_dates_its_step_after_the_verification(leader, group_a):
    household = verified(group_a.community, leader, verified_on=datetime.date(2022, 4, 10))
    propose(leader, [household], date=MARCH)
    assert household.steps.latest("id").date == datetime.date(2022, 4, 10)
    assert selectors.latest_step(household).step == Step.PROPOSED
    assert not selectors.verified_households().exists()  # not offered to a second proposal


# Steps are history.


def test_a_step_is_never_changed_or_deleted_even_by_hand_typed_sql(client, leader, group_a):
    household = verified(group_a.community, leader)
    step = household.steps.first()
    step.reason = "แก้ไข"
    for attempt in (step.save, step.delete, lambda: household.steps.update(reason="x"), household.steps.all().delete):
        with pytest.raises(ValidationError):
            attempt()
    for sql in (
        "UPDATE housing_statusstep SET date = date - 1",
        "UPDATE housing_statusstep SET reason = 'x'",
        "UPDATE housing_statusstep SET step = 'moved'",
        "DELETE FROM housing_statusstep",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    with pytest.raises(ProtectedError):
        household.delete()
    # The admin shows the steps read-only and deletes no household.
    client.force_login(leader)
    page = client.get(reverse("admin:housing_household_change", args=[household.pk])).content.decode()
    assert 'name="steps-0-date"' not in page and 'name="steps-0-DELETE"' not in page
    assert client.get(reverse("admin:housing_household_delete", args=[household.pk])).status_code == 403
    assert steps_of(household)[0][0] == Step.SURVEYED and household.steps.count() == 2


def test_the_pdpa_erasure_still_blanks_the_reasons_of_the_steps_and_nothing_else(leader, group_a):
    household = verified(group_a.community, leader)
    proposal = propose(leader, [household])
    services.proposal_remove(
        proposal=proposal, household=household, date=MARCH, reason="นางสมใจย้ายไปอยู่กับลูกสาว", user=leader
    )
    person_erase(person=household.head, reason="หนังสือขอลบข้อมูล ลงวันที่ 1 มีนาคม 2565", user=leader)
    marker = str(Person.ERASED_NAME)
    reasons = [s.reason for s in household.steps.order_by("date", "id")]
    assert reasons[3] == marker and reasons[-1]  # the take-out's reason, and the withdrawal the erasure adds
    assert "ลูกสาว" not in str(list(StatusStep.history.filter(household_id=household.pk).values_list("reason")))
    assert [s[0] for s in steps_of(household)] == [
        Step.SURVEYED,
        Step.VERIFIED,
        Step.PROPOSED,
        Step.VERIFIED,
        Step.WITHDRAWN,
    ]
    # The narrow path is for the reason of an erased head's steps only.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE housing_statusstep SET date = date - 1 WHERE household_id = %s", [household.pk])
    other = verified(group_a.community, leader, "ยังอยู่")
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusStep.objects.filter(household=other).erase_reasons(marker)


# Any sequence of proposals, take-outs and steps keeps every step, in order.

START = datetime.date(2022, 3, 1)
PROPOSAL_DATES = [START, START + datetime.timedelta(days=8)]
THE_ONE_IT_IS_IN = 2
operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "add", "add", "remove", "remove", "remove", "remove", "approve", "withdraw"]),
        st.integers(0, 1),  # which household
        st.sampled_from([0, 1, THE_ONE_IT_IS_IN, THE_ONE_IT_IS_IN]),  # which proposal
        st.integers(0, 3),  # days after the operation before
        st.sampled_from(["ใส่ผิดครัวเรือน", "ใส่ผิดครัวเรือน", "", "  "]),  # the take-out's reason
    ),
    max_size=14,
)


class Model:
    """What the sequence says: each household's steps as (id, step, date, proposal, takes back)."""

    def __init__(self, households):
        self.steps = {
            h.pk: [(s.pk, s.step, s.date, s.proposal_id, s.takes_back_id) for s in h.steps.order_by("id")]
            for h in households
        }

    def latest(self, pk, day=None):
        steps = [s for s in self.steps[pk] if day is None or s[2] <= day]
        return steps[-1] if steps else None

    def in_proposal(self, proposal_pk, day=None):
        dated = [s for steps in self.steps.values() for s in steps if day is None or s[2] <= day]
        taken_back = {s[4] for s in dated}
        return {
            self.household_of(s[0])
            for s in dated
            if s[1] == Step.PROPOSED and s[3] == proposal_pk and s[0] not in taken_back
        }

    def household_of(self, step_pk):
        return next(pk for pk, steps in self.steps.items() if step_pk in {s[0] for s in steps})

    def allows(self, kind, household_pk, proposal_pk, day, reason):
        """Whether the sequence's rules let the operation through, and the step it then adds."""
        pk, step, date, proposal, _taken_back = self.latest(household_pk)
        open_ = step not in (Step.MOVED, Step.WITHDRAWN) and day >= date
        if kind == "add":
            return step == Step.VERIFIED, (
                Step.PROPOSED,
                max(day, PROPOSAL_DATES[proposal_pk[1]], date),
                proposal_pk[0],
                None,
            )
        if kind == "remove":
            ok = step == Step.PROPOSED and proposal == proposal_pk[0] and bool(reason.strip()) and day >= date
            return ok, (Step.VERIFIED, day, proposal_pk[0], pk)
        if kind == "approve":
            return open_ and step in (Step.SURVEYED, Step.VERIFIED, Step.PROPOSED), (Step.APPROVED, day, None, None)
        return open_, (Step.WITHDRAWN, day, None, None)


@given(ops=operations)
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_sequence_of_proposals_and_take_outs_keeps_every_step_and_says_where_each_household_stands(
    leader, group_a, ops
):
    with rolled_back():
        verified_on = START - datetime.timedelta(days=5)
        households = [verified(group_a.community, leader, f"ครัวเรือน{i}", verified_on=verified_on) for i in range(2)]
        proposals = [propose(leader, [], date=date, title=f"ข้อเสนอ{i}") for i, date in enumerate(PROPOSAL_DATES)]
        model, day = Model(households), START
        # Both households go into the first proposal to begin with: most sequences then take one out.
        for kind, h, p, days, reason in [("add", 0, 0, 0, ""), ("add", 1, 0, 0, ""), *ops]:
            if p == THE_ONE_IT_IS_IN:
                p = next((i for i, pr in enumerate(proposals) if households[h].pk in model.in_proposal(pr.pk)), 0)
            household, proposal, day = households[h], proposals[p], day + datetime.timedelta(days=days)
            allowed, new = model.allows(kind, household.pk, (proposal.pk, p), day, reason)
            try:
                if kind == "add":
                    services.proposal_add(proposal=proposal, households=[household], date=day, user=leader)
                elif kind == "remove":
                    services.proposal_remove(
                        proposal=proposal, household=household, date=day, reason=reason, user=leader
                    )
                else:
                    step = Step.APPROVED if kind == "approve" else Step.WITHDRAWN
                    services.step_add(household=household, step=step, date=day, reason="ย้ายออกเอง", user=leader)
            except ValidationError:
                assert not allowed, (kind, h, p, day)  # refused exactly when the sequence says so
                event(f"{kind}: refused")
                continue
            assert allowed, (kind, h, p, day)
            event(f"{kind}: done")
            model.steps[household.pk].append((household.steps.latest("id").pk, *new))

        # Every step the sequence made is there, as made, in its order: none lost, none changed.
        for household in households:
            recorded = [
                (s.pk, s.step, s.date, s.proposal_id, s.takes_back_id) for s in household.steps.order_by("date", "id")
            ]
            assert recorded == model.steps[household.pk]
            assert selectors.latest_step(household).step == model.latest(household.pk)[1]
        assert StatusStep.objects.count() == sum(len(steps) for steps in model.steps.values())
        # Who is in each proposal, and where each household stands, on every day.
        for proposal in proposals:
            assert {h.pk for h in proposal.households.all()} == model.in_proposal(proposal.pk)
            assert {h.pk for h in selectors.proposal_households(proposal)} == model.in_proposal(proposal.pk)
        for offset in range(-6, (day - START).days + 2):
            on = START + datetime.timedelta(days=offset)
            expected = dict(Counter(model.latest(h.pk, on)[1] for h in households if model.latest(h.pk, on)))
            assert selectors.households_by_step(as_of=on) == expected, on
            assert {row.step: row.households for row in housing_section(on).by_status} == expected, on
            for proposal in proposals:
                in_it = {h.pk for h in selectors.proposal_households(proposal, as_of=on)}
                assert in_it == model.in_proposal(proposal.pk, on), on
        assert {h.pk for h in selectors.verified_households()} == {
            h.pk for h in households if model.latest(h.pk)[1] == Step.VERIFIED
        }


# Figures as of a day.


def test_a_closed_periods_report_keeps_the_proposals_households_of_its_end(leader, group_a):
    stays, taken_out, added_later = (verified(group_a.community, leader, name) for name in ["อยู่", "ออก", "ทีหลัง"])
    proposal = propose(leader, [stays, taken_out], date=datetime.date(2022, 2, 10))
    report = codi_report(datetime.date(2021, 12, 1), datetime.date(2022, 2, 1), issued=datetime.date(2022, 3, 9))
    assert report.proposal_summary["total"] == 2
    assert {row.step: row.households for row in report.housing.by_status} == {Step.PROPOSED: 2, Step.VERIFIED: 1}
    # In March one is taken out and another added: February's report says what it said.
    services.proposal_remove(proposal=proposal, household=taken_out, date=MARCH, reason="ใส่ผิด", user=leader)
    services.proposal_add(proposal=proposal, households=[added_later], date=datetime.date(2022, 3, 15), user=leader)
    again = codi_report(datetime.date(2021, 12, 1), datetime.date(2022, 2, 1), issued=datetime.date(2022, 4, 1))
    assert again.proposal_summary == report.proposal_summary
    assert again.housing.by_status == report.housing.by_status
    march = codi_report(datetime.date(2022, 3, 1), datetime.date(2022, 3, 1), issued=datetime.date(2022, 4, 1))
    assert march.proposal_summary["total"] == 2
    assert {row.step: row.households for row in march.housing.by_status} == {Step.PROPOSED: 2, Step.VERIFIED: 1}
    assert {h.pk for h in selectors.proposal_households(proposal)} == {stays.pk, added_later.pk}


# The Excel file holds what the PDF holds.

BACKGROUND = "ชุมชนแออัดบนที่ดินการรถไฟ ค่าเช่าสูงขึ้นทุกปี\nเครือข่ายจึงขอเสนอโครงการบ้านมั่นคง"


def number_or_text(value):
    """A cell as compared: numbers by value (openpyxl reads 50.0 back as 50), text as text."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value))
    return "" if value is None else str(value)


def sheet_rows(sheet):
    return [tuple(number_or_text(v) for v in row) for row in sheet.iter_rows(values_only=True)]


def test_the_excel_file_holds_the_background_and_every_table_of_the_pdf_cell_for_cell(client, leader, group_a, group_b):
    saver = group_a.members.first()
    households = [
        verified(group_a.community, leader, "หนึ่ง", national_id="1103702296121", member=saver),
        verified(group_a.community, leader, "สอง", adults=4, children=3, tenure=Tenure.RAILWAY, can_pay=Decimal("0")),
        verified(group_b.community, leader, "สาม", adults=1, monthly_income=Decimal("16000"), can_pay=Decimal("3500")),
    ]
    proposal = propose(leader, households, background=BACKGROUND)
    for item, amount in [("ค่าที่ดิน", "4500000"), ("ค่าก่อสร้างบ้าน", "1250000.50")]:
        services.budget_line_add(proposal=proposal, item=item, amount=Decimal(amount))
    client.force_login(leader)
    pdf = client.get(reverse("housing:proposal_pdf", args=[proposal.pk]))
    context = pdf.context
    workbook = load_workbook(BytesIO(client.get(reverse("housing:proposal_xlsx", args=[proposal.pk])).content))
    tables, summary = context["tables"], context["summary"]
    assert len(tables) == 6 and len(workbook.worksheets) == 1 + 6 + 2

    # The proposal itself: its text, and the figures of its opening paragraph.
    front = workbook.worksheets[0]
    assert sheet_rows(front) == [
        ("ช่องข้อมูล", "ข้อมูล"),
        ("ชื่อโครงการ", proposal.title),
        ("วันที่", "1 มีนาคม 2565"),
        ("พื้นที่เป้าหมาย", "เขารูปช้าง"),
        ("ความเป็นมาและเหตุผล", BACKGROUND),
        ("ครัวเรือน", summary["total"]),
        ("จำนวนคน", summary["people"]),
        ("ครัวเรือนที่เป็นสมาชิกกลุ่มออมทรัพย์", summary["members"]),
        ("อัตราการเป็นสมาชิกกลุ่มออมทรัพย์ (ร้อยละ)", summary["member_rate"]),
        ("งบประมาณ (บาท)", context["budget_total"]),
        ("งบประมาณ (ตัวอักษร)", baht_words(context["budget_total"])),
    ]
    assert [summary["total"], summary["members"], summary["member_rate"]] == [3, 1, Decimal("33.3")]

    # Each summary table, in the PDF's order, row for row.
    for sheet, table in zip(workbook.worksheets[1:7], tables, strict=True):
        assert sheet.title == table.title
        assert sheet_rows(sheet) == [
            (table.title, "ครัวเรือน", "ร้อยละ"),
            *(tuple(number_or_text(v) for v in row) for row in table.rows),
        ]
    membership = workbook.worksheets[6]
    assert membership.title == "ตามการเป็นสมาชิกกลุ่มออมทรัพย์"
    assert sheet_rows(membership)[1] == ("เป็นสมาชิกกลุ่มออมทรัพย์", 1, Decimal("33.3"))

    # The budget and its total; the annex, IDs masked.
    assert workbook.worksheets[7].title == "งบประมาณ"
    assert sheet_rows(workbook.worksheets[7]) == [
        ("รายการ", "จำนวนเงิน (บาท)"),
        *((line.item, line.amount) for line in context["budget"]),
        ("รวม", Decimal("5750000.50")),
    ]
    annex = sheet_rows(workbook.worksheets[8])
    assert annex[0] == (
        "ลำดับ",
        "หัวหน้าครัวเรือน",
        "ชุมชนที่อยู่ปัจจุบัน",
        "เลขประจำตัวประชาชน",
        "จำนวนคน",
        "การอยู่อาศัยปัจจุบัน",
        "จ่ายค่าบ้านใหม่ได้ต่อเดือน",
    )
    assert annex[1:] == [
        (
            n,
            str(h.head),
            h.community.name,
            h.head.masked_national_id or "—",
            h.size,
            h.get_tenure_display(),
            number_or_text(h.can_pay),
        )
        for n, h in enumerate(context["households"], start=1)
    ]
    assert len(annex) == 4 and [row[3] for row in annex[1:]].count("x-xxxx-xxxxx-12-1") == 1
    assert "1103702296121" not in str(annex)

    # And the PDF's text says the same figures.
    text = squeezed(pdf_text(pdf.content))
    for words in [
        BACKGROUND,
        "ตามการเป็นสมาชิกกลุ่มออมทรัพย์",
        "เป็นสมาชิกกลุ่มออมทรัพย์133.3",
        "(ร้อยละ33.3)",
        "5,750,000.50",
        baht_words(Decimal("5750000.50")),
        "x-xxxx-xxxxx-12-1",
    ]:
        assert squeezed(words) in text, words


@pytest.mark.parametrize("count", [2, 20])
def test_the_take_out_page_takes_the_same_queries_whatever_the_households(
    client, leader, group_a, django_assert_max_num_queries, count
):
    households = [verified(group_a.community, leader, f"คนที่{i}") for i in range(count)]
    proposal = propose(leader, households)
    client.force_login(leader)
    url = reverse("housing:proposal_household_remove", args=[proposal.pk, households[0].pk])
    with django_assert_max_num_queries(8):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.post(url, {"date": "2/3/2565", "reason": "ใส่ผิด"}).status_code == 302
    assert Household.objects.count() == count and Proposal.objects.get().households.count() == count - 1

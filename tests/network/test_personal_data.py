"""Personal data under Thailand's PDPA: a household's consent to the survey's purpose is recorded
(and nothing is saved without it); a leader exports everything the app holds about a person, or
erases their personal fields while every money row stays; and who viewed, exported or erased
personal data is logged."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook

from groups import services as group_services
from groups.models import LedgerEntry
from housing import services as housing_services
from housing.models import Household, StatusStep, Step
from network import personal_data
from rent_collection import selectors as rent_selectors
from rent_collection import services as rent_services
from rent_collection.models import Receipt
from songkhla_network.models import (
    Access,
    ConsentMethod,
    Person,
    PersonalDataAccess,
    PersonalDataConsent,
    Purpose,
)
from tests.factories import CONSENT, confirm, consent_cells, form_data, header, make_user, row, survey, upload, xlsx
from works import services as works_services
from works.models import WorkKind

pytestmark = pytest.mark.django_db

VALID_ID = "1103702296121"
PHONE = "0899990000"


def logged(action, **filters):
    return PersonalDataAccess.objects.filter(action=action, **filters)


# Consent.


def test_a_new_household_is_saved_only_with_the_heads_consent(client, leader, group_a):
    client.force_login(leader)
    response = client.post(reverse("housing:new"), form_data(group_a.community, consent_given=""))
    assert response.status_code == 200 and response.context["form"].errors["consent_given"]
    assert not Household.objects.exists() and not PersonalDataConsent.objects.exists()
    assert not Person.objects.filter(first_name="สมใจ").exists()

    response = client.post(
        reverse("housing:new"),
        form_data(group_a.community, consent_on="12/12/2564", consent_how=ConsentMethod.THUMBPRINT),
    )
    assert response.status_code == 302
    household = Household.objects.get()
    consent = PersonalDataConsent.objects.get()
    assert (consent.person, consent.purpose, consent.given, consent.given_on, consent.how, consent.recorded_by) == (
        household.head,
        Purpose.HOUSING,
        True,
        datetime.date(2021, 12, 12),
        ConsentMethod.THUMBPRINT,
        leader,
    )


def test_consent_by_word_of_mouth_needs_a_witness(client, leader, group_a):
    client.force_login(leader)
    data = form_data(group_a.community, consent_how=ConsentMethod.VERBAL, consent_witness=" ")
    response = client.post(reverse("housing:new"), data)
    assert response.status_code == 200 and response.context["form"].errors["consent_witness"]
    assert not Household.objects.exists()
    response = client.post(reverse("housing:new"), {**data, "consent_witness": "นายพยาน ใจดี"})
    assert response.status_code == 302
    assert PersonalDataConsent.objects.get().witness == "นายพยาน ใจดี"


def test_the_service_itself_refuses_a_survey_without_consent(leader, group_a):
    with pytest.raises(ValidationError):
        housing_services.household_survey(
            person={
                "title": "",
                "first_name": "ไม่ยินยอม",
                "last_name": "ก",
                "phone": "",
                "national_id": "",
                "community": group_a.community,
                "address": "",
            },
            household={
                "community": group_a.community,
                "address": "",
                "adults": 1,
                "children": 0,
                "elderly": 0,
                "disabled": 0,
                "tenure": "renting",
                "monthly_income": Decimal("1"),
                "housing_cost": Decimal("0"),
                "can_pay": Decimal("0"),
                "member": None,
                "reason": "",
                "preferred_area": "",
            },
            surveyed_on=datetime.date(2021, 12, 10),
            consent=None,
            user=leader,
        )
    assert not Person.objects.filter(first_name="ไม่ยินยอม").exists()
    with pytest.raises(ValidationError):  # nor a verbal one without its witness
        housing_services.consent_values({**CONSENT, "how": ConsentMethod.VERBAL}, person=None, user=leader)


def test_the_import_records_each_households_consent_and_refuses_a_row_without_it(client, leader, group_a):
    client.force_login(leader)
    assert header()[-4:] == [
        gettext("consent given"),
        gettext("consent date"),
        gettext("how consent was given"),
        gettext("witness"),
    ]
    rows = [
        header(),
        row(group_a.community, "หนึ่ง"),
        row(group_a.community, "สอง", consent_given=""),
        row(group_a.community, "สาม", consent_how=str(ConsentMethod.VERBAL.label)),
        row(group_a.community, "สี่", consent_on="1/1/2600"),
    ]
    response = upload(client, xlsx(rows))
    errors = {(e.row, e.column) for e in response.context["errors"]}
    assert errors == {(3, gettext("consent given")), (4, gettext("witness")), (5, gettext("consent date"))}
    assert not Household.objects.exists()

    rows = [
        header(),
        row(group_a.community, "หนึ่ง"),
        row(group_a.community, "สาม", **{**consent_cells(ConsentMethod.VERBAL), "consent_witness": "นางพยาน"}),
    ]
    response = confirm(client, upload(client, xlsx(rows)))
    assert response.status_code == 302
    consents = {c.person.first_name: c for c in PersonalDataConsent.objects.select_related("person")}
    assert set(consents) == {"หนึ่ง", "สาม"}
    assert consents["สาม"].how == ConsentMethod.VERBAL and consents["สาม"].witness == "นางพยาน"
    assert consents["หนึ่ง"].given_on == datetime.date(2021, 12, 15) and consents["หนึ่ง"].recorded_by == leader


def test_the_household_page_shows_its_consent_or_that_it_is_missing(client, leader, group_a):
    household = survey(group_a.community, leader)
    client.force_login(leader)
    response = client.get(reverse("housing:detail", args=[household.pk]))
    assert [c.how for c in response.context["consents"]] == [ConsentMethod.SIGNED_FORM]
    assert str(ConsentMethod.SIGNED_FORM.label) in response.content.decode()
    PersonalDataConsent.objects.all().delete()  # a household surveyed before consent was recorded
    response = client.get(reverse("housing:detail", args=[household.pk]))
    assert response.context["consents"] == []


# Who viewed personal data.


@pytest.mark.parametrize("persona, logs", [("leader", True), ("staff", True), ("treasurer_a", False)])
def test_opening_a_households_personal_data_is_logged(personas, leader, group_a, persona, logs):
    household = survey(group_a.community, leader)
    assert personas[persona].get(reverse("housing:detail", args=[household.pk])).status_code == 200
    entries = list(logged(Access.VIEWED))
    if not logs:  # treasurers see the household without its income, ID number or phone
        assert entries == []
        return
    [entry] = entries
    assert (entry.user.username, entry.person) == (persona, household.head)


def test_the_survey_export_is_in_the_same_log(client, leader, group_a):
    survey(group_a.community, leader)
    client.force_login(leader)
    client.get(reverse("housing:xlsx"))
    [entry] = logged(Access.EXPORTED)
    assert (entry.user, entry.person, entry.rows) == (leader, None, 1)


# The leaders' pages.


@pytest.mark.parametrize(
    "persona, status",
    [
        ("leader", 200),
        ("treasurer_a", 403),
        ("treasurer_b", 403),
        ("collector", 403),
        ("staff", 403),
        ("anonymous", 302),
    ],
)
def test_personal_data_pages_are_for_leaders_only(personas, group_a, persona, status):
    person = group_a.members.first().person
    client = personas[persona]
    for name, args in [
        ("people:search", []),
        ("people:log", []),
        ("people:detail", [person.pk]),
        ("people:export", [person.pk]),
        ("people:erase", [person.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == status, name
    response = client.post(reverse("people:erase", args=[person.pk]), {"reason": "คำขอ", "confirm": "on"})
    assert response.status_code == (
        200 if persona == "leader" else status
    )  # the leader is told why not: still a member
    person.refresh_from_db()
    assert person.erased_at is None and person.first_name == "สมาชิก1"
    assert not logged(Access.ERASED).exists()
    if persona != "leader":
        assert not PersonalDataAccess.objects.exists()


def test_a_leader_finds_a_person_by_name_national_id_or_phone(client, leader, group_a):
    person = group_a.members.first().person
    person.national_id, person.phone = VALID_ID, PHONE
    person.save()
    client.force_login(leader)
    for query in ["สมาชิก1", "สมาชิก1 กลุ่มเอ", "1-1037-02296-12-1", "๑๑๐๓๗๐๒๒๙๖๑๒๑", "089 999"]:
        assert client.get(reverse("people:search"), {"q": query}).context["people"] == [person], query
    assert client.get(reverse("people:search"), {"q": "ไม่มีคนนี้"}).context["people"] == []
    assert client.get(reverse("people:search")).context["people"] == []


# The copy of a person's data.


@pytest.fixture
def everywhere(leader, collector, group_a):
    """A saver of group A with deposits, who heads a surveyed household, rents railway land (with
    a receipt) and takes part in a community work."""
    member = group_a.members.order_by("number").first()
    person = member.person
    person.national_id, person.phone, person.address = VALID_ID, PHONE, "99 ถนนริมราง"
    person.save()
    for month in (datetime.date(2021, 12, 1), datetime.date(2022, 1, 1)):
        group_services.sheet_post(
            group=group_a,
            month=month,
            paid_on=month.replace(day=5),
            amounts={m.pk: Decimal("100.00") for m in group_a.members.all()},
            user=leader,
        )
    household = survey(group_a.community, leader, national_id=VALID_ID)
    today = timezone.localdate()
    tenancy = rent_services.tenancy_register(
        person=person,
        community=group_a.community,
        plot="12/3",
        contract_number="รฟท. 555",
        monthly_rent=Decimal("200"),
        start_date=datetime.date(2012, 1, 1),
        opening_balance=Decimal("1000"),
        opening_on=today - datetime.timedelta(days=45),
        opening_source="หนังสือแจ้งยอดค้างชำระ พอช.",
    )
    rent_services.letter_record(
        number="พอช. 1",
        date=today - datetime.timedelta(days=35),
        signed_by="ผู้อำนวยการ",
        valid_from=today - datetime.timedelta(days=30),
        valid_to=today + datetime.timedelta(days=300),
        assignments=[(collector, [group_a.community])],
    )
    rent_services.receipt_post(
        collector=collector, tenancy=tenancy, date=today, amount=Decimal("300.00"), user=collector
    )
    works_services.work_create(
        community=group_a.community,
        kind=WorkKind.ECO_BOTTLES,
        title="ขวดนิเวศแหลมสน",
        description="",
        started_on=datetime.date(2021, 10, 1),
        participants=[person],
        user=leader,
    )
    assert household.head == person
    return person


def sheet(workbook, title):
    return list(workbook[title].iter_rows(values_only=True))


def test_a_leader_exports_everything_held_about_a_person_and_the_export_is_logged(client, leader, everywhere):
    client.force_login(leader)
    response = client.get(reverse("people:export", args=[everywhere.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    person = dict(sheet(workbook, gettext("Person"))[1:])
    assert person[gettext("national ID number")] == VALID_ID  # in full: the file is theirs
    assert person[gettext("phone")] == PHONE and person[gettext("address")] == "99 ถนนริมราง"
    passbook = sheet(workbook, gettext("Passbook"))[1:]
    assert [r[5] for r in passbook] == [100, 100]
    assert sheet(workbook, gettext("Savings groups"))[1][0] == "กลุ่มเอ"
    survey_rows = dict(sheet(workbook, gettext("Housing survey"))[1:])
    assert survey_rows[gettext("monthly income")] == 9000
    assert [r[0] for r in sheet(workbook, gettext("Consent"))[1:]] == [str(Purpose.HOUSING.label)]
    assert sheet(workbook, gettext("Tenancies"))[1][0] == "รฟท. 555"
    assert [(r[0], r[3]) for r in sheet(workbook, gettext("Receipts"))[1:]] == [(1, 300)]
    assert sheet(workbook, gettext("Community works"))[1][0] == "ขวดนิเวศแหลมสน"
    [entry] = logged(Access.EXPORTED)
    assert (entry.user, entry.person) == (leader, everywhere)
    assert [r[2] for r in sheet(workbook, gettext("Who saw these data"))[1:]] == [gettext("Exported")]


def test_the_person_page_shows_every_area_and_logs_the_view(client, leader, everywhere):
    client.force_login(leader)
    response = client.get(reverse("people:detail", args=[everywhere.pk]))
    assert response.status_code == 200
    data = response.context["data"]
    assert [m.balance for m in data.memberships] == [Decimal("200.00")]
    assert data.household.head == everywhere and [t.contract_number for t in data.tenancies] == ["รฟท. 555"]
    assert [w.title for w in data.works] == ["ขวดนิเวศแหลมสน"]
    assert response.context["blockers"]  # a saver and a tenant: not erasable
    [entry] = logged(Access.VIEWED)
    assert (entry.user, entry.person) == (leader, everywhere)


def test_the_person_page_takes_the_same_queries_whatever_the_rows(client, leader, everywhere, group_a):
    client.force_login(leader)
    other = group_a.members.order_by("number").last()
    group_services.withdrawal_post(
        member=other, date=datetime.date(2022, 1, 10), amount=Decimal("50"), reason="", user=leader
    )

    def count(person):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("people:detail", args=[person.pk])).status_code == 200
        return len(queries)

    client.get(reverse("people:search"))  # the session settles first
    assert count(other.person) == count(everywhere)


# Erasure.


@pytest.fixture
def former_saver(leader, group_a):
    """A saver who left group A with nothing left in it, heads a surveyed household and takes
    part in a community work."""
    member = group_a.members.order_by("number").first()
    person = member.person
    person.national_id, person.phone, person.address = VALID_ID, PHONE, "99 ถนนริมราง"
    person.save()
    group_services.sheet_post(
        group=group_a,
        month=datetime.date(2021, 12, 1),
        paid_on=datetime.date(2021, 12, 5),
        amounts={m.pk: Decimal("100.00") for m in group_a.members.all()},
        user=leader,
    )
    group_services.withdrawal_post(
        member=member, date=datetime.date(2022, 1, 5), amount=Decimal("100.00"), reason="ออกจากกลุ่ม", user=leader
    )
    member.left_on = datetime.date(2022, 1, 5)
    member.save()
    household = survey(group_a.community, leader, national_id=VALID_ID)
    household.address, household.reason = "12 ซอย 3", "บ้านแออัด"
    household.save()
    works_services.work_create(
        community=group_a.community,
        kind=WorkKind.ECO_BOTTLES,
        title="ขวดนิเวศ",
        description="",
        started_on=datetime.date(2021, 10, 1),
        participants=[person],
        user=leader,
    )
    return person


def money_rows():
    return (
        list(
            LedgerEntry.objects.order_by("id").values_list(
                "id", "member_id", "kind", "month", "date", "amount", "reason", "posted_at"
            )
        ),
        list(
            LedgerEntry.objects.order_by("member")
            .values("member")
            .annotate(total=Sum("amount"))
            .values_list("member", "total")
        ),
        LedgerEntry.objects.aggregate(total=Sum("amount"))["total"],
        list(Receipt.objects.order_by("id").values_list("id", "amount")),
    )


def test_a_leader_erases_a_persons_data_and_every_money_row_stays(client, leader, group_a, former_saver):
    before = money_rows()
    household = former_saver.household
    client.force_login(leader)
    page = client.get(reverse("people:erase", args=[former_saver.pk]))
    assert page.status_code == 200 and page.context["blockers"] == []
    response = client.post(
        reverse("people:erase", args=[former_saver.pk]), {"reason": "คำขอเป็นหนังสือ 1 มี.ค. 2565", "confirm": "on"}
    )
    assert response.status_code == 302

    person = Person.objects.get(pk=former_saver.pk)
    assert person.erased_at is not None
    assert (person.title, person.last_name, person.phone, person.national_id, person.address) == ("", "", "", "", "")
    assert str(person) == str(Person.ERASED_NAME) and person.first_name == str(Person.ERASED_NAME)
    household.refresh_from_db()
    assert (
        household.address,
        household.reason,
        household.preferred_area,
        household.monthly_income,
        household.can_pay,
    ) == ("", "", "", 0, 0)
    assert household.steps.order_by("-id").first().step == Step.WITHDRAWN  # no longer waiting for a home
    # Nothing of the old values stays in the change history either.
    for old in Person.history.filter(id=person.pk):
        assert (old.first_name, old.national_id, old.phone, old.address) == (str(Person.ERASED_NAME), "", "", "")
    for old in Household.history.filter(id=household.pk):
        assert (old.address, old.reason, old.monthly_income) == ("", "", 0)
    # Every money row, balance and total is exactly as it was; the person still counts in them.
    assert money_rows() == before
    assert person.memberships.get().entries.count() == 2
    [entry] = logged(Access.ERASED)
    assert (entry.user, entry.person, entry.reason) == (leader, person, "คำขอเป็นหนังสือ 1 มี.ค. 2565")
    # Their pages now show the marker, never the old name.
    page = client.get(reverse("people:detail", args=[person.pk])).content.decode()
    assert str(Person.ERASED_NAME) in page and "สมาชิก1" not in page and PHONE not in page
    passbook = client.get(reverse("groups:passbook", args=[group_a.pk, person.memberships.get().pk])).content.decode()
    assert "สมาชิก1" not in passbook
    # A second erasure is refused.
    assert (
        client.post(reverse("people:erase", args=[person.pk]), {"reason": "อีกครั้ง", "confirm": "on"}).status_code == 302
    )
    assert logged(Access.ERASED).count() == 1


def test_an_erasure_needs_a_reason_and_a_confirmation(client, leader, former_saver):
    client.force_login(leader)
    for data in [{"reason": "", "confirm": "on"}, {"reason": "คำขอ"}]:
        response = client.post(reverse("people:erase", args=[former_saver.pk]), data)
        assert response.status_code == 200 and response.context["form"].errors
    former_saver.refresh_from_db()
    assert former_saver.erased_at is None and former_saver.national_id == VALID_ID
    with pytest.raises(ValidationError):
        personal_data.person_erase(person=former_saver, reason=" ", user=leader)


def test_an_erasure_is_refused_while_the_network_still_needs_the_name(client, leader, group_a, everywhere):
    """A saver still in their group (or with savings left), a tenant whose rent is collected, a
    household in a proposal to CODI and a person with a login keep their names; the leader is told
    why, and nothing changes."""
    client.force_login(leader)
    response = client.post(reverse("people:erase", args=[everywhere.pk]), {"reason": "คำขอ", "confirm": "on"})
    assert response.status_code == 200
    blockers = response.context["blockers"]
    assert len(blockers) == 3  # still a member, 200 baht in the group, a tenant
    assert any("รฟท. 555" in b for b in blockers) and any("200.00" in b for b in blockers)
    everywhere.refresh_from_db()
    assert everywhere.erased_at is None and everywhere.national_id == VALID_ID

    # A household in a proposal, and a person with a login.
    household = survey(group_a.community, leader, first_name="เสนอแล้ว")
    housing_services.step_add(
        household=household, step=Step.VERIFIED, date=datetime.date(2022, 1, 5), reason="", user=leader
    )
    housing_services.proposal_create(title="ร่าง", date=datetime.date(2022, 3, 1), target_site="ที่ดิน", user=leader)
    assert len(personal_data.erasure_blockers(household.head)) == 1
    make_user("saver_login", "treasurer", person=household.head)
    with pytest.raises(ValidationError) as refused:
        personal_data.person_erase(person=household.head, reason="คำขอ", user=leader)
    assert len(refused.value.messages) == 2
    assert not StatusStep.objects.filter(step=Step.WITHDRAWN).exists() and not logged(Access.ERASED).exists()


def test_a_tenant_whose_tenancy_ended_with_nothing_owed_can_be_erased(leader, collector, railway_tenant):
    """A railway-land tenant's name is kept while the tenancy runs, and after it ends while rent is
    still owed; once it has ended and the arrears are paid, nothing keeps it."""
    tenancy, today = railway_tenant, timezone.localdate()
    person = tenancy.tenant
    [running] = personal_data.erasure_blockers(person)
    assert "รฟท. 777" in running
    rent_services.tenancy_end(tenancy=tenancy, ended_on=today, reason="ย้ายออก", user=leader)
    owed = rent_selectors.tenancy_balance(tenancy, today).arrears
    [in_arrears] = personal_data.erasure_blockers(person)
    assert "รฟท. 777" in in_arrears and f"{owed:,.2f}" in in_arrears and in_arrears != running
    rent_services.receipt_post(collector=collector, tenancy=tenancy, date=today, amount=owed, user=collector)
    assert personal_data.erasure_blockers(person) == []
    personal_data.person_erase(person=person, reason="คำขอเป็นหนังสือ", user=leader)
    person.refresh_from_db()
    assert person.erased_at is not None and Receipt.objects.filter(tenancy=tenancy).count() == 2


@pytest.fixture
def railway_tenant(collector, group_a):
    """A tenant who saves nowhere, owing 1,000 baht a month and a half ago and paying 300 today."""
    today = timezone.localdate()
    tenancy = rent_services.tenancy_register(
        person={"first_name": "ผู้เช่า", "last_name": "ริมราง"},
        community=group_a.community,
        plot="7/7",
        contract_number="รฟท. 777",
        monthly_rent=Decimal("200"),
        start_date=datetime.date(2012, 1, 1),
        opening_balance=Decimal("1000"),
        opening_on=today - datetime.timedelta(days=45),
        opening_source="หนังสือแจ้งยอดค้างชำระ พอช.",
    )
    rent_services.letter_record(
        number="พอช. 7",
        date=today - datetime.timedelta(days=35),
        signed_by="ผู้อำนวยการ",
        valid_from=today - datetime.timedelta(days=30),
        valid_to=today + datetime.timedelta(days=300),
        assignments=[(collector, [group_a.community])],
    )
    rent_services.receipt_post(collector=collector, tenancy=tenancy, date=today, amount=Decimal("300"), user=collector)
    return tenancy


# The log.


@pytest.mark.parametrize("count", [3, 60])
def test_the_log_page_takes_the_same_queries_whatever_the_rows(
    client, leader, group_a, django_assert_max_num_queries, count
):
    person = group_a.members.first().person
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(
            user=leader, person=person if i % 2 else None, action=Access.VIEWED, what="หน้า", rows=None if i % 2 else 5
        )
        for i in range(count)
    )
    client.force_login(leader)
    client.get(reverse("people:search"))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("people:log"))
    assert response.status_code == 200 and len(response.context["page"]) == min(count, 50)
    with django_assert_max_num_queries(7):
        assert len(client.get(reverse("people:log"), {"person": person.pk}).context["page"]) == min(count // 2, 50)


# Found by fuzzing: "²" passes str.isdigit() but not int(), and int() refuses thousands of digits.
@pytest.mark.parametrize("person", ["²", "9" * 5000, "abc", ""])
def test_the_access_log_ignores_a_person_that_is_not_an_id(client, leader, person):
    client.force_login(leader)
    assert client.get(reverse("people:log"), {"person": person}).status_code == 200

"""One English word, two Thai meanings: where the savings groups, the rent, the enterprise and the
works use the same English word for different things, each page reads the Thai of its own area
(Django's translation contexts, msgctxt in the catalog). "In arrears" is ค้างสัจจะ on a member's
savings but ค้างชำระ on the rent; a tenancy's "Statement" is its rent ledger, not the
enterprise's statement (งบกิจการ)."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from enterprise import services as enterprise_services
from enterprise.models import BuyingRound
from songkhla_network.models import Community, Person
from tests.factories import make_products, make_tenancy
from works.models import Contest, ContestDocument, Level

pytestmark = pytest.mark.django_db

# The savings groups' words, and the words of the rent for the same English.
SAVINGS_IN_ARREARS = "ค้างสัจจะ"
RENT_IN_ARREARS = "ค้างชำระ (ครัวเรือน)"
ENTERPRISE_STATEMENT = "งบกิจการ"
RENT_STATEMENT = "รายการเดินบัญชีค่าเช่า"
SAVINGS_BALANCE = "ยอดคงเหลือ"
RENT_BALANCE = "ยอดค้างชำระ"
SAVINGS_DATE_PAID = "วันที่ฝาก"
ENTERPRISE_DATE_PAID = "วันที่ชำระ"
PERSON_TITLE = "คำนำหน้าชื่อ"


def headers(html):
    """The text of each table header cell of a page."""
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", html, re.S)]


def labels(html):
    return [re.sub(r"<[^>]+>|\*", "", label).strip() for label in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)]


@pytest.fixture
def tenancy(db):
    return make_tenancy(Community.objects.create(name="ริมรางรถไฟ ก"))


def test_households_behind_on_rent_are_not_behind_on_their_savings(client, leader, tenancy, treasurer_a, group_a):
    client.force_login(leader)
    overview = client.get(reverse("rent:overview")).content.decode()
    assert RENT_IN_ARREARS in headers(overview)
    assert SAVINGS_IN_ARREARS not in overview
    # The savings pages keep their own word.
    client.force_login(treasurer_a)
    assert SAVINGS_IN_ARREARS in headers(client.get(reverse("groups:detail", args=[group_a.pk])).content.decode())


def test_a_tenancy_page_shows_its_rent_ledger_not_the_enterprise_statement(client, leader, tenancy):
    client.force_login(leader)
    page = client.get(reverse("rent:tenancy", args=[tenancy.pk])).content.decode()
    assert f"<h2>{RENT_STATEMENT}</h2>" in page
    assert ENTERPRISE_STATEMENT not in page
    # The ledger's last column is what the household still owes, not a savings balance.
    assert headers(page)[-1] == RENT_BALANCE
    assert SAVINGS_BALANCE not in page


def test_the_tenancy_statement_workbook_says_the_same(client, leader, tenancy):
    client.force_login(leader)
    response = client.get(reverse("rent:statement_xlsx", args=[tenancy.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.title == RENT_STATEMENT
    assert next(sheet.iter_rows(max_row=1, values_only=True))[-1] == RENT_BALANCE


def test_the_codi_report_counts_households_in_rent_arrears(client, leader, tenancy):
    client.force_login(leader)
    period = {"first_0": "4", "first_1": "2565", "last_0": "6", "last_1": "2565"}
    page = client.get(reverse("report"), period).content.decode()
    assert RENT_IN_ARREARS in headers(page)
    assert SAVINGS_IN_ARREARS not in page
    workbook = load_workbook(io.BytesIO(client.get(reverse("report_xlsx"), period).content))
    assert RENT_IN_ARREARS in next(workbook["ค่าเช่าค้างชำระ"].iter_rows(max_row=1, values_only=True))
    every_header = [h for sheet in workbook.worksheets for h in next(sheet.iter_rows(max_row=1, values_only=True))]
    assert SAVINGS_IN_ARREARS not in every_header


def test_a_member_pays_for_goods_and_deposits_savings(client, leader, treasurer_a, group_a):
    today = timezone.localdate()
    make_products(today)
    buying_round = enterprise_services.round_open(
        title="รอบทดสอบ",
        opened_on=today,
        closes_on=today + datetime.timedelta(days=7),
        pickup_on=today + datetime.timedelta(days=10),
        user=leader,
    )
    rice = buying_round.items.get(product__name="ข้าวสาร")
    member = group_a.members.get(number=1)
    enterprise_services.orders_replace(
        buying_round=buying_round, group=group_a, quantities={(member.pk, rice.pk): 2}, user=treasurer_a, today=today
    )
    packs = {item.pk: 1 for item in buying_round.items.all()}
    enterprise_services.round_close(buying_round=buying_round, packs=packs, user=leader)
    enterprise_services.round_receive(buying_round=buying_round, received=packs, notes={}, date=today, user=leader)
    client.force_login(treasurer_a)
    payment = client.get(reverse("enterprise:payment", args=[buying_round.pk, member.pk])).content.decode()
    assert ENTERPRISE_DATE_PAID in labels(payment) and SAVINGS_DATE_PAID not in payment
    deposit = client.get(reverse("groups:deposit", args=[group_a.pk, member.pk])).content.decode()
    assert SAVINGS_DATE_PAID in labels(deposit)


def test_a_title_is_a_round_or_a_document_name_not_a_persons_title(client, leader):
    contest = Contest.objects.create(
        name="ชุมชนสะอาด", organiser="เทศบาล", level=Level.MUNICIPALITY, date=datetime.date(2022, 1, 15)
    )
    client.force_login(leader)
    page = client.get(reverse("works:contest", args=[contest.pk])).content.decode()
    assert "ชื่อเอกสาร" in labels(page) and PERSON_TITLE not in page
    with translation.override("th"):
        assert str(BuyingRound._meta.get_field("title").verbose_name) == "ชื่อรอบ"
        assert str(ContestDocument._meta.get_field("title").verbose_name) == "ชื่อเอกสาร"
        assert str(Person._meta.get_field("title").verbose_name) == PERSON_TITLE

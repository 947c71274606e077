"""The papers of rent collection: the receipt a household keeps (page, A5 PDF, 80 mm roll), the
CODI letters that say who may collect where, and the request to CODI for a letter. Who may open
each, and what each says."""

import datetime
import re
import subprocess
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from rent_collection import services
from songkhla_network.models import Role
from songkhla_network.thai import be_date
from tests.factories import RENT_TODAY, make_letter, make_receipt, make_tenancy, make_user
from tests.helpers import assert_no_english, pdf_text, squeezed

pytestmark = pytest.mark.django_db

READ_STATUS = {"leader": 200, "staff": 200, "collector": 200, "treasurer_a": 403, "treasurer_b": 403, "anonymous": 302}
REQUEST_STATUS = {**READ_STATUS, "collector": 403}


def page_width_points(content, tmp_path):
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(content)
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return float(width), float(height)


def assert_login_redirect(response):
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.fixture
def receipt(collector, tenancy, letter):
    """Receipt no. 3 of the collector: 1,500 baht when 1,000 was owed, 500 of it in advance; it pays
    the arrears brought forward and the rent up to July 2565."""
    make_receipt(collector, tenancy, "100")
    make_receipt(collector, tenancy, "100")
    return make_receipt(collector, tenancy, "1500", accept_advance=True)


# The receipt as a page.


@pytest.mark.parametrize("persona, status", READ_STATUS.items())
def test_a_receipt_is_read_by_its_collector_leaders_and_staff(personas, receipt, persona, status):
    response = personas[persona].get(reverse("rent:receipt", args=[receipt.pk]))
    if status == 302:
        assert_login_redirect(response)
        return
    assert response.status_code == status
    if status == 200:
        assert response.context["receipt"] == receipt
        assert_no_english(response)


@pytest.mark.parametrize("name", ["rent:receipt", "rent:receipt_pdf"])
def test_a_collector_cannot_open_another_collectors_receipt(client, collector, tenancy, letter, name):
    other = make_user("collector_2", Role.COLLECTOR, first_name="สมหญิง")
    make_letter([(other, [tenancy.community])])
    theirs = make_receipt(other, tenancy, "200")
    client.force_login(collector)
    assert client.get(reverse(name, args=[theirs.pk])).status_code == 404


def test_the_receipt_page_says_what_was_paid_for_whom_and_under_which_letter(
    client, collector, receipt, letter, tenancy
):
    client.force_login(collector)
    response = client.get(reverse("rent:receipt", args=[receipt.pk]))
    page = response.content.decode()
    assert "1,500.00" in page and "หนึ่งพันห้าร้อยบาทถ้วน" in page
    assert receipt.covers_label in page and "กรกฎาคม 2565" in receipt.covers_label
    assert "ห้าร้อยบาทถ้วน" in page  # the advance, said so
    assert gettext("of which %(amount)s baht is rent paid in advance") % {"amount": "500.00"} in page
    assert letter.number in page and "1 เมษายน 2565" in page and "31 มีนาคม 2566" in page  # its validity
    assert "10 เมษายน 2565" in page and tenancy.contract_number in page and tenancy.plot in page
    assert str(tenancy.tenant) in page and tenancy.community.name in page
    assert reverse("rent:receipt_pdf", args=[receipt.pk]) in page
    assert reverse("rent:void", args=[receipt.pk]) in page  # its collector may void it
    assert 'name="reason"' in page and "css/receipt.css" in page  # the A5 print sheet


@pytest.mark.parametrize("persona, may_void", [("leader", True), ("staff", False)])
def test_leaders_may_void_a_receipt_and_staff_only_read_it(personas, receipt, persona, may_void):
    page = personas[persona].get(reverse("rent:receipt", args=[receipt.pk])).content.decode()
    assert (reverse("rent:void", args=[receipt.pk]) in page) is may_void


def test_a_voided_receipt_says_so_with_why_when_and_who_and_can_no_longer_be_voided(client, collector, leader, receipt):
    services.receipt_void(receipt=receipt, reason="เขียนจำนวนเงินผิด", user=leader)
    receipt.refresh_from_db()
    client.force_login(collector)
    response = client.get(reverse("rent:receipt", args=[receipt.pk]))
    page = response.content.decode()
    assert gettext("VOIDED") in page and "เขียนจำนวนเงินผิด" in page
    assert be_date(receipt.void.date) in page and str(leader) in page
    assert reverse("rent:void", args=[receipt.pk]) not in page
    assert_no_english(response)


def test_a_remitted_receipt_names_its_remittance_and_can_no_longer_be_voided(client, collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy, "200")
    services.remittance_post(
        collector=collector,
        receipts=[receipt],
        transfer_date=datetime.date(2022, 4, 20),
        bank_reference="0420-7788",
        amount=Decimal("200.00"),
        user=collector,
        today=RENT_TODAY,
    )
    client.force_login(collector)
    page = client.get(reverse("rent:receipt", args=[receipt.pk])).content.decode()
    assert "0420-7788" in page and "20 เมษายน 2565" in page
    assert reverse("rent:void", args=[receipt.pk]) not in page


def test_the_receipt_page_asks_a_fixed_number_of_queries(client, collector, receipt, django_assert_max_num_queries):
    client.force_login(collector)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("rent:receipt", args=[receipt.pk])).status_code == 200


# The receipt as a PDF.


@pytest.mark.parametrize("persona, status", READ_STATUS.items())
def test_the_receipt_pdf_is_for_the_same_readers_as_the_page(personas, receipt, persona, status):
    response = personas[persona].get(reverse("rent:receipt_pdf", args=[receipt.pk]))
    if status == 302:
        assert_login_redirect(response)
        return
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"


def test_the_receipt_pdf_is_a5_with_number_amount_in_words_months_letter_and_advance(
    client, collector, receipt, letter, tmp_path
):
    client.force_login(collector)
    response = client.get(reverse("rent:receipt_pdf", args=[receipt.pk]))
    width, height = page_width_points(response.content, tmp_path)
    assert (round(width), round(height)) == (420, 595)  # A5 portrait: 148 × 210 mm
    text = squeezed(pdf_text(response.content))
    assert squeezed(gettext("No. %(number)s") % {"number": 3}) in text
    assert "1,500.00" in text and "หนึ่งพันห้าร้อยบาทถ้วน" in text
    assert squeezed(receipt.covers_label) in text
    assert squeezed(letter.number) in text and str(collector) in text
    assert squeezed(gettext("of which %(amount)s baht is rent paid in advance") % {"amount": "500.00"}) in text
    assert "(ห้าร้อยบาทถ้วน)" in text
    assert "หน้า1จาก1" in text


def test_a_receipt_without_advance_says_nothing_of_advance(client, collector, tenancy, letter):
    receipt = make_receipt(collector, tenancy, "200")
    client.force_login(collector)
    text = squeezed(pdf_text(client.get(reverse("rent:receipt_pdf", args=[receipt.pk])).content))
    assert "200.00" in text and "สองร้อยบาทถ้วน" in text
    words = max(gettext("of which %(amount)s baht is rent paid in advance").split("%(amount)s"), key=len)
    assert squeezed(words) not in text


def test_a_voided_receipt_prints_as_voided(client, collector, receipt):
    services.receipt_void(receipt=receipt, reason="ผู้เช่าจ่ายซ้ำ", user=collector)
    client.force_login(collector)
    text = squeezed(pdf_text(client.get(reverse("rent:receipt_pdf", args=[receipt.pk])).content))
    assert squeezed(gettext("VOIDED")) in text and "ผู้เช่าจ่ายซ้ำ" in text
    assert "1,500.00" in text  # what it said stays readable


def test_the_receipt_prints_on_an_80_mm_roll(client, collector, receipt, tmp_path):
    client.force_login(collector)
    response = client.get(reverse("rent:receipt_pdf", args=[receipt.pk]), {"size": "80mm"})
    assert response.status_code == 200
    width, _height = page_width_points(response.content, tmp_path)
    assert abs(width - 226.8) < 1  # 80 mm
    text = squeezed(pdf_text(response.content))
    assert "1,500.00" in text and "หนึ่งพันห้าร้อยบาทถ้วน" in text and squeezed(receipt.covers_label) in text
    assert "หน้า1จาก1" in text  # one receipt fits on the roll's page


# CODI letters.


def letter_around(today, collector, communities, *, start, end, number=None):
    return make_letter(
        [(collector, communities)],
        number=number,
        valid_from=today + datetime.timedelta(days=start),
        valid_to=today + datetime.timedelta(days=end),
    )


@pytest.mark.parametrize("persona, status", READ_STATUS.items())
def test_the_letters_are_read_by_leaders_staff_and_collectors(personas, collector, railway_a, persona, status):
    letter_around(timezone.localdate(), collector, [railway_a], start=-10, end=100)
    response = personas[persona].get(reverse("rent:letters"))
    if status == 302:
        assert_login_redirect(response)
        return
    assert response.status_code == status
    if status == 200:
        assert_no_english(response)
        page = response.content.decode()
        leader_links = [reverse("admin:rent_collection_codiletter_add"), reverse("rent:letter_request")]
        if persona == "leader":
            assert all(link in page for link in leader_links)
        elif persona == "collector":
            assert not any(link in page for link in leader_links)


def test_the_letters_page_shows_who_may_collect_where_today_and_what_expires(
    client, leader, collector, railway_a, railway_b
):
    today = timezone.localdate()
    soon = letter_around(today, collector, [railway_a], start=-30, end=10, number="พอช. 1/ใกล้หมด")
    lasting = letter_around(today, leader, [railway_a, railway_b], start=-5, end=200, number="พอช. 2/ยังใช้ได้")
    past = letter_around(today, collector, [railway_b], start=-400, end=-40, number="พอช. 3/หมดแล้ว")
    coming = letter_around(today, collector, [railway_b], start=20, end=300, number="พอช. 4/ยังไม่เริ่ม")
    client.force_login(leader)
    response = client.get(reverse("rent:letters"))
    context = response.context
    assert {community: {a.collector for a in assignments} for community, assignments in context["by_community"]} == {
        railway_a: {collector, leader},
        railway_b: {leader},
    }
    assert context["expiring"] == [soon] and context["expiring"][0].days_left == 10
    flags = {row.letter: (row.expired, row.not_yet, row.expiring) for row in context["letters"]}
    assert flags == {
        soon: (False, False, True),
        lasting: (False, False, False),
        past: (True, False, False),
        coming: (False, True, False),
    }
    page = response.content.decode()
    assert all(letter.number in page for letter in (soon, lasting, past, coming))


def test_the_letters_page_says_when_no_letter_is_valid(client, staff):
    client.force_login(staff)
    response = client.get(reverse("rent:letters"))
    assert response.status_code == 200 and response.context["by_community"] == []


def test_the_letters_page_asks_as_many_queries_for_many_letters_as_for_one(
    client, leader, collector, railway_a, railway_b, django_assert_max_num_queries
):
    today = timezone.localdate()
    client.force_login(leader)
    letter_around(today, collector, [railway_a], start=-10, end=5)

    def count():
        with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(12):
            assert client.get(reverse("rent:letters")).status_code == 200
        return len(queries)

    one = count()
    for i in range(6):
        other = make_user(f"collector_{i}", Role.COLLECTOR, first_name=f"ผู้เก็บ{i}")
        make_letter(
            [(other, [railway_a, railway_b]), (leader, [railway_b])],
            valid_from=today - datetime.timedelta(days=i * 50),
            valid_to=today + datetime.timedelta(days=20 - i * 10),
        )
    assert count() == one


# The request to CODI for a letter.


@pytest.mark.parametrize("persona, status", REQUEST_STATUS.items())
def test_leaders_and_staff_draft_a_request_for_a_letter(personas, persona, status):
    response = personas[persona].get(reverse("rent:letter_request"))
    if status == 302:
        assert_login_redirect(response)
        return
    assert response.status_code == status
    if status == 200:
        assert_no_english(response)


def test_the_request_form_starts_from_the_letters_valid_today(client, leader, collector, railway_a):
    letter_around(timezone.localdate(), collector, [railway_a], start=-5, end=50)
    client.force_login(leader)
    form = client.get(reverse("rent:letter_request")).context["form"]
    assert form.initial["collectors"] == [collector.pk]
    assert form.initial[f"communities_{collector.pk}"] == [railway_a.pk]


def assert_refused(response, *fields):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert set(fields) <= set(response.context["form"].errors)
    assert not response.content.startswith(b"%PDF")
    assert_no_english(response)


def test_a_request_without_collectors_or_communities_or_a_real_date_is_refused(
    client, leader, collector, railway_a, railway_b
):
    make_tenancy(railway_a)
    client.force_login(leader)
    url = reverse("rent:letter_request")
    assert_refused(client.get(url, {"date": "30/6/2565"}), "collectors")
    assert_refused(client.get(url, {"date": "30/6/2565", "collectors": [collector.pk]}), f"communities_{collector.pk}")
    assert_refused(
        client.get(
            url,
            {
                "date": "30/6/2565",
                f"communities_{leader.pk}": [railway_a.pk],
                "collectors": [collector.pk],
                f"communities_{collector.pk}": [railway_a.pk],
            },
        ),
        f"communities_{leader.pk}",
    )  # communities ticked for someone not proposed
    valid = {"collectors": [collector.pk], f"communities_{collector.pk}": [railway_a.pk]}
    assert_refused(client.get(url, {**valid, "date": "31/2/2565"}), "date")
    assert_refused(client.get(url, {**valid, "date": "30/6/2022"}), "date")  # a C.E. year
    assert_refused(client.get(url, {**valid, "date": ""}), "date")


def test_the_request_cannot_propose_a_treasurer(client, leader, treasurer_a, collector, railway_a):
    make_tenancy(railway_a)
    client.force_login(leader)
    response = client.get(
        reverse("rent:letter_request"),
        {"date": "30/6/2565", "collectors": [treasurer_a.pk], f"communities_{treasurer_a.pk}": [railway_a.pk]},
    )
    assert_refused(response, "collectors")


def test_the_request_lists_the_households_in_arrears_under_each_proposed_collector(
    client, staff, leader, collector, railway_a, railway_b, tmp_path
):
    owing_a = make_tenancy(railway_a, name="ค้างหนึ่ง")  # 1,000 + April–June at 200 = 1,600
    paid_up = make_tenancy(railway_a, name="จ่ายครบ", opening="0", opening_on=datetime.date(2022, 6, 30))
    owing_b = make_tenancy(railway_b, opening="500", name="ค้างสอง")  # 500 + 600 = 1,100
    client.force_login(staff)
    response = client.get(
        reverse("rent:letter_request"),
        {
            "date": "30/6/2565",
            "collectors": [collector.pk, leader.pk],
            f"communities_{collector.pk}": [railway_a.pk],
            f"communities_{leader.pk}": [railway_a.pk, railway_b.pk],
        },
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    width, _height = page_width_points(response.content, tmp_path)
    assert round(width) == 595  # A4
    text = squeezed(pdf_text(response.content))
    for tenancy in (owing_a, owing_b):
        assert squeezed(tenancy.contract_number) in text and squeezed(tenancy.tenant) in text
    assert squeezed(paid_up.contract_number) not in text and "จ่ายครบ" not in text
    assert "1,600.00" in text and "1,100.00" in text
    assert "2,700.00" in text and "สองพันเจ็ดร้อยบาทถ้วน" in text  # railway A counted once, though proposed twice
    assert str(collector) in text and str(leader) in text
    assert "30มิถุนายน2565" in text and "พอช." in text


def test_the_request_pdf_reads_well(client, leader, collector, railway_a, tmp_path):
    """Rendered as images, for a person to look at (SHOTS_DIR); here: pages with something drawn."""
    for i in range(30):
        make_tenancy(railway_a, name=f"ครัวเรือนที่{i}")
    client.force_login(leader)
    response = client.get(
        reverse("rent:letter_request"),
        {"date": "30/6/2565", "collectors": [collector.pk], f"communities_{collector.pk}": [railway_a.pk]},
    )
    pdf = tmp_path / "request.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(["pdftoppm", "-r", "40", "-png", pdf, tmp_path / "page"], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) >= 2 and all(image.stat().st_size > 5000 for image in images)
    text = pdf_text(response.content)
    assert f"หน้า 1 จาก {len(images)}" in text

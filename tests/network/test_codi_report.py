"""The progress report to CODI: every figure from the records, as a Thai PDF (text layer checked,
pages rendered to images), as Excel, from the browser for staff and leaders only, and from the
command line."""

import io
import os
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import DEMO_PERIOD, make_group
from tests.helpers import assert_no_english, pdf_text, squeezed

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, client):
    """The demo network, and a client signed in as its staff member."""
    from songkhla_network.models import User

    settings.DEMO = True
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(username="staff"))
    return client


def pages_of(path):
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_the_demo_report_states_the_networks_own_figures(demo, tmp_path):
    response = demo.get(reverse("report_pdf"), DEMO_PERIOD)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    flat = squeezed(pdf_text(pdf))
    for phrase in [
        "ผลการดำเนินงานของเครือข่ายพัฒนาเมืองสงขลา",
        "ช่วง ธันวาคม 2564 – กุมภาพันธ์ 2565",
        "ก่อตั้งกลุ่มสัจจะออมทรัพย์ได้แล้ว 16 กลุ่ม 16 ชุมชน",
        "ฟื้นฟู 1 กลุ่ม 1 ชุมชน",
        "กำลังก่อตัวเพื่อก่อตั้ง 6 กลุ่ม 6 ชุมชน",
        "ยอดเงินฝากรวม 56,225.00 บาท ณ 28 กุมภาพันธ์ 2565",
        "5,000.00 บาท (ห้าพันบาทถ้วน)",
        # The levy the period's deposits owe, by the month a saving is for; posted on 5 March 2565,
        # it came into the enterprise's cash after the period: as of 28 February it held the donation.
        "เงินสมทบร้อยละ 5 ที่เงินฝากของกลุ่มในเดือนของช่วงนี้ต้องนำส่ง (นับตามเดือนของเงินฝาก): 2,811.25 บาท",
        "เงินสมทบที่นำเข้าเงินสดของกิจการในช่วงนี้ (นับตามวันที่นำเข้า): 0.00 บาท ภายใน 28 กุมภาพันธ์ 2565",
        "ณ 28 กุมภาพันธ์ 2565 กิจการมีเงินสด 5,000.00 บาท",
        "150 ราย",
    ]:
        assert squeezed(phrase) in flat, phrase
    pages = pages_of(pdf)
    assert f"หน้า1จาก{pages}" in flat and f"หน้า{pages}จาก{pages}" in flat


def test_the_pages_render_to_images_for_a_person_to_look_at(demo, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(demo.get(reverse("report_pdf"), DEMO_PERIOD).content)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages_of(pdf) >= 3
    assert all(image.stat().st_size > 5000 for image in images)
    if os.environ.get("SHOTS_DIR"):
        for image in images:
            shutil.copy(image, os.path.join(os.environ["SHOTS_DIR"], f"codi-report-{image.name}"))
    # The charts are vector graphics: drawn, not pasted in as pictures.
    images_listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    assert len(images_listed.strip().splitlines()) <= 2  # the header lines only


def test_the_same_tables_as_an_excel_workbook(demo):
    response = demo.get(reverse("report_xlsx"), DEMO_PERIOD)
    workbook = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert summary["กลุ่มออมทรัพย์ที่ก่อตั้งในช่วงนี้"] == 16 and summary["กลุ่มที่ฟื้นฟู"] == 1
    assert summary["ยอดเงินฝาก ณ สิ้นช่วง (บาท)"] == 56225 and summary["ครัวเรือนที่สำรวจในช่วงนี้"] == 150
    donations = list(workbook["เงินบริจาค"].iter_rows(min_row=2, values_only=True))
    assert donations[0][2:4] == (5000, "ห้าพันบาทถ้วน") and not donations[0][4]  # not a reversal


@pytest.mark.parametrize(
    "persona, status",
    [
        ("leader", 200),
        ("staff", 200),
        ("treasurer_a", 403),
        ("treasurer_b", 403),
        ("collector", 403),
        ("anonymous", 302),
    ],
)
def test_staff_and_leaders_export_the_report_and_no_one_else(personas, persona, status):
    for name in ["report", "report_pdf", "report_xlsx"]:
        response = personas[persona].get(reverse(name), DEMO_PERIOD)
        assert response.status_code == status, name
        if status == 200 and name == "report":
            assert_no_english(response)


def test_a_period_ending_before_it_starts_is_refused_beside_the_field(personas):
    period = {"first_0": "3", "first_1": "2565", "last_0": "1", "last_1": "2565"}
    for name in ["report", "report_pdf", "report_xlsx"]:
        response = personas["staff"].get(reverse(name), period)
        assert response.status_code == 200 and response.context["form"].errors["last"], name
        assert_no_english(response)
    too_long = {"first_0": "1", "first_1": "2560", "last_0": "1", "last_1": "2565"}
    assert personas["staff"].get(reverse("report_pdf"), too_long).context["form"].errors["last"]


def test_the_command_writes_the_report_for_scheduled_runs(demo, tmp_path):
    out = io.StringIO()
    call_command("codi_report", "--from", "2564-12", "--to", "2565-02", "--output", str(tmp_path / "r.pdf"), stdout=out)
    assert "ธันวาคม 2564 – กุมภาพันธ์ 2565" in out.getvalue()
    assert "16กลุ่ม16ชุมชน" in squeezed(pdf_text(tmp_path / "r.pdf"))
    call_command(
        "codi_report", "--from", "2564-12", "--to", "2565-02", "--output", str(tmp_path / "r.xlsx"), stdout=out
    )
    assert load_workbook(tmp_path / "r.xlsx").worksheets[0].max_row > 10
    for bad in [
        ("--from", "2021-12", "--to", "2565-02"),
        ("--from", "2565-03", "--to", "2565-02"),
        ("--from", "12/2564", "--to", "2565-02"),
    ]:
        with pytest.raises(CommandError):
            call_command("codi_report", *bad, "--output", str(tmp_path / "x.pdf"), stdout=out)


@pytest.mark.parametrize("groups", [1, 8])
def test_the_report_takes_the_same_queries_whatever_the_network(personas, django_assert_max_num_queries, groups):
    for i in range(groups):
        make_group(f"กลุ่มที่ {i}", f"ชุมชนที่ {i}", members=3)
    with django_assert_max_num_queries(40):
        assert personas["staff"].get(reverse("report"), DEMO_PERIOD).status_code == 200


def test_the_text_copied_out_of_the_pdf_is_the_text_that_was_rendered(demo, tmp_path):
    """Every run of text of the report's body, as the page shows it, is found in the PDF's text
    layer: no ำ garbled, no tone mark lost or moved."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth, self.svg, self.runs = 0, 0, []

        def handle_starttag(self, tag, attrs):
            if tag == "svg":
                self.svg += 1
            if ("class", "report-preview") in attrs:
                self.depth = 1
            elif self.depth:
                self.depth += 1

        def handle_endtag(self, tag):
            if tag == "svg":
                self.svg -= 1
            if self.depth:
                self.depth -= 1

        def handle_data(self, data):
            if self.depth and not self.svg and data.strip():
                self.runs.append(squeezed(data))

    page = Text()
    page.feed(demo.get(reverse("report"), DEMO_PERIOD).content.decode())
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(demo.get(reverse("report_pdf"), DEMO_PERIOD).content)
    flat = squeezed(pdf_text(pdf))
    assert len(page.runs) > 50
    missing = [run for run in page.runs if run not in flat]
    assert not missing, missing[:5]
    assert any("\u0e33" in run for run in page.runs)  # the page has ำ, and so the check covers it

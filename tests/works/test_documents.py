"""The portfolio PDF a community shows its judges (photos included, for those who may see the
community only), the demo works of Laem Son On, and the works section of the CODI report."""

import datetime
import io
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from PIL import Image

from songkhla_network.models import User
from tests.factories import DEMO_PERIOD
from tests.helpers import pdf_text, squeezed
from works import services
from works.models import Contest, Entry, Level, Photo, Quantity, Unit, Work, WorkKind

pytestmark = pytest.mark.django_db


def png(colour=(30, 140, 80), size=(800, 600)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def work(group_a, leader):
    """A work of community A (treasurer A's), with a person, figures, two photos and a first place."""
    work = services.work_create(
        community=group_a.community,
        kind=WorkKind.ECO_BOTTLES,
        title="ขวดนิเวศจากขยะแห้ง",
        description="อัดถุงพลาสติกลงขวด",
        started_on=datetime.date(2021, 10, 1),
        participants=[group_a.members.first().person],
        user=leader,
    )
    for day, bottles in [(datetime.date(2021, 10, 31), "30"), (datetime.date(2021, 11, 30), "42")]:
        services.quantity_add(work=work, date=day, amount=Decimal(bottles), unit=Unit.BOTTLES, note="", user=leader)
    services.quantity_add(
        work=work, date=datetime.date(2021, 11, 30), amount=Decimal("12.5"), unit=Unit.KILOGRAMS, note="", user=leader
    )
    for colour in [(30, 140, 80), (200, 120, 40)]:
        services.photo_add(work=work, upload=png(colour), caption="ขวดนิเวศ", user=leader)
    contest = Contest.objects.create(
        name="การประกวดชุมชนด้านการรักษาสิ่งแวดล้อม",
        organiser="เทศบาลนครสงขลา",
        level=Level.MUNICIPALITY,
        date=datetime.date(2022, 1, 19),
    )
    services.entry_add(contest=contest, work=work)
    services.result_record(contest=contest, work=work, rank=1, award="รางวัลชนะเลิศ")
    return work


def images_in(pdf):
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return listed.strip().splitlines()[2:]  # after the two header lines


@pytest.mark.parametrize(
    "persona, status",
    [
        ("leader", 200),
        ("staff", 200),
        ("treasurer_a", 200),
        ("treasurer_b", 404),
        ("collector", 403),
        ("anonymous", 302),
    ],
)
def test_the_portfolio_pdf_is_for_those_who_may_see_the_community(personas, work, persona, status):
    response = personas[persona].get(reverse("works:portfolio_pdf", args=[work.community.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"


def test_the_portfolio_pdf_carries_the_works_their_figures_photos_and_awards(personas, work, tmp_path):
    response = personas["treasurer_a"].get(reverse("works:portfolio_pdf", args=[work.community.pk]))
    pdf = tmp_path / "portfolio.pdf"
    pdf.write_bytes(response.content)
    assert len(images_in(pdf)) >= 2  # the work's two photos (the first one on the cover too)
    flat = squeezed(pdf_text(pdf))
    for phrase in [
        "ชุมชนเอ",
        "ขวดนิเวศจากขยะแห้ง",
        "อัดถุงพลาสติกลงขวด",
        "72",
        "12.5",
        "31 ตุลาคม 2564",
        "19 มกราคม 2565",
        "รางวัลชนะเลิศ",
        "สมาชิก1",
    ]:
        assert squeezed(phrase) in flat, phrase


def test_the_portfolio_pdf_takes_the_same_queries_whatever_the_works(
    personas, work, leader, django_assert_max_num_queries
):
    for i in range(3):
        other = services.work_create(
            community=work.community,
            kind=WorkKind.TOTE_BAGS,
            title=f"กระเป๋าผ้า {i}",
            description="",
            started_on=datetime.date(2021, 11, 1),
            participants=list(work.participants.all()),
            user=leader,
        )
        services.photo_add(work=other, upload=png(), caption="", user=leader)
    with django_assert_max_num_queries(8):
        assert personas["staff"].get(reverse("works:portfolio_pdf", args=[work.community.pk])).status_code == 200


@pytest.fixture
def demo(settings, client):
    settings.DEMO = True
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(username="staff"))
    return client


LAEM_SON_ON = "แหลมสนอ่อน"


def test_the_demo_has_laem_son_ons_works_their_first_places_and_the_provincial_round(demo, tmp_path):
    works = Work.objects.filter(community__name=LAEM_SON_ON)
    assert sorted(works.values_list("kind", flat=True)) == sorted(
        [WorkKind.ECO_BOTTLES, WorkKind.FRUIT_FERMENT, WorkKind.FISH_FERMENT, WorkKind.TOTE_BAGS]
    )
    assert all(w.started_on.year == 2021 and w.participants.exists() for w in works)  # begun in 2564
    # Counted every month from the start up to March 2565, in bottles, litres, bags and kilograms.
    assert set(Quantity.objects.filter(work__in=works).values_list("unit", flat=True)) == {
        Unit.BOTTLES,
        Unit.LITRES,
        Unit.BAGS,
        Unit.KILOGRAMS,
    }
    assert Quantity.objects.filter(work__in=works).latest("date").date == datetime.date(2022, 3, 14)
    for work in works:
        assert 1 <= work.photos.count() <= 2
    first_places = Contest.objects.filter(entries__work__in=works, entries__rank=1).distinct()
    assert sorted(first_places.values_list("level", flat=True)) == sorted([Level.MUNICIPALITY, Level.DISTRICT])
    (provincial,) = Contest.objects.filter(level=Level.PROVINCE)
    assert provincial.date == datetime.date(2022, 3, 16) and provincial.date.weekday() == 2  # a Wednesday
    assert provincial.entries.count() == 4 and not any(e.has_result for e in provincial.entries.all())

    pdf = tmp_path / "portfolio.pdf"
    pdf.write_bytes(demo.get(reverse("works:portfolio_pdf", args=[works[0].community_id])).content)
    assert len(images_in(pdf)) >= Photo.objects.filter(work__in=works).count()
    flat = squeezed(pdf_text(pdf))
    for work in works:
        assert squeezed(work.title) in flat, work.title
    assert squeezed("16 มีนาคม 2565") in flat
    if os.environ.get("SHOTS_DIR"):
        shutil.copy(pdf, os.path.join(os.environ["SHOTS_DIR"], "portfolio-laem-son-on.pdf"))

    counts = [m.objects.count() for m in (Work, Quantity, Photo, Contest, Entry)]
    call_command("seed_demo", stdout=io.StringIO())
    assert [m.objects.count() for m in (Work, Quantity, Photo, Contest, Entry)] == counts


def test_the_codi_report_of_the_demo_period_has_the_works_and_their_first_places(demo, tmp_path):
    response = demo.get(reverse("report_pdf"), DEMO_PERIOD)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    flat = squeezed(pdf_text(pdf))
    with translation.override("th"):
        assert squeezed("5. " + gettext("Community works and awards")) in flat
    for phrase in ["ขวดนิเวศจากขยะแห้ง", "กระเป๋าผ้าจากเสื้อยืดใช้แล้ว", "19 มกราคม 2565", "23 กุมภาพันธ์ 2565", "รางวัลชนะเลิศ"]:
        assert squeezed(phrase) in flat, phrase
    assert "16 มีนาคม 2565" not in flat  # the provincial round falls after the period
    if os.environ.get("SHOTS_DIR"):
        shutil.copy(pdf, os.path.join(os.environ["SHOTS_DIR"], "codi-report-with-works.pdf"))
    workbook = load_workbook(io.BytesIO(demo.get(reverse("report_xlsx"), DEMO_PERIOD).content))
    rows = [row for sheet in workbook.worksheets[-2:] for row in sheet.iter_rows(values_only=True)]
    assert any("ขวดนิเวศจากขยะแห้ง" in (row[1] or "") for row in rows if len(row) > 1)


def test_a_dry_run_of_the_demo_writes_no_photo(settings):
    settings.DEMO = True
    call_command("seed_demo", "--dry-run", stdout=io.StringIO())
    assert not Work.objects.exists() and not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))

"""Community works: a treasurer or leader adds a work, quantities and photos on a phone; photos
lose their location data and only real images within the size limit are taken; photos are
served only to those who may see the community; contests take only works begun before them and
results only for works entered."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import jpeg_with_location
from tests.helpers import assert_no_english
from works import services
from works.models import Contest, Entry, Photo, Quantity, Work, WorkKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def work(group_a, leader):
    return services.work_create(
        community=group_a.community,
        kind=WorkKind.ECO_BOTTLES,
        title="ขวดขยะแห้ง",
        description="",
        started_on=datetime.date(2021, 10, 1),
        participants=[],
        user=leader,
    )


def test_a_treasurer_adds_a_work_with_quantities_and_a_photo_in_their_community(personas, group_a, treasurer_a):
    client = personas["treasurer_a"]
    page = client.get(reverse("works:new", args=[group_a.community.pk]))
    assert page.status_code == 200
    assert_no_english(page)
    member = group_a.members.first()
    response = client.post(
        reverse("works:new", args=[group_a.community.pk]),
        {
            "kind": WorkKind.TOTE_BAGS,
            "title": "กระเป๋าผ้าจากเสื้อยืด",
            "started_on": "1/11/2564",
            "participants": [member.person.pk],
        },
    )
    work = Work.objects.get()
    assert response["Location"] == reverse("works:work", args=[work.pk]) and list(work.participants.all()) == [
        member.person
    ]
    client.post(reverse("works:quantity", args=[work.pk]), {"date": "30/11/2564", "amount": "๑๒", "unit": "bags"})
    assert Quantity.objects.get().amount == Decimal("12.00")
    client.post(reverse("works:photo", args=[work.pk]), {"photo": jpeg_with_location(), "caption": "เย็บกระเป๋า"})
    photo = Photo.objects.get()
    assert photo.caption == "เย็บกระเป๋า"
    page = client.get(reverse("works:portfolio", args=[group_a.community.pk]))
    assert_no_english(page)
    assert page.context["portfolio"].works[0].totals == [("ใบ", Decimal("12.00"))]


def test_a_photos_location_and_every_other_metadata_is_gone(work, leader):
    photo = services.photo_add(work=work, upload=jpeg_with_location(), caption="", user=leader)
    for field in (photo.image, photo.thumbnail):
        with Image.open(field.path) as stored:
            assert not stored.getexif(), "EXIF left in the stored photo"
            assert not stored.info.get("exif") and not stored.info.get("icc_profile")
            assert max(stored.size) <= 1600
    with open(photo.image.path, "rb") as raw:
        data = raw.read()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    # Turned upright by the orientation the phone wrote, before it was dropped.
    assert (photo.width, photo.height) == (1200, 1600)


def test_the_files_of_a_photo_whose_row_fails_to_save_are_deleted(work, leader, settings, monkeypatch):
    """The database rolls the row back; the files written a moment before went with it."""
    from django.db import DatabaseError

    def fail(*args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(Photo, "save", fail)
    with pytest.raises(DatabaseError):
        services.photo_add(work=work, upload=jpeg_with_location(), caption="", user=leader)
    assert not Photo.objects.exists()
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("photo.jpg", b"%PDF-1.4 a document, not a photo"), "ไม่ใช่รูปภาพ"),
        (SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 an executable renamed"), "ไม่ใช่รูปภาพ"),
        (
            SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
            "ไม่ใช่รูปภาพ",
        ),  # a PNG header and nothing else
        (SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\x00" * (30 * 1024 * 1024)), "ใหญ่เกินไป"),
    ],
    ids=["pdf named .jpg", "program", "broken png", "30 MB"],
)
def test_what_is_not_a_photo_or_too_large_is_refused_beside_the_field(personas, work, upload, message):
    response = personas["leader"].post(reverse("works:photo", args=[work.pk]), {"photo": upload})
    assert response.status_code == 200
    assert any(message in e for e in response.context["photo_form"].errors["photo"])
    assert_no_english(response)
    assert not Photo.objects.exists()


@pytest.mark.parametrize(
    "persona, portfolio, small_photo",
    [
        ("leader", 200, 200),
        ("staff", 200, 200),
        ("treasurer_a", 200, 200),
        ("treasurer_b", 404, 404),
        ("collector", 403, 403),
        ("anonymous", 302, 302),
    ],
)
def test_only_those_who_may_see_the_community_get_its_photos(personas, work, leader, persona, portfolio, small_photo):
    photo = services.photo_add(work=work, upload=jpeg_with_location(), caption="", user=leader)
    client = personas[persona]
    assert client.get(reverse("works:portfolio", args=[work.community.pk])).status_code == portfolio
    assert client.get(reverse("works:work", args=[work.pk])).status_code == portfolio
    response = client.get(reverse("works:photo_small", args=[photo.pk]))
    assert response.status_code == small_photo
    if small_photo == 200:
        assert response["Content-Type"] == "image/jpeg" and "private" in response["Cache-Control"]
        assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    assert client.get(reverse("works:photo_large", args=[photo.pk])).status_code == small_photo


@pytest.mark.parametrize(
    "persona, status", [("staff", 403), ("treasurer_b", 404), ("collector", 403), ("anonymous", 302)]
)
def test_who_may_not_add_to_a_community_is_refused(personas, work, persona, status):
    client = personas[persona]
    assert client.get(reverse("works:new", args=[work.community.pk])).status_code == status
    assert (
        client.post(
            reverse("works:quantity", args=[work.pk]), {"date": "1/12/2564", "amount": "5", "unit": "kg"}
        ).status_code
        == status
    )
    assert client.post(reverse("works:photo", args=[work.pk]), {"photo": jpeg_with_location()}).status_code == status
    assert not Quantity.objects.exists() and not Photo.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"amount": "-3"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "สิบ"}, "amount"),
        ({"date": "1/1/2600"}, "date"),
        ({"date": "1/9/2564"}, "date"),
    ],  # before the work began
)
def test_a_wrong_quantity_gets_a_thai_message_and_nothing_is_written(personas, work, data, field):
    response = personas["leader"].post(
        reverse("works:quantity", args=[work.pk]), {"date": "1/12/2564", "amount": "5", "unit": "kg", **data}
    )
    assert response.status_code == 200 and response.context["quantity_form"].errors[field]
    assert_no_english(response)
    assert not Quantity.objects.exists()


def test_contests_take_works_begun_before_them_and_results_only_for_works_entered(personas, work, group_a, leader):
    client = personas["leader"]
    client.post(
        reverse("works:contest_new"),
        {"name": "ชุมชนสะอาด", "organiser": "เทศบาลนครสงขลา", "level": "municipality", "date": "15/1/2565"},
    )
    contest = Contest.objects.get()
    early = Contest.objects.create(name="รอบก่อน", organiser="อำเภอ", level="district", date=datetime.date(2021, 9, 1))
    response = client.post(reverse("works:entry", args=[early.pk]), {"work": work.pk})
    assert response.status_code == 200 and response.context["entry_form"].errors["work"]  # judged before the work began
    assert_no_english(response)
    other = services.work_create(
        community=group_a.community,
        kind=WorkKind.FRUIT_FERMENT,
        title="น้ำหมัก",
        description="",
        started_on=datetime.date(2021, 8, 1),
        participants=[],
        user=leader,
    )
    response = client.post(
        reverse("works:result", args=[contest.pk]), {"work": other.pk, "rank": "1", "award": "ถ้วยรางวัล"}
    )
    assert response.status_code == 200 and response.context["result_form"].errors["work"]  # never entered
    assert not Entry.objects.exists()
    client.post(reverse("works:entry", args=[contest.pk]), {"work": work.pk})
    client.post(reverse("works:result", args=[contest.pk]), {"work": work.pk, "rank": "1", "award": "ชนะเลิศ"})
    entry = Entry.objects.get()
    assert (entry.rank, entry.award) == (1, "ชนะเลิศ")
    page = client.get(reverse("works:portfolio", args=[group_a.community.pk]))
    assert [e.rank for e in page.context["portfolio"].awards] == [1]
    assert_no_english(client.get(reverse("works:contest", args=[contest.pk])))


def test_a_contest_document_must_be_a_pdf_or_a_photo_and_is_served_to_those_who_may_see(personas, work, leader):
    contest = Contest.objects.create(
        name="ชุมชนสะอาด", organiser="เทศบาล", level="municipality", date=datetime.date(2022, 1, 15)
    )
    services.entry_add(contest=contest, work=work)
    client = personas["leader"]
    response = client.post(
        reverse("works:document", args=[contest.pk]),
        {"title": "เกียรติบัตร", "file": SimpleUploadedFile("x.pdf", b"GIF89a not really")},
    )
    assert response.status_code == 200 and response.context["document_form"].errors["file"]
    client.post(
        reverse("works:document", args=[contest.pk]),
        {"title": "เกียรติบัตร", "file": SimpleUploadedFile("c.pdf", b"%PDF-1.4\n%%EOF")},
    )
    document = contest.documents.get()
    assert personas["treasurer_a"].get(reverse("works:document_file", args=[document.pk])).status_code == 200
    assert personas["treasurer_b"].get(reverse("works:document_file", args=[document.pk])).status_code == 404
    assert personas["collector"].get(reverse("works:document_file", args=[document.pk])).status_code == 403
    # The admin names the kind of file as a person does, not by its MIME type.
    admin_page = client.get(reverse("admin:works_contest_change", args=[contest.pk])).content.decode()
    assert "application/pdf" not in admin_page and ">PDF<" in admin_page


@pytest.mark.parametrize(
    "persona, status",
    [
        ("leader", 200),
        ("staff", 200),
        ("treasurer_a", 200),
        ("treasurer_b", 200),
        ("collector", 403),
        ("anonymous", 302),
    ],
)
def test_every_list_page_answers_each_persona(personas, work, persona, status):
    for name in ["works:list", "works:contests"]:
        response = personas[persona].get(reverse(name))
        assert response.status_code == status, name
        if status == 200:
            assert_no_english(response)
    assert personas[persona].get(reverse("works:contest_new")).status_code == (
        200 if persona == "leader" else 403 if status == 200 else status
    )


@pytest.mark.parametrize("count", [1, 6])
def test_pages_take_the_same_queries_whatever_the_rows(personas, group_a, leader, django_assert_max_num_queries, count):
    for i in range(count):
        w = services.work_create(
            community=group_a.community,
            kind=WorkKind.OTHER,
            title=f"งาน {i}",
            description="",
            started_on=datetime.date(2021, 10, 1),
            participants=[],
            user=leader,
        )
        services.quantity_add(
            work=w, date=datetime.date(2021, 11, 1), amount=Decimal("3"), unit="kg", note="", user=leader
        )
        services.photo_add(work=w, upload=jpeg_with_location(size=(300, 200)), caption="", user=leader)
        contest = Contest.objects.create(
            name=f"ประกวด {i}", organiser="เทศบาล", level="municipality", date=datetime.date(2022, 1, 1)
        )
        services.entry_add(contest=contest, work=w)
    for persona, name, args, limit in [
        ("leader", "works:list", [], 8),
        ("treasurer_a", "works:list", [], 10),
        ("leader", "works:portfolio", [group_a.community.pk], 10),
        ("treasurer_a", "works:portfolio", [group_a.community.pk], 12),
        ("leader", "works:work", [Work.objects.first().pk], 14),
        ("leader", "works:contests", [], 8),
        ("leader", "works:contest", [Contest.objects.first().pk], 12),
    ]:
        with django_assert_max_num_queries(limit):
            assert personas[persona].get(reverse(name, args=args)).status_code == 200, name

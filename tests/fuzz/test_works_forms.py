"""Community works forms under fuzzing: works, quantities, photos (real images of every kind, odd
EXIF, forged headers and plain bytes), contests, entries, results and documents."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.fuzz.harness import examples, submit
from works.forms import QuantityField
from works.models import Contest, ContestDocument, Entry, Level, Photo, Quantity, Unit, Work, WorkKind

from .strategies import as_list, choice, form_data, multi

pytestmark = pytest.mark.django_db


def _image(fmt, size, mode, orientation):
    image = Image.new(mode, size, 120 if mode in ("L", "P") else (30, 140, 80, 200)[: len(mode)])
    buffer = io.BytesIO()
    extra = {}
    if orientation is not None and fmt in ("JPEG", "WEBP", "PNG"):
        exif = Image.Exif()
        exif[0x0112] = orientation
        extra["exif"] = exif.tobytes()
    image.save(buffer, fmt, **extra)
    return buffer.getvalue()


def _png_claiming(width, height):
    """A PNG header that claims a size its (absent) pixels never fill."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def _safe_image(fmt, size, mode, orientation):
    try:
        return _image(fmt, size, mode, orientation)
    except (OSError, ValueError, KeyError):  # a mode the format cannot hold
        return b"not an image"


images = st.one_of(
    st.builds(
        _safe_image,
        st.sampled_from(["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"]),
        st.tuples(st.integers(1, 40), st.integers(1, 40)),
        st.sampled_from(["RGB", "L", "P", "RGBA", "LA", "1", "CMYK", "I"]),
        st.one_of(st.none(), st.integers(0, 9), st.just(65535)),
    ),
    st.builds(_png_claiming, st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1)),
    st.builds(lambda data, cut: data[:cut], st.just(_image("JPEG", (30, 30), "RGB", None)), st.integers(0, 600)),
    st.binary(max_size=1000),
    st.sampled_from(
        [b"", b"%PDF-1.4\n%%EOF", b"GIF89a", b"\xff\xd8\xff\xe0", b"<svg xmlns='http://www.w3.org/2000/svg'/>"]
    ),
)
file_names = st.sampled_from(["IMG_0001.jpg", "photo.png", "รูป.jpeg", "doc.pdf", "x", "a" * 200 + ".jpg", ".jpg"])


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_work_is_recorded_with_people_of_its_community_only(personas, works, group_a, group_b, data, urlencoded):
    ours = [m.person_id for m in group_a.members.all()]
    theirs = [m.person_id for m in group_b.members.all()]
    posted = data.draw(
        form_data(
            {
                "kind": choice(WorkKind.values),
                "title": "text",
                "description": "text",
                "started_on": "date",
                "participants": multi(ours + theirs[:1]),
            },
            multis=["participants"],
        )
    )

    def check(outcome):
        [work] = outcome.added(Work)
        people = set(work.participants.values_list("pk", flat=True))
        outcome.assert_changed({Work: 1, Work.participants.through: len(people)})
        assert people == {int(pk) for pk in as_list(posted.get("participants"))} and people <= set(ours)
        assert work.community_id == group_a.community_id

    submit(
        personas["treasurer_a"],
        reverse("works:new", args=[group_a.community.pk]),
        posted,
        check=check,
        urlencoded=urlencoded,
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_quantity_is_the_number_typed(personas, works, data, urlencoded):
    posted = data.draw(form_data({"date": "date", "amount": "quantity", "unit": choice(Unit.values), "note": "text"}))

    def check(outcome):
        outcome.assert_changed({Quantity: 1})
        [quantity] = outcome.added(Quantity)
        assert quantity.amount == QuantityField().clean(posted["amount"]) > 0

    submit(
        personas["treasurer_a"],
        reverse("works:quantity", args=[works.work.pk]),
        posted,
        check=check,
        urlencoded=urlencoded,
    )


@given(content=images, name=file_names, caption=st.one_of(st.just(""), st.sampled_from(["งานขวด", "\x00", "ก" * 301])))
@settings(max_examples=examples())
def test_only_real_photos_are_kept(personas, works, content, name, caption):
    def check(outcome):
        outcome.assert_changed({Photo: 1})
        [photo] = outcome.added(Photo)
        assert photo.width > 0 and photo.height > 0

    submit(
        personas["treasurer_a"],
        reverse("works:photo", args=[works.work.pk]),
        {"caption": caption},
        files={"photo": SimpleUploadedFile(name, content)},
        check=check,
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_contest_is_recorded_or_nothing(personas, works, data, urlencoded):
    posted = data.draw(
        form_data({"name": "text", "organiser": "text", "level": choice(Level.values), "date": "date", "note": "text"})
    )

    def check(outcome):
        outcome.assert_changed({Contest: 1})

    submit(personas["leader"], reverse("works:contest_new"), posted, check=check, urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_work_is_entered_once(personas, works, data, urlencoded):
    posted = data.draw(form_data({"work": choice([works.work.pk, works.other_work.pk])}))

    def check(outcome):
        outcome.assert_changed({Entry: 1})
        [entry] = outcome.added(Entry)
        assert (entry.contest_id, entry.work_id) == (works.contest.pk, works.other_work.pk)

    submit(
        personas["leader"], reverse("works:entry", args=[works.contest.pk]), posted, check=check, urlencoded=urlencoded
    )


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_a_result_is_recorded_only_for_an_entered_work(personas, works, data, urlencoded):
    posted = data.draw(
        form_data(
            {"work": choice([works.work.pk, works.other_work.pk]), "rank": choice(["", 1, 2, 10, 11]), "award": "text"}
        )
    )

    def check(outcome):
        outcome.assert_only()
        entry = Entry.objects.get(contest=works.contest, work=works.work)
        assert int(posted["work"]) == works.work.pk and (entry.rank is not None or entry.award)

    submit(
        personas["leader"], reverse("works:result", args=[works.contest.pk]), posted, check=check, urlencoded=urlencoded
    )


@given(content=images, name=file_names, title=st.sampled_from(["ใบประกาศ", "", "\x00", "ก" * 301]))
@settings(max_examples=examples(0.5))
def test_a_contest_document_is_a_pdf_or_a_real_photo(personas, works, content, name, title):
    def check(outcome):
        outcome.assert_changed({ContestDocument: 1})
        [document] = outcome.added(ContestDocument)
        assert document.content_type in ("application/pdf", "image/jpeg")

    submit(
        personas["leader"],
        reverse("works:document", args=[works.contest.pk]),
        {"title": title},
        files={"file": SimpleUploadedFile(name, content)},
        check=check,
    )

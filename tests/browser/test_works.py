"""Community works in Chromium on a phone-sized screen: a treasurer adds a work with a photo
taken on the phone, and opens the community's portfolio to show the judges.

Set SHOTS_DIR=/some/dir to also save screenshots at phone and desktop width."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import jpeg_with_location
from tests.helpers import sign_in
from works.models import Photo, Work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_treasurer_adds_a_work_with_a_photo_and_opens_the_portfolio(
    page, live_server, treasurer_a, group_a, tmp_path, shoot
):
    photo = tmp_path / "IMG_20220310.jpg"
    photo.write_bytes(jpeg_with_location().read())
    sign_in(page, live_server, "treasurer_a")
    page.goto(live_server.url + reverse("works:list"))
    page.locator(f'a[href="{reverse("works:portfolio", args=[group_a.community.pk])}"]').click()
    page.locator(f'a[href="{reverse("works:new", args=[group_a.community.pk])}"]').click()
    page.locator("#id_kind").select_option("eco_bottles")
    page.locator("#id_title").fill("ขวดขยะแห้งของชุมชน")
    page.locator("#id_description").fill("เก็บถุงพลาสติกอัดใส่ขวดจนแน่น ใช้ทำม้านั่ง")
    page.locator("#id_started_on").fill("1/10/2564")
    page.locator('input[name="participants"]').first.check()
    shoot(page, "work-form")
    page.locator("main form button[type=submit]").click()

    work = Work.objects.get()
    expect(page).to_have_url(live_server.url + reverse("works:work", args=[work.pk]))
    page.locator("summary", has_text="เพิ่มภาพถ่าย").click()
    page.locator("#id_photo").set_input_files(str(photo))
    page.locator("#id_caption").fill("ม้านั่งจากขวดขยะแห้ง")
    page.locator(f'form[action="{reverse("works:photo", args=[work.pk])}"] button[type=submit]').click()
    expect(page.locator(".messages .alert")).to_be_visible()
    page.locator("summary", has_text="บันทึกปริมาณ").click()
    page.locator("#id_amount").fill("๑๒๐")
    page.locator("#id_unit").select_option("bottles")
    page.locator("#id_date").fill("31/1/2565")
    page.locator(f'form[action="{reverse("works:quantity", args=[work.pk])}"] button[type=submit]').click()
    expect(page.locator(".messages .alert")).to_be_visible()
    shoot(page, "work")

    page.goto(live_server.url + reverse("works:portfolio", args=[group_a.community.pk]))
    expect(page.locator("h2", has_text="ขวดขยะแห้งของชุมชน")).to_be_visible()
    image = page.locator(f'img[src="{reverse("works:photo_small", args=[Photo.objects.get().pk])}"]')
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 0  # the photo is served, not a broken image
    expect(page.locator(".stat", has_text="ขวด")).to_contain_text("120")
    shoot(page, "portfolio")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

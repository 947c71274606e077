"""Pages go gzip-compressed to a browser that asks for it; workbooks, PDFs and photos, compressed
already, go as they are."""

import gzip

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}


def test_a_page_goes_compressed_to_a_browser_that_takes_gzip(personas, group_a):
    response = personas["treasurer_a"].get(reverse("groups:detail", args=[group_a.pk]), **BROWSER)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content)
    assert group_a.name in page.decode()
    assert len(response.content) < len(page) / 2


def test_a_client_that_does_not_ask_gets_the_page_as_it_is(personas, group_a):
    response = personas["treasurer_a"].get(reverse("groups:detail", args=[group_a.pk]))
    assert not response.has_header("Content-Encoding")
    assert group_a.name in response.content.decode()


def test_a_workbook_goes_as_it_is(personas):
    response = personas["leader"].get(reverse("housing:import_template_xlsx"), **BROWSER)
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert response.content[:2] == b"PK"  # a zip, which an xlsx file is

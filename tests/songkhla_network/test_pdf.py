"""Thai PDFs: WeasyPrint holds Python's cyclic garbage collector off while it lays out and writes a
document, and gives it back as it found it, also when the document fails; it lays the document
out in a child process whose failures are errors here."""

import gc

import pytest
from django.template import TemplateDoesNotExist

from songkhla_network import pdf
from songkhla_network.pdf import render_pdf
from tests.helpers import pdf_text


@pytest.fixture
def collector_restored():
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()


def test_the_collector_runs_again_after_a_pdf(collector_restored):
    assert render_pdf("pdf/base.html", {}).startswith(b"%PDF")
    assert gc.isenabled()


def test_the_collector_runs_again_when_a_pdf_fails(collector_restored):
    with pytest.raises(TemplateDoesNotExist):
        render_pdf("pdf/no_such_document.html", {})
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_restored):
    gc.disable()
    render_pdf("pdf/base.html", {})
    assert not gc.isenabled()


def test_list_items_keep_their_bullets_without_the_stylesheet_rules_for_every_element():
    # The lean user-agent stylesheet keeps markers for list items only (the CODI report's lists).
    html = pdf._html("pdf/base.html", {}).replace("<body>", "<body><ul><li>กลุ่มเอ</li></ul><p>กลุ่มบี</p>")
    text = pdf_text(pdf._write(html))
    assert "กลุ่มเอ" in text and "กลุ่มบี" in text and text.count("•") == 1
    assert "::footnote-call" not in pdf.lean_ua_stylesheet_source()


class FakeDocument:
    def __init__(self, content):
        self.content = content

    def write_pdf(self):
        return self.content

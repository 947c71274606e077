"""Thai PDFs: WeasyPrint holds Python's cyclic garbage collector off while it lays out and writes a
document, and gives it back as it found it, also when the document fails."""

import gc

import pytest
from django.template import TemplateDoesNotExist

from songkhla_network.pdf import render_pdf


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

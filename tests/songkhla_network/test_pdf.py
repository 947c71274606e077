"""Thai PDFs: WeasyPrint holds Python's cyclic garbage collector off while it lays out and writes a
document, and gives it back as it found it, also when the document fails; a long document is cut
into parts of about the same rows, one for each core, at the places where its blocks begin (a long
document laid out in parts is tested with the pick-up list, tests/enterprise/test_buying.py)."""

import gc
from unittest import mock

import pytest
from django.template import TemplateDoesNotExist
from hypothesis import given
from hypothesis import strategies as st

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


@given(
    rows=st.lists(st.integers(min_value=0, max_value=400), max_size=30),
    cores=st.integers(min_value=1, max_value=8),
)
def test_a_document_is_cut_into_runs_of_its_blocks_of_about_the_same_rows(rows, cores):
    blocks = [(k, count) for k, count in enumerate(rows)]
    with mock.patch.object(pdf.os, "sched_getaffinity", return_value=set(range(cores))):
        parts = pdf.parts_of(blocks, lambda block: block[1])
    # Every block once, in order; no part empty, unless the document is.
    assert [block for part in parts for block in part] == blocks
    assert all(parts) or parts == [[]]
    total = sum(rows)
    # As many parts as cores, and no more than its rows fill (a short document is one part).
    assert len(parts) <= max(1, min(cores, total // pdf.ROWS_PER_PART))
    if total >= cores * pdf.ROWS_PER_PART and len(rows) >= cores and max(rows) <= total // (4 * cores):
        assert len(parts) == cores
    # Each part's rows within a block of its share.
    share = total / len(parts)
    assert all(abs(sum(count for _, count in part) - share) <= max(rows, default=0) for part in parts)


def test_a_short_document_and_one_core_make_one_part():
    blocks = [40] * 12  # 480 rows
    with mock.patch.object(pdf.os, "sched_getaffinity", return_value={0, 1}):
        assert [len(part) for part in pdf.parts_of(blocks, lambda rows: rows)] == [6, 6]
        assert len(pdf.parts_of(blocks[:3], lambda rows: rows)) == 1  # 120 rows
    with mock.patch.object(pdf.os, "sched_getaffinity", return_value={0}):
        assert len(pdf.parts_of(blocks, lambda rows: rows)) == 1

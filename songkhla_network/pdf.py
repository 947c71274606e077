"""Thai PDF documents: HTML templates laid out by WeasyPrint (which shapes Thai and breaks lines
between words) in the Sarabun typeface, A4, with page numbers."""

import functools
import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.template.loader import render_to_string
from fontpkg_sarabun import ROOT as SARABUN

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.document import Document

SARA_AM = "\u0e33"
# WeasyPrint's text layer maps the glyph of ำ back to the wrong characters, so text copied out of
# the PDF is garbled; written as nikhahit + sara aa it looks the same and copies as it was written.
SARA_AM_DECOMPOSED = "\u0e4d\u0e32"


def font_urls() -> dict[str, str]:
    files = SARABUN / "files"
    return {
        "regular": (files / "Sarabun-Regular.ttf").as_uri(),
        "bold": (files / "Sarabun-Bold.ttf").as_uri(),
    }


@functools.cache
def lean_ua_stylesheet_source() -> str:
    """WeasyPrint's own user-agent stylesheet without the rules of what these documents never
    have. Its `::marker` and `::footnote-call` … `::note-callback` rules match every element, so
    WeasyPrint made six pseudo-element styles for each cell of a table: most of the style work of
    a long list (a sixth of its CPU). Markers are kept for list items (the CODI report's lists);
    footnotes and notes (`float: footnote`) are not used."""
    import weasyprint.css

    source = (Path(weasyprint.css.__file__).parent / "html5_ua.css").read_text(encoding="utf-8")
    lines = []
    for line in source.splitlines():
        if line.startswith("::marker "):
            line = "li::marker " + line.removeprefix("::marker ")
        elif line.startswith(("::footnote-", "::note-")):
            continue
        lines.append(line)
    return "\n".join(lines)


@functools.cache
def lean_ua_stylesheet() -> "CSS":
    from weasyprint import CSS

    return CSS(string=lean_ua_stylesheet_source())


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off (in the whole process) while WeasyPrint lays
    out and writes a document. WeasyPrint builds a graph of boxes and styles that lives until the
    PDF is written (hundreds of thousands of objects for a 30-page list), and the collector would
    walk it again and again as it grows: a third of the CPU of such a list, to free next to
    nothing. The collector is left as it was found; its next pass frees the document."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _html(template_name: str, context: Mapping[str, object]) -> str:
    html = render_to_string(template_name, {**context, "fonts": font_urls()})
    return html.replace(SARA_AM, SARA_AM_DECOMPOSED)


def _layout(html: str) -> "Document":
    from weasyprint import HTML  # imported here: only the PDF views need Pango installed

    class LeanHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list["CSS"]:
            return [lean_ua_stylesheet(), *super()._ua_stylesheets(forms)[1:]]

    return LeanHTML(string=html).render()


def _write(html: str) -> bytes:
    with cyclic_gc_paused():
        return _layout(html).write_pdf()


def render_document(template_name: str, context: Mapping[str, object]) -> "Document":
    """A template that extends pdf/base.html, laid out in pages (a WeasyPrint document)."""
    html = _html(template_name, context)
    with cyclic_gc_paused():
        return _layout(html)


def render_pdf(template_name: str, context: Mapping[str, object]) -> bytes:
    """The PDF bytes of a template that extends pdf/base.html."""
    return _write(_html(template_name, context))


def pdf_response(template_name: str, context: Mapping[str, object], filename: str) -> HttpResponse:
    response = HttpResponse(render_pdf(template_name, context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response

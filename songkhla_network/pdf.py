"""Thai PDF documents: HTML templates laid out by WeasyPrint (which shapes Thai and breaks lines
between words) in the Sarabun typeface, A4, with page numbers."""

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.template.loader import render_to_string
from fontpkg_sarabun import ROOT as SARABUN

if TYPE_CHECKING:
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


def render_document(template_name: str, context: Mapping[str, object]) -> "Document":
    """A template that extends pdf/base.html, laid out in pages (a WeasyPrint document)."""
    from weasyprint import HTML  # imported here: only the PDF views need Pango installed

    html = render_to_string(template_name, {**context, "fonts": font_urls()})
    with cyclic_gc_paused():
        return HTML(string=html.replace(SARA_AM, SARA_AM_DECOMPOSED)).render()


def render_pdf(template_name: str, context: Mapping[str, object]) -> bytes:
    """The PDF bytes of a template that extends pdf/base.html."""
    with cyclic_gc_paused():
        return render_document(template_name, context).write_pdf()


def pdf_response(template_name: str, context: Mapping[str, object], filename: str) -> HttpResponse:
    response = HttpResponse(render_pdf(template_name, context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response

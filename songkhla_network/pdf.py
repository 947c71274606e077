"""Thai PDF documents: HTML templates laid out by WeasyPrint (which shapes Thai and breaks lines
between words) in the Sarabun typeface, A4, with page numbers."""

import functools
import gc
import io
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from django.http import HttpResponse
from django.template.loader import render_to_string
from fontpkg_sarabun import ROOT as SARABUN

if TYPE_CHECKING:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import IndirectObject
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


# --- A long document in parts, side by side --------------------------------------------------------
# WeasyPrint's time is its own Python, a line and a box at a time (a 500-member pick-up list is
# 33 pages and 2.5 s of one core): a long document is cut into parts at the places where a block of
# it begins (a group's table), each laid out in a process of its own, all on the machine's cores at
# once. A part's pages are laid out without their footers; once every part knows its pages, each
# lays out its footers ("page N of M" and the date, as one document's) as pages of their own, and
# the parts' pages are joined in order with their footers drawn over them (pypdf).

T = TypeVar("T")

# Rows per part from which a document is cut: a shorter one takes less than the forking, the
# footers laid out apart and the joining would save.
ROWS_PER_PART = 150


def parts_of(items: Sequence[T], rows: Callable[[T], int]) -> list[list[T]]:
    """`items` (the blocks of a document, each beginning where the last ends: a group's table) cut
    into runs of about the same rows, one for each core this process may use and `ROWS_PER_PART`
    rows: the parts for `render_pdf_in_parts`. A short document is one part."""
    counts = [rows(item) for item in items]
    total = sum(counts)
    wanted = max(1, min(len(os.sched_getaffinity(0)), total // ROWS_PER_PART, len(items)))
    parts: list[list[T]] = [[] for _ in range(wanted)]
    done = 0
    for item, count in zip(items, counts, strict=True):
        # The part in whose share of the rows the item's middle row falls.
        parts[min(wanted - 1, (done + count // 2) * wanted // max(total, 1))].append(item)
        done += count
    return [part for part in parts if part] or [list(items)]


def _footers_html(context: Mapping[str, object], first_page: int, pages: int, total_pages: int) -> str:
    return _html(
        "pdf/page_footers.html",
        {**context, "sheets": range(pages), "first_page": first_page, "total_pages": total_pages},
    )


def _part(html: str, context: Mapping[str, object], numbered: Callable[[int], tuple[int, int]]) -> tuple[bytes, bytes]:
    """A part's pages laid out and written, and its footers once `numbered(its page count)` says
    its first page's number and the document's pages: (pages' PDF, footers' PDF). The pages are
    written before the parts tell each other their counts, so that none waits for the slowest's
    layout with its own writing still to do."""
    with cyclic_gc_paused():
        document = _layout(html)
        pages = len(document.pages)
        body = document.write_pdf()
        del document
        first_page, total_pages = numbered(pages)
        footers = _layout(_footers_html(context, first_page, pages, total_pages)).write_pdf()
    return body, footers


def _part_in_child(html: str, context: Mapping[str, object], pipe: Connection) -> None:
    """A forked process's part: it tells the parent its page count, is told its numbering, and
    sends back its two PDFs. It touches no database connection (the parent's, shared by the fork)
    and ends by os._exit (multiprocessing's fork), which closes none of them."""

    def numbered(pages: int) -> tuple[int, int]:
        pipe.send(pages)
        return pipe.recv()

    try:
        body, footers = _part(html, context, numbered)
        pipe.send_bytes(body)
        pipe.send_bytes(footers)
    except (EOFError, BrokenPipeError):
        pass  # the parent gave the document up (a part failed): nothing to say
    finally:
        pipe.close()


def _outline_copied(
    writer: "PdfWriter", reader: "PdfReader", items: list, first_page: int, parent: "IndirectObject | None"
) -> "IndirectObject | None":
    """A part's bookmarks (`items`, pypdf's outline: a list after an item holds its children)
    under `parent`, each to the same place on its page, now `first_page` pages on: the last one
    made at the top."""
    from pypdf.generic import Fit

    last = None
    for item in items:
        if isinstance(item, list):
            _outline_copied(writer, reader, item, first_page, last)
        else:
            page = reader.get_destination_page_number(item)
            assert page is not None, "a part's bookmarks are to its own pages"
            page += first_page
            last = writer.add_outline_item(
                title=item.title, page_number=page, parent=parent, fit=Fit.xyz(item.left, item.top, item.zoom)
            )
    return last


def _joined(parts: Sequence[tuple[bytes, bytes]]) -> bytes:
    """The parts' pages in order, each with its footer drawn over it; the document's title,
    language and bookmarks as the parts have them. A footer page becomes a form (a drawing of its
    own, with its fonts) that its page draws after its own content: nothing is parsed or renamed,
    and the pages' streams stay as WeasyPrint compressed them (pypdf's merge_page parses both
    streams, renames what clashes and writes them back uncompressed: twice the time, 3.5 times
    the bytes)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    readers = [PdfReader(io.BytesIO(body)) for body, _footers in parts]
    writer = PdfWriter()
    writer.add_metadata(dict(readers[0].metadata or {}))
    writer.root_object[NameObject("/Lang")] = readers[0].root_object["/Lang"]
    # The first part's bookmarks, and those of the parts that follow (they have no title of their
    # own) under its last top one (the title).
    title = None
    for reader in readers:
        first_page = len(writer.pages)
        writer.append(reader, import_outline=False)
        last = _outline_copied(writer, reader, reader.outline, first_page, title)
        title = title or last
    footers = [page for _body, part_footers in parts for page in PdfReader(io.BytesIO(part_footers)).pages]

    def stream(data: bytes) -> DecodedStreamObject:
        made = DecodedStreamObject()
        made.set_data(data)
        return made

    # _add_object: pypdf's one way to make an object of its own (an indirect one, as streams are).
    save_state = writer._add_object(stream(b"q\n"))
    restore_and_draw = writer._add_object(stream(b"\nQ\n/Footer Do\n"))
    for page, footer in zip(writer.pages, footers, strict=True):
        drawing = footer.get_contents()
        form = stream(drawing.get_data() if drawing is not None else b"")
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = footer.mediabox
        form[NameObject("/Resources")] = footer["/Resources"].clone(writer)
        # WeasyPrint's pages share one resource dictionary: each page gets its own, with its form.
        resources = DictionaryObject(cast(DictionaryObject, page["/Resources"].get_object()))
        xobjects = cast(DictionaryObject, resources.get("/XObject", DictionaryObject()).get_object())
        resources[NameObject("/XObject")] = DictionaryObject(
            {**xobjects, NameObject("/Footer"): writer._add_object(form)}
        )
        page[NameObject("/Resources")] = resources
        contents = page["/Contents"]
        resolved = contents.get_object()
        streams = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([save_state, *streams, restore_and_draw])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_pdf_in_parts(
    template_name: str, context: Mapping[str, object], parts: Sequence[Mapping[str, object]]
) -> bytes:
    """The PDF of a template that extends pdf/base.html, laid out in parts side by side: part k is
    the template with `context` and `parts[k]` over it (the blocks of `parts_of`; every part but the
    first has `continued` true, for what the document says once at its top). One part is laid out
    as `render_pdf` does."""
    if len(parts) == 1:
        return render_pdf(template_name, {**context, **parts[0]})
    part_context = {**context, "footers_apart": True}

    def html(k: int) -> str:
        return _html(template_name, {**part_context, **parts[k], "continued": k > 0})

    fork = multiprocessing.get_context("fork")
    pipes, children = [], []
    try:
        for k in range(1, len(parts)):
            ours, theirs = fork.Pipe()
            # Forked as soon as its page is written (in this process: rendering may read the database).
            child = fork.Process(target=_part_in_child, args=(html(k), context, theirs), daemon=True)
            child.start()
            theirs.close()
            pipes.append(ours)
            children.append(child)

        def numbered(pages: int) -> tuple[int, int]:
            counts = [pages, *(pipe.recv() for pipe in pipes)]
            total = sum(counts)
            first = 1 + counts[0]
            for pipe, count in zip(pipes, counts[1:], strict=True):
                pipe.send((first, total))
                first += count
            return 1, total

        try:
            results = [_part(html(0), context, numbered)]
            results += [(pipe.recv_bytes(), pipe.recv_bytes()) for pipe in pipes]
        except (EOFError, BrokenPipeError) as ended:
            raise RuntimeError("a part of the PDF ended without its pages (see the error above it)") from ended
    finally:
        for pipe in pipes:
            pipe.close()
        for child in children:
            child.join(timeout=5)
            if child.is_alive():
                child.kill()
                child.join()
    return _joined(results)


def pdf_response(
    template_name: str,
    context: Mapping[str, object],
    filename: str,
    parts: Sequence[Mapping[str, object]] | None = None,
) -> HttpResponse:
    """The PDF, laid out in `parts` side by side when given (see `render_pdf_in_parts`)."""
    body = render_pdf(template_name, context) if parts is None else render_pdf_in_parts(template_name, context, parts)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response

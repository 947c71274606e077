"""QR codes as SVG, drawn here (no service is asked, no script runs): inline in a page, or as a
data: address for an <img> of a PDF."""

import base64
import re

import qrcode
import qrcode.constants
import qrcode.image.svg
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _svg(data: str, size: int = 240) -> str:
    """The QR of `data` as one SVG element: a white square (so a dark page or a dim phone screen
    does not swallow the light modules) and one path of the dark ones, sized by its viewBox. Error
    correction M survives a creased or smudged printout; the border of 4 modules is the quiet zone
    a scanner needs."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    # One QR a page: the library's id on its path is dropped all the same, ids being unique.
    text = image.to_string(encoding="unicode").replace(' id="qr-path"', "")
    # In CSS pixels, not the library's millimetres: the pages' CSP allows no style attribute, and
    # 240 px is about 6 cm on a phone, easy to scan from another phone held near it.
    return re.sub(
        r'^<svg width="[^"]*" height="[^"]*"', f'<svg width="{size}" height="{size}" shape-rendering="crispEdges"', text
    )


def qr_svg(data: str, *, label: str = "", size: int = 240) -> SafeString:
    """The QR of `data` as inline SVG markup, `size` pixels square, described to screen readers by
    `label`."""
    svg = _svg(data, size)
    attributes = f'<svg class="qr" role="img" aria-label="{escape(label)}"' if label else '<svg class="qr"'
    return mark_safe(svg.replace("<svg", attributes, 1))  # noqa: S308 - drawn here, label escaped


def qr_data_uri(data: str) -> str:
    """The QR of `data` as a data: address for an <img> (WeasyPrint draws it in a PDF)."""
    encoded = base64.b64encode(_svg(data).encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"

"""Sarabun on a phone: until it arrives, a page is drawn in a fallback face sized to take the room
Sarabun will take (size-adjust and the ascent, descent and line-gap overrides of site.css, made by
scripts/build_static.py), so that nothing moves when it comes. Here, in Debian's Chromium, the
fallback is Liberation Sans for figures and Latin letters, and for Thai, which no font on the
machine has, its empty boxes; on a phone it is Roboto and Noto Sans Thai, sized the same way."""

import pytest
from django.urls import reverse

from scripts import build_static

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each text drawn in Sarabun and in the fallback alone, side by side at the size of the pages.
MEASURE = """([text, weight]) => {
  const box = (family) => {
    const line = document.createElement("div");
    const span = document.createElement("span");
    Object.assign(line.style, {fontSize: "17px", lineHeight: "1.6", whiteSpace: "nowrap", fontWeight: String(weight)});
    span.style.fontFamily = family;
    span.textContent = text;
    line.appendChild(span);
    document.body.appendChild(line);
    const rect = span.getBoundingClientRect();
    const lineRect = line.getBoundingClientRect();
    line.remove();
    return {width: rect.width, top: rect.top - lineRect.top, height: rect.height};
  };
  const stack = getComputedStyle(document.documentElement).getPropertyValue("--sarabun");
  const fallback = stack.split(",").filter(f => f.trim() != '"Sarabun"').join(",");
  return {sarabun: box(stack), fallback: box(fallback)};
}"""


@pytest.mark.parametrize("weight", sorted(build_static.WEIGHTS))
@pytest.mark.parametrize("script", ["Thai", "Latin"])
def test_the_fallback_takes_the_room_sarabun_takes(page, live_server, weight, script):
    page.goto(live_server.url + reverse("login"))
    text = build_static.sample(build_static.THAI if script == "Thai" else build_static.LATIN)[:4000]
    page.evaluate(f"document.fonts.load('{weight} 17px Sarabun', {text[:50]!r})")
    page.evaluate("document.fonts.ready")
    sizes = page.evaluate(MEASURE, [text, weight])
    sarabun, fallback = sizes["sarabun"], sizes["fallback"]
    assert fallback["width"] == pytest.approx(sarabun["width"], rel=0.02)
    # The same line: the text sits on the same baseline, as tall.
    assert fallback["top"] == pytest.approx(sarabun["top"], abs=0.5)
    assert fallback["height"] == pytest.approx(sarabun["height"], abs=0.5)

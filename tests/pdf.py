"""Reading back the PDFs the app makes, for the tests of every area."""

import re
import subprocess
import unicodedata
from pathlib import Path


def pdf_text(source):
    """The text layer of a PDF (its bytes, or a path) in the order it was written (pdftotext -raw).
    Two artefacts are undone: WeasyPrint writes ำ as ํ + า (so that it copies at all), and the
    extractor breaks the line before a tone mark that Sarabun shifts left over its vowel (ฟื|้นฟู);
    no Thai text has a space before a combining mark, so such a space is the extractor's."""
    if isinstance(source, (str, Path)):
        raw = subprocess.run(["pdftotext", "-raw", str(source), "-"], capture_output=True, check=True).stdout
    else:
        raw = subprocess.run(["pdftotext", "-raw", "-", "-"], input=source, capture_output=True, check=True).stdout
    text = re.sub(r"\s+(?=[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])", "", raw.decode().replace("\u0e4d\u0e32", "\u0e33"))
    return unicodedata.normalize("NFC", text)


def squeezed(text):
    """Without spaces and line breaks: Thai lines in a PDF break between words, anywhere."""
    return re.sub(r"\s+", "", str(text))

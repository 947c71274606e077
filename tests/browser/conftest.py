"""What every browser test shares."""

import os
from pathlib import Path

import pytest

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def shoot():
    """shoot(page, name): full-page screenshots at phone and desktop width, when SHOTS_DIR is set."""
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return lambda page, name: None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=folder / f"phone-{name}.png", full_page=True)
        page.set_viewport_size(DESKTOP)
        try:
            page.screenshot(path=folder / f"desktop-{name}.png", full_page=True)
        finally:
            page.set_viewport_size(PHONE)

    return take

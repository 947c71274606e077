"""Photos as uploaded from a phone, made safe to keep and show: only real images (told by their
content, not their name), turned upright, resized, and saved again as JPEG without any of the
original's metadata (the GPS position a phone writes into it included)."""

from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 60_000_000  # a 60-megapixel photo; beyond it Pillow could be made to eat the memory
LARGE, SMALL = 1600, 480  # longest side in pixels
ACCEPTED = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}  # MPO: what some phones call their JPEGs


def check_size(upload):
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _(
                "The photo is too large (%(size)s MB); the limit is %(limit)s MB. "
                "Send it again at a smaller size from the phone's share menu."
            )
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": MAX_UPLOAD_BYTES // 1024 // 1024},
            code="too_large",
        )


def open_image(upload):
    """The upload as a Pillow image, refusing anything that is not a photo in a common format."""
    check_size(upload)
    upload.seek(0)
    not_an_image = ValidationError(_("This file is not a photo. Choose a JPEG or PNG picture."), code="not_an_image")
    try:
        image = Image.open(upload)
        if image.format not in ACCEPTED:
            raise not_an_image
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(
                _("The photo has too many pixels; send it at a smaller size."), code="too_many_pixels"
            )
        image.load()  # decode it all now: a truncated or forged file fails here, not later
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise not_an_image from None
    return image


def _jpeg(image, longest):
    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    buffer = BytesIO()
    # Saved without exif=, icc_profile= or any info: nothing of the original file comes along.
    copy.save(buffer, "JPEG", quality=85, optimize=True)
    content = ContentFile(buffer.getvalue())
    content.size_px = copy.size
    return content


def prepare(upload):
    """(large, small) JPEG files of the upload, upright, resized, without metadata; each file's
    `size_px` is its (width, height)."""
    image = open_image(upload)
    clean = _pixels_only(image)
    return _jpeg(clean, LARGE), _jpeg(clean, SMALL)


def _pixels_only(image):
    """The picture, upright, as a new RGB image that carries none of the original's metadata."""
    image = ImageOps.exif_transpose(image)  # phones store "rotate me" in the EXIF that goes away
    clean = Image.new("RGB", image.size, "white")
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        clean.paste(rgba, mask=rgba.getchannel("A"))
    else:
        clean.paste(image.convert("RGB"))
    return clean


def prepare_document(upload):
    """A contest document: a PDF (told by its first bytes), kept as it is, or a photo of a paper,
    cleaned like any photo. Returns (content type, file)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": MAX_UPLOAD_BYTES // 1024 // 1024},
            code="too_large",
        )
    upload.seek(0)
    if upload.read(5) == b"%PDF-":
        upload.seek(0)
        return "application/pdf", ContentFile(upload.read())
    return "image/jpeg", _jpeg(_pixels_only(open_image(upload)), 2400)

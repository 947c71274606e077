from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def national_id_check_digit(first_twelve: str) -> int:
    total = sum(int(d) * (13 - i) for i, d in enumerate(first_twelve))
    return (11 - total % 11) % 10


def validate_national_id(value: str) -> None:
    """A Thai national ID: 13 digits whose last is the check digit of the other twelve."""
    if not (len(value) == 13 and value.isascii() and value.isdigit()):
        raise ValidationError(_("A national ID number has 13 digits."), code="id_length")
    if national_id_check_digit(value[:12]) != int(value[12]):
        raise ValidationError(
            _("This national ID number is not valid: its last digit does not match. Please check it against the card."),
            code="id_check_digit",
        )


def mask_national_id(value: str | None) -> str:
    """1-2345-67890-12-3 shown as x-xxxx-xxxxx-12-3: enough to tell people apart, not to copy."""
    if not value:
        return ""
    return f"x-xxxx-xxxxx-{value[10:12]}-{value[12]}"

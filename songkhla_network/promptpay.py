"""PromptPay (พร้อมเพย์) QR payloads: the EMVCo merchant-presented text a Thai banking app reads to
pay a PromptPay account, with the amount filled in when one is given.

The payload is a row of fields, each its two-digit tag, its two-digit length and its value:

    00 "01"                    payload format
    01 "11" | "12"             static QR (the payer types the amount) | with an amount
    29 (merchant account)      00 "A000000677010111" (PromptPay), then one of
                               01 mobile "0066" + the number without its leading 0 (13 digits),
                               02 national ID or tax ID (13 digits), 03 e-wallet (15 digits)
    53 "764"                   baht
    54 "1500.00"               the amount, only when one is given
    58 "TH"
    63 CRC                     CRC-16/CCITT-FALSE of everything before it, "6304" included

No well-kept library does this; it is small enough to read whole."""

import re
from decimal import Decimal
from enum import StrEnum
from typing import cast

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import thai

PROMPTPAY_AID = "A000000677010111"
# The amount field holds at most 13 characters: 9,999,999,999.99 baht, far above any rent.
AMOUNT_MAX = Decimal("9999999999.99")


class IdKind(StrEnum):
    """What a PromptPay ID is, by its tag inside the merchant account field."""

    MOBILE = "01"
    NATIONAL_ID = "02"  # a citizen's ID or a juristic person's tax ID: both 13 digits
    E_WALLET = "03"


def normalize_id(value: str) -> str:
    """The digits of a PromptPay ID as people write it: Thai digits read as 0–9, and the spaces
    and dashes of 081-234-5678 or 1-2345-67890-12-3 dropped."""
    return re.sub(r"[\s\-]", "", thai.arabic_digits(value or ""))


def id_kind(promptpay_id: str) -> IdKind:
    """The kind of a normalized PromptPay ID; a ValidationError, in words for the person typing
    it, when it is none: a mobile number is 10 digits starting with 0, a national or tax ID 13
    digits (a tax ID has no check digit to test, so none is tested), an e-wallet 15 digits."""
    # ASCII digits only: str.isdigit() also takes "²" and other scripts' digits.
    if re.fullmatch(r"0[0-9]{9}", promptpay_id):
        return IdKind.MOBILE
    if re.fullmatch(r"[0-9]{13}", promptpay_id):
        return IdKind.NATIONAL_ID
    if re.fullmatch(r"[0-9]{15}", promptpay_id):
        return IdKind.E_WALLET
    raise ValidationError(
        _(
            "A PromptPay ID is a mobile number of 10 digits starting with 0, "
            "a national ID or tax ID of 13 digits, or an e-wallet ID of 15 digits."
        ),
        code="promptpay_id",
    )


def validate_promptpay_id(value: str) -> None:
    id_kind(normalize_id(value))


def check_amount(amount: Decimal) -> None:
    """An amount a QR can ask for: a Decimal (never a float, whose 0.1 is not 0.10 baht), more than
    0, in baht and satang, and short enough for the field."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValidationError(_("Enter an amount in baht, e.g. 1,500 or 1500.50."), code="invalid")
    if amount <= 0:
        raise ValidationError(_("The amount must be more than 0 baht."), code="not_positive")
    if cast(int, amount.as_tuple().exponent) < -2 and amount != amount.quantize(thai.SATANG):
        raise ValidationError(_("Baht amounts have at most 2 digits after the point (satang)."), code="satang")
    if amount > AMOUNT_MAX:
        raise ValidationError(_("The amount is too large."), code="too_large")


def crc16(data: bytes) -> str:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, start 0xFFFF, no reflection, no final XOR), as four
    uppercase hex digits."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def _field(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def payload(promptpay_id: str, amount: Decimal | None = None) -> str:
    """The QR text that pays `promptpay_id` (as people write it: see `normalize_id`) `amount`
    baht, or any amount the payer types when `amount` is None. A ValidationError when the ID or
    the amount is not one a QR can carry."""
    digits = normalize_id(promptpay_id)
    kind = id_kind(digits)
    if kind == IdKind.MOBILE:
        digits = "0066" + digits[1:]
    account = _field("00", PROMPTPAY_AID) + _field(kind.value, digits)
    text = _field("00", "01") + _field("01", "11" if amount is None else "12") + _field("29", account)
    text += _field("53", "764")
    if amount is not None:
        check_amount(amount)
        text += _field("54", f"{amount:.2f}")
    text += _field("58", "TH") + "6304"
    return text + crc16(text.encode("ascii"))

"""PromptPay payloads: the EMVCo text a banking app reads, checked against payloads written out by
hand field by field, a CRC computed another way (binascii's CRC-CCITT), and payloads published by
other implementations; IDs and amounts a QR cannot carry are refused; the QR drawn decodes back."""

import binascii
from decimal import Decimal

import pytest
import zxingcpp
from django.core.exceptions import ValidationError

from songkhla_network import promptpay
from songkhla_network.qr import qr_data_uri, qr_svg


def crc_elsewhere(text):
    """CRC-16/CCITT-FALSE by binascii: crc_hqx is the same polynomial 0x1021, not reflected, here
    started at 0xFFFF."""
    return f"{binascii.crc_hqx(text.encode('ascii'), 0xFFFF):04X}"


# 0812345678, 1,500 baht, written out field by field (tag, length, value):
#   00 02 01                      payload format
#   01 02 12                      a QR with an amount
#   29 37                         merchant account, 37 characters:
#         00 16 A000000677010111      PromptPay
#         01 13 0066812345678         mobile: 0066 and the number without its 0
#   53 03 764                     baht
#   54 07 1500.00                 the amount
#   58 02 TH
#   63 04 F89B                    CRC of everything before it, "6304" included
MOBILE_1500 = "00020101021229370016A00000067701011101130066812345678530376454071500.005802TH6304F89B"
# The same without an amount: 01 is 11, no field 54.
MOBILE_STATIC = "00020101021129370016A0000006770101110113006681234567853037645802TH6304823E"
# A tax ID of 13 digits (field 02 in the account) and 12,345.67 baht.
TAX_ID_AMOUNT = "00020101021229370016A000000677010111021312345678901235303764540812345.675802TH6304FAAA"
# An e-wallet ID of 15 digits (field 03: the account is 20 + 19 = 39 characters) and one satang.
E_WALLET_SATANG = "00020101021229390016A0000006770101110315123456789012345530376454040.015802TH63045B91"

# Payloads published by other PromptPay libraries (their field order puts 58 before 53; the CRC
# covers whatever precedes it): our CRC gives their last four characters.
PUBLISHED = [
    "00020101021129370016A000000677010111011300668123456785802TH530376463045D82",
    "00020101021229370016A000000677010111011300668123456785802TH53037645406150.006304CC46",
    "00020101021129370016A000000677010111011300660000000005802TH530376463048956",
]


@pytest.mark.parametrize(
    ("promptpay_id", "amount", "expected"),
    [
        ("0812345678", Decimal("1500"), MOBILE_1500),
        ("081-234-5678", Decimal("1500.00"), MOBILE_1500),
        ("๐๘๑ ๒๓๔ ๕๖๗๘", Decimal("1500.0"), MOBILE_1500),
        ("0812345678", None, MOBILE_STATIC),
        ("1-2345-67890-12-3", Decimal("12345.67"), TAX_ID_AMOUNT),
        ("123456789012345", Decimal("0.01"), E_WALLET_SATANG),
    ],
)
def test_it_builds_the_payload_written_out_by_hand(promptpay_id, amount, expected):
    assert promptpay.payload(promptpay_id, amount) == expected


@pytest.mark.parametrize("expected", [MOBILE_1500, MOBILE_STATIC, TAX_ID_AMOUNT, E_WALLET_SATANG, *PUBLISHED])
def test_its_crc_is_the_ccitt_false_crc_computed_elsewhere(expected):
    body = expected[:-4]
    assert body.endswith("6304")
    assert promptpay.crc16(body.encode("ascii")) == crc_elsewhere(body) == expected[-4:]


def test_the_crc_of_the_standard_check_string_is_29b1():
    # The catalogue's check value of CRC-16/CCITT-FALSE, for the ASCII digits 1 to 9.
    assert promptpay.crc16(b"123456789") == "29B1"


@pytest.mark.parametrize(
    "bad_id",
    ["", "081234567", "08123456789", "8123456789", "081234567x", "12345678901234", "1234567890123456", "²812345678"],
)
def test_an_id_that_is_no_promptpay_id_is_refused(bad_id):
    with pytest.raises(ValidationError) as error:
        promptpay.payload(bad_id, Decimal("100"))
    assert error.value.code == "promptpay_id"


def test_a_13_digit_tax_id_needs_no_check_digit():
    # 1234567890120 fails a citizen ID's check digit; a juristic person's tax ID has none to test.
    assert promptpay.id_kind("1234567890120") == promptpay.IdKind.NATIONAL_ID


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (Decimal("0"), "not_positive"),
        (Decimal("-5"), "not_positive"),
        (Decimal("1.005"), "satang"),
        (Decimal("10000000000"), "too_large"),
        (Decimal("NaN"), "invalid"),
        (1.5, "invalid"),  # a float is never money
        ("1.50", "invalid"),
    ],
)
def test_an_amount_a_qr_cannot_carry_is_refused(amount, code):
    with pytest.raises(ValidationError) as error:
        promptpay.payload("0812345678", amount)
    assert error.value.code == code


def test_trailing_zeros_past_the_satang_are_the_same_amount():
    assert promptpay.payload("0812345678", Decimal("1500.000")) == MOBILE_1500


def _decode_png(png_path):
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(png_path))]


def test_the_svg_drawn_decodes_back_to_the_payload(tmp_path):
    """The SVG, drawn by the PDF renderer into a page and rasterized, scans as the payload."""
    import subprocess

    from weasyprint import HTML

    html = f'<img src="{qr_data_uri(MOBILE_1500)}" style="width: 60mm; height: 60mm">'
    (tmp_path / "qr.pdf").write_bytes(HTML(string=html).write_pdf())
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", tmp_path / "qr.pdf", tmp_path / "qr"], check=True)
    assert _decode_png(tmp_path / "qr.png") == [MOBILE_1500]


def test_the_inline_svg_is_one_element_without_scripts_or_addresses():
    svg = str(qr_svg(MOBILE_1500, label='QR "1"'))
    assert svg.startswith('<svg class="qr" role="img" aria-label="QR &quot;1&quot;"')
    assert svg.count("<svg") == 1 and svg.endswith("</svg>")
    assert "<script" not in svg and "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")

"""Excel workbooks every area exports: Thai headers in bold, baht columns as 56,000.00, dates as
B.E. text (a real Excel date would show its C.E. year)."""

import re
from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

MONEY_FORMAT = "#,##0.00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def new_workbook(*, write_only: bool = False) -> Workbook:
    """An empty workbook. `write_only`: each row goes to a temporary file as it is added, so a
    workbook of hundreds of thousands of rows does not have to fit in memory (sheets are then
    written once, top to bottom)."""
    if write_only:
        return Workbook(write_only=True)
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def add_sheet(
    workbook: Workbook,
    title: str | Promise,
    header: Sequence[str | Promise],
    rows: Iterable[Sequence[object]],
    money_columns: Iterable[int] = (),
) -> "Worksheet | WriteOnlyWorksheet":
    """A sheet with a bold header row; `money_columns` are 1-based column numbers. Written top to
    bottom, cell styles set as each row is added, so that write-only workbooks take it too."""
    # Excel refuses these characters in a sheet's name, and names longer than 31 characters.
    sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31].strip())
    for index, width in enumerate([40] + [18] * (len(header) - 1), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width  # before the first row
    bold = Font(bold=True)
    sheet.append([_styled(sheet, str(h), font=bold) for h in header])
    money = {column - 1 for column in money_columns}
    for row in rows:
        sheet.append(
            [_styled(sheet, value, number_format=MONEY_FORMAT) if i in money else value for i, value in enumerate(row)]
        )
    return sheet


def _styled(sheet: "Worksheet | WriteOnlyWorksheet", value: object, **style: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def xlsx_response(workbook: Workbook, filename: str) -> HttpResponse:
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""The contribution template, as CSV and as an XLSX workbook with drop-down lists."""

from __future__ import annotations

import csv
import io

from server.intake import AMBIGUITY, COLUMNS, PLATFORMS, TERM_TYPES

EXAMPLE = {
    "term": "snow",
    "language": "en",
    "term_type": "code-word",
    "substances": "cocaine",
    "meaning": "Cocaine, from its white powder.",
    "ambiguity": "high",
    "benign_meaning": "weather",
    "needs_other_signal": "yes",
    "platforms": "telegram;instagram",
    "country": "",
    "first_seen": "2026-01-15",
    "last_seen": "2026-11-30",
    "source": "https://example.org/case-report",
    "handling": "TLP:AMBER",
    "notes": "Seen with price lists.",
}


def template_csv() -> bytes:
    """Header and one example row, UTF-8 with a BOM so that spreadsheet tools read it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow([EXAMPLE[c] for c in COLUMNS])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """A workbook: the header, drop-down lists for the controlled columns, and a help sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "terms"
    names = list(COLUMNS)
    sheet.append(names)
    for index, name in enumerate(names, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.comment = Comment(COLUMNS[name], "Knowledge Package")
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 4)
    lists = workbook.create_sheet("lists")
    controlled = {
        "term_type": TERM_TYPES,
        "ambiguity": AMBIGUITY,
        "needs_other_signal": ("yes", "no"),
        "handling": ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER"),
        "platforms": PLATFORMS,
    }
    for col, (name, values) in enumerate(controlled.items(), start=1):
        letter = get_column_letter(col)
        lists.cell(row=1, column=col, value=name).font = Font(bold=True)
        for r, value in enumerate(values, start=2):
            lists.cell(row=r, column=col, value=value)
        target = get_column_letter(names.index(name) + 1)
        strict = name != "platforms"  # several platforms go in one cell, ';'-separated
        validation = DataValidation(
            type="list",
            formula1=f"=lists!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=strict,
            error=f"Choose a value from the list ({name}).",
        )
        validation.add(f"{target}2:{target}20001")
        sheet.add_data_validation(validation)
    help_sheet = workbook.create_sheet("help")
    help_sheet.append(["column", "what it holds"])
    for name, text in COLUMNS.items():
        help_sheet.append([name, text])
    help_sheet.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""A report's sections as files: PDF (WeasyPrint), XLSX (openpyxl) and CSV.

All three render the same Sections as the report page (sections.build_sections), so a figure reads the same
everywhere. The spreadsheet formats carry raw values: numbers as numbers, dates as dates, an unavailable
value as an empty cell with the reason beside it, never a 0 or a formatted string.

CSV is one file in long form — ``section, block, row, column, value, unit, note`` — one line per value: a
single file any tool can filter or pivot, where a zip of one CSV per table would need unpacking and
joining. It is UTF-8 with a byte-order mark so spreadsheet programs read Cyrillic text right."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .periods import Period
from .sections import Section

# Text a spreadsheet program would run as a formula (=, +, -, @ and the control characters that hide them):
# post texts and names are untrusted, so such text is written as text (CSV: behind an apostrophe).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_FORBIDDEN = str.maketrans({character: " " for character in "[]:*?/\\"})
SHEET_NAME_LENGTH = 31


@dataclass
class ReportContent:
    """Everything a rendered report shows: what it is about, and its sections' data."""

    title: str
    workspace_name: str
    period: Period
    channel_names: list[str]  # empty = every channel of the workspace
    sections: list[Section]
    generated_at: datetime

    @property
    def generated_local(self) -> datetime:
        return timezone.localtime(self.generated_at, self.period.zone)

    def filename(self, extension: str) -> str:
        name = slugify(self.title, allow_unicode=False) or "report"
        return f"{name}-{self.period.start:%Y-%m-%d}-{self.period.end:%Y-%m-%d}.{extension}"


# PDF -----------------------------------------------------------------------------------------------------


def render_pdf(content: ReportContent) -> bytes:
    """The print template through WeasyPrint (imported here: it takes seconds to load, which every other
    process of Tandem is spared). The PDF's only resources are the charts, embedded as data: URIs; anything
    else (a link in an SVG, a font URL) is refused rather than fetched, so rendering never touches the
    network or the disk. Fonts come from the system (DejaVu)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string("analytics/report_print.html", {"report": content})
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",), timeout=1)).write_pdf()


# XLSX ----------------------------------------------------------------------------------------------------


def _spreadsheet_value(value, zone):
    """A raw value a spreadsheet stores as it is; aware datetimes become the workspace's local time (Excel
    has no time zones)."""
    if isinstance(value, datetime):
        return timezone.localtime(value, zone).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool | int | float | Decimal | date) or value is None:
        return value
    return str(value)


def _sheet_title(title: str, taken: set[str]) -> str:
    base = (title.translate(SHEET_NAME_FORBIDDEN).strip() or _("Section"))[:SHEET_NAME_LENGTH]
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: SHEET_NAME_LENGTH - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


class _Sheet:
    """Appends rows to a worksheet: text that looks like a formula stays text, dates get a date format."""

    def __init__(self, worksheet, zone):
        from openpyxl.styles import Font

        self.worksheet, self.zone, self.bold = worksheet, zone, Font(bold=True)
        self.widths: dict[int, int] = {}

    def row(self, values, bold=False):
        self.worksheet.append([_spreadsheet_value(value, self.zone) for value in values])
        for index, cell in enumerate(self.worksheet[self.worksheet.max_row], start=1):
            if cell.data_type == "f":  # openpyxl reads a leading "=" as a formula
                cell.data_type = "s"
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            if bold:
                cell.font = self.bold
            shown = len(str(cell.value)) if cell.value is not None else 0
            self.widths[index] = min(max(self.widths.get(index, 8), shown + 2), 60)

    def blank(self):
        self.worksheet.append([])

    def finish(self):
        from openpyxl.utils import get_column_letter

        for index, width in self.widths.items():
            self.worksheet.column_dimensions[get_column_letter(index)].width = width


def render_xlsx(content: ReportContent) -> bytes:
    """One sheet per section (its figures, then each table with a header row), then a Notes sheet: what
    the report covers, every formula and method, and why an empty cell is empty. (openpyxl is imported
    here, like WeasyPrint, to keep it out of the start of every process.)"""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    zone = content.period.zone
    taken: set[str] = set()
    notes: list[list] = []
    unavailable = _("unavailable")
    for section in content.sections:
        sheet = _Sheet(workbook.create_sheet(_sheet_title(section.title, taken)), zone)
        sheet.row([section.title], bold=True)
        if section.empty:
            sheet.row([section.empty])
            notes.append([section.title, "", section.empty])
        if section.figures:
            sheet.row(
                [
                    _("Figure"),
                    _("Value"),
                    _("Previous period"),
                    _("Change, %"),
                    _("Unit"),
                    _("Formula"),
                    _("Note"),
                ],
                bold=True,
            )
            for figure in section.figures:
                sheet.row(
                    [
                        figure.label,
                        figure.value,
                        figure.previous,
                        figure.change,
                        figure.unit,
                        figure.formula,
                        figure.unavailable or (unavailable if figure.value is None else ""),
                    ]
                )
                if figure.formula:
                    notes.append([section.title, figure.label, figure.formula])
                if figure.value is None:
                    notes.append([section.title, figure.label, figure.unavailable or unavailable])
        for table in section.tables:
            sheet.blank()
            sheet.row([table.title], bold=True)
            sheet.row(table.columns, bold=True)
            for row in table.rows:
                sheet.row(row)
            if any(value is None for row in table.rows for value in row):
                notes.append(
                    [section.title, table.title, _("An empty cell is a value the platform does not give.")]
                )
            notes.extend([section.title, table.title, note] for note in table.notes)
        sheet.finish()

    about = _Sheet(workbook.create_sheet(_sheet_title(_("Notes"), taken)), zone)
    about.row([content.title], bold=True)
    about.row([_("Workspace"), content.workspace_name])
    about.row([_("First day"), content.period.start])
    about.row([_("Last day"), content.period.end])
    about.row([_("Time zone"), content.period.time_zone])
    about.row([_("Channels"), ", ".join(content.channel_names) or _("Every channel")])
    about.row([_("Generated"), content.generated_at])
    about.blank()
    about.row([_("Section"), _("About"), _("Note")], bold=True)
    for note in notes:
        about.row(note)
    about.finish()
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# CSV -----------------------------------------------------------------------------------------------------


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def render_csv(content: ReportContent) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "block", "row", "column", "value", "unit", "note"])
    figures_block = _("Figures")
    unavailable = _("unavailable")
    for section in content.sections:
        if section.empty:
            writer.writerow([section.key, "", "", "", "", "", _csv_value(section.empty)])
        for figure in section.figures:
            for column, value, unit, note in (
                ("value", figure.value, figure.unit, figure.formula),
                ("previous", figure.previous, figure.unit, ""),
                ("change_percent", figure.change, "%", ""),
            ):
                if value is None and column != "change_percent":
                    note = figure.unavailable or unavailable
                writer.writerow(
                    [section.key, figures_block, _csv_value(figure.label), column, _csv_value(value), unit,
                     _csv_value(note)]
                )  # fmt: skip
        for table in section.tables:
            for number, row in enumerate(table.rows, start=1):
                for column, value in zip(table.columns, row, strict=False):
                    writer.writerow(
                        [
                            section.key,
                            _csv_value(table.title),
                            number,
                            _csv_value(column),
                            _csv_value(value),
                            "",
                            unavailable if value is None else "",
                        ]
                    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


FORMATS = {
    "pdf": ("application/pdf", render_pdf),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", render_xlsx),
    "csv": ("text/csv; charset=utf-8", render_csv),
}

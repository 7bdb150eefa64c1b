"""A patient's record as a readable PDF, laid out with fpdf2 (A4, portrait).

The document has a title with the patient's name and MRN and the time it was generated (UTC),
the demographics as label/value lines, then one table per section (its columns as headers,
long cells wrapped). A section that was cut at the export's limit says so.

Fonts: DejaVu Sans (Unicode) when the machine has it (``/usr/share/fonts/truetype/dejavu``);
otherwise the PDF core font Helvetica, with text folded to Latin-1 (accents kept where Latin-1
has them, other characters as ``?``). Every page has a footer "Confidential: patient record",
and its number.
"""

import logging
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from prm.application.patients.export_patient import rfc3339
from prm.application.patients.export_ports import Cell, PatientRecord, RecordSection

# fpdf2 logs the characters a font lacks: a patient's name must not reach the logs that way.
logging.getLogger("fpdf").setLevel(logging.ERROR)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_FONT = "DejaVu"
# Columns whose text is long (message bodies, titles) get more of the page's width.
_WIDE = {"body": 3, "title": 2, "subject": 2, "reason": 2}
_CELL_LIMIT = 1_000
"""Characters of one cell shown in the PDF (a message body longer than that ends with "…")."""


class _RecordPdf(FPDF):
    def __init__(self, unicode_font: bool) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.unicode_font = unicode_font
        self.set_auto_page_break(auto=True, margin=15)
        if unicode_font:
            self.add_font(_FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font(_FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.family = _FONT if unicode_font else "Helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 8, f"Confidential: patient record. Page {self.page_no()}/{{nb}}", align="C")

    def text_of(self, value: Cell) -> str:
        if value is None:
            return ""
        text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        if len(text) > _CELL_LIMIT:
            text = text[: _CELL_LIMIT - 1] + "…"
        if not self.unicode_font:
            text = text.replace("…", "...").encode("latin-1", "replace").decode("latin-1")
        return text


def render_pdf(record: PatientRecord) -> bytes:
    """The record as PDF bytes (``%PDF-1.x`` … ``%%EOF``)."""
    pdf = _RecordPdf(
        unicode_font=(FONT_DIR / "DejaVuSans.ttf").exists() and (FONT_DIR / "DejaVuSans-Bold.ttf").exists()
    )
    pdf.set_title(f"Patient record {record.mrn}")
    pdf.set_creator("PRM")
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 16)
    pdf.multi_cell(0, 9, pdf.text_of(record.full_name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    pdf.multi_cell(
        0,
        6,
        pdf.text_of(f"MRN {record.mrn} · generated {rfc3339(record.generated_at.replace(microsecond=0))}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    _heading(pdf, "Demographics")
    pdf.set_font(pdf.family, "", 9)
    with pdf.table(col_widths=(1, 3), first_row_as_headings=False, text_align="LEFT") as table:
        for label, value in record.demographics:
            row = table.row()
            row.cell(label.replace("_", " "), style=FontFace(emphasis="BOLD"))
            row.cell(pdf.text_of(value))
    for section in record.sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _heading(pdf: _RecordPdf, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(pdf.family, "B", 12)
    pdf.cell(0, 8, pdf.text_of(text), new_x="LMARGIN", new_y="NEXT")


def _section(pdf: _RecordPdf, section: RecordSection) -> None:
    _heading(pdf, f"{section.title} ({len(section.rows)}{'+' if section.truncated else ''})")
    pdf.set_font(pdf.family, "", 7)
    if not section.rows:
        pdf.cell(0, 6, "None recorded.", new_x="LMARGIN", new_y="NEXT")
        return
    widths = tuple(_WIDE.get(column, 1) for column in section.columns)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=pdf.font_size * 1.5) as table:
        header = table.row()
        for column in section.columns:
            header.cell(column.replace("_", " "))
        for values in section.rows:
            row = table.row()
            for column in section.columns:
                row.cell(pdf.text_of(values.get(column)))
    if section.truncated:
        pdf.set_font(pdf.family, "", 8)
        pdf.cell(0, 6, "This section was cut at the export's limit.", new_x="LMARGIN", new_y="NEXT")

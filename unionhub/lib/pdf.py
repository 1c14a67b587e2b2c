"""PDF documents with Chinese text: ReportLab, embedding WenQuanYi Micro Hei (Debian fonts-wqy-microhei).

Documents are described as a title, a list of (label, value) rows and paragraphs; the font is embedded so the
text prints and extracts correctly. ReportLab fails loudly if the font is missing (never a silent Latin fallback).
"""

import io
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_NAME = "WenQuanYiMicroHei"
FONT_PATHS = [
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
]


def _register_font() -> str:
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    for path in FONT_PATHS:
        if path.exists():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
            return FONT_NAME
    raise ImproperlyConfigured("CJK font not found: install the Debian package fonts-wqy-microhei")


def styles() -> dict[str, ParagraphStyle]:
    font = _register_font()
    return {
        "title": ParagraphStyle(
            "title", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=8 * mm
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=11, leading=18, firstLineIndent=22),
        "plain": ParagraphStyle("plain", fontName=font, fontSize=11, leading=18),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=10, leading=14),
        "right": ParagraphStyle("right", fontName=font, fontSize=11, leading=18, alignment=2),
    }


def render(
    *,
    title: str,
    rows: list[tuple[str, str]] = (),
    paragraphs: list[str] = (),
    closing: list[str] = (),
    table_rows: list[list[str]] | None = None,
) -> bytes:
    """A one-document PDF: title, a two-column form table, paragraphs, an optional grid, right-aligned closing."""
    s = styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=title,
    )
    story = [Paragraph(escape(title), s["title"])]
    if rows:
        data = [[Paragraph(escape(k), s["cell"]), Paragraph(escape(str(v)), s["cell"])] for k, v in rows]
        table = Table(data, colWidths=[40 * mm, 130 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [table, Spacer(1, 6 * mm)]
    for text in paragraphs:
        story += [Paragraph(escape(text), s["body"]), Spacer(1, 2 * mm)]
    if table_rows:
        grid = Table(
            [[Paragraph(escape(str(c)), s["cell"]) for c in row] for row in table_rows], repeatRows=1
        )
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ]
            )
        )
        story += [grid, Spacer(1, 6 * mm)]
    if closing:
        story.append(Spacer(1, 10 * mm))
        story += [Paragraph(escape(text), s["right"]) for text in closing]
    doc.build(story)
    return buffer.getvalue()


def escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def pdf_response(content: bytes, filename: str):
    from django.http import HttpResponse

    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)

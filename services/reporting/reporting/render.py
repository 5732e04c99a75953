"""A monthly report (SPEC section 6) as CSV and as a printable A4 PDF with charts: pure functions of the report dict
that `domain.monthly_report` builds.

    {"period": "2026-03", "institution": "GOV-06" or None (the state),
     "received": {"total", "by_kind": {...}, "by_subject": {...}, "by_channel": {...}},
     "answered": {"total", "positive", "negative", "positive_share", "negative_share"},
     "response_days": {"mean", "median"}, "open_at_month_end", "overdue_at_month_end", "closed",
     "ratings": {"count", "mean", "solved_share"}}

The CSV has one row per figure (`section,key,value`; nested sections dotted, such as `received.by_subject`, and the
report's own scalars under `report`), so `from_csv(to_csv(report)) == report`. The PDF is set in DejaVu Sans, whose
glyphs cover Turkish (ReportLab's built-in Helvetica has no ğ, ş, ı): the system's TTF, or one named by
`CIMER_REPORT_FONT`.

A month's open data (`domain.open_data`) has a CSV of its own, one row per count shown (`open_data_to_csv`).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cimer_common import calendar
from reporting.domain import OPEN_DATA_MEASURES

# --- CSV -----------------------------------------------------------------------------------------------------------

CSV_HEADER = ("section", "key", "value")
TOP = "report"  # the section of the report's own scalars (period, institution, open and overdue at month end)
_INT = re.compile(r"^-?\d+$")
_FLOAT = re.compile(r"^-?\d+\.\d*(e-?\d+)?$|^-?\d+e-?\d+$")


def _rows(data: Mapping[str, Any], section: str | None) -> Iterator[tuple[str, str, Any]]:
    for key, value in data.items():
        if isinstance(value, Mapping):
            yield from _rows(value, key if section is None else f"{section}.{key}")
        else:
            yield (section or TOP, key, value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)  # repr of a float round-trips exactly


def to_csv(report: Mapping[str, Any], bom: bool = False) -> str:
    """One row per figure: `section,key,value`, a header row first; None is an empty value. `bom` puts a UTF-8
    byte order mark first, which spreadsheet programs need to read Turkish letters as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for section, key, value in _rows(report, None):
        writer.writerow((section, key, _cell(value)))
    return ("\ufeff" if bom else "") + out.getvalue()


def _value(text: str) -> Any:
    if text == "":
        return None
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def from_csv(text: str) -> dict[str, Any]:
    """The report back from `to_csv`'s text (numbers as numbers, empty as None). A breakdown with no categories
    has no rows, so it does not come back (the domain always lists every known category, zeros included)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(header) != CSV_HEADER:
        raise ValueError(f"not a report CSV: header {header!r}")
    report: dict[str, Any] = {}
    for section, key, value in reader:
        target = report
        if section != TOP:
            for part in section.split("."):
                target = target.setdefault(part, {})
        target[key] = _value(value)
    return report


OPEN_DATA_HEADER = ("period", "measure", "institution", "subject", "count")


def open_data_to_csv(data: Mapping[str, Any], bom: bool = False) -> str:
    """A month's open data (`domain.open_data`) as one row per count shown, `period,measure,institution,subject,
    count` (long form, as open-data portals load it), a header row first; the measures in `OPEN_DATA_MEASURES`'
    order. `bom` as in `to_csv`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(OPEN_DATA_HEADER)
    for measure in OPEN_DATA_MEASURES:
        for row in data.get(measure, []):
            writer.writerow((data["period"], measure, row["institution"], row["subject"], row["count"]))
    return ("\ufeff" if bom else "") + out.getvalue()


# --- Labels --------------------------------------------------------------------------------------------------------


TEXT = {
    "tr": {
        "title": "Aylık Rapor",
        "state": "Türkiye Geneli",
        "received": "Alınan başvurular",
        "total": "Toplam",
        "by_kind": "Türüne göre",
        "by_channel": "Kanalına göre",
        "by_subject": "Konusuna göre",
        "answered": "Cevaplanan başvurular",
        "positive": "Olumlu",
        "negative": "Olumsuz",
        "count": "Sayı",
        "share": "Oran",
        "response": "Cevaplama süresi (gün)",
        "mean": "Ortalama",
        "median": "Medyan",
        "month_end": "Ay sonu durumu",
        "open": "Açık (cevap bekleyen)",
        "overdue": "Süresi geçmiş",
        "closed": "Kapanan başvurular (itiraz süresi dolan)",
        "ratings": "Başvuru sahiplerinin değerlendirmeleri",
        "rating_mean": "Ortalama puan (1-5)",
        "solved_share": "Sorunu çözülenlerin oranı",
        "outcomes_chart": "Cevapların sonucu",
        "subjects_chart": "Konularına göre alınan başvurular",
        "response_chart": "Cevaplama süresi (gün)",
        "no_data": "Veri yok",
        "figure": "Gösterge",
        "value": "Değer",
        "institution": "Kurum",
        "period": "Dönem",
    },
    "en": {
        "title": "Monthly Report",
        "state": "Whole State",
        "received": "Applications received",
        "total": "Total",
        "by_kind": "By kind",
        "by_channel": "By channel",
        "by_subject": "By subject",
        "answered": "Applications answered",
        "positive": "Positive",
        "negative": "Negative",
        "count": "Count",
        "share": "Share",
        "response": "Response time (days)",
        "mean": "Mean",
        "median": "Median",
        "month_end": "At month end",
        "open": "Open (awaiting an answer)",
        "overdue": "Overdue",
        "closed": "Applications closed (appeal time over)",
        "ratings": "Applicants' ratings",
        "rating_mean": "Mean rating (1-5)",
        "solved_share": "Share solved",
        "outcomes_chart": "Outcome of the answers",
        "subjects_chart": "Applications received by subject",
        "response_chart": "Response time (days)",
        "no_data": "No data",
        "figure": "Figure",
        "value": "Value",
        "institution": "Institution",
        "period": "Period",
    },
}

CATEGORIES = {
    "tr": {
        "information_request": "Bilgi edinme başvurusu",
        "petition": "Dilekçe",
        "ethics_complaint": "Etik ihlal şikâyeti",
        "human_rights": "İnsan hakları ihlali",
        "web": "İnternet",
        "phone": "Telefon (Alo 150)",
        "in_person": "Şahsen",
        "education": "Eğitim",
        "health": "Sağlık",
        "security": "Güvenlik",
        "civil_registry": "Nüfus ve vatandaşlık",
        "local_services": "Yerel hizmetler",
        "transport": "Ulaştırma",
        "environment": "Çevre ve şehircilik",
        "social_services": "Sosyal hizmetler",
        "employment": "Çalışma ve istihdam",
        "finance": "Maliye",
        "justice": "Adalet",
        "agriculture": "Tarım",
        "trade": "Ticaret",
        "industry": "Sanayi",
        "energy": "Enerji",
        "culture": "Kültür ve turizm",
        "youth_sports": "Gençlik ve spor",
        "foreign_affairs": "Dışişleri",
        "defence": "Savunma",
        "other": "Diğer",
    },
    "en": {
        "information_request": "Information request",
        "petition": "Petition",
        "ethics_complaint": "Ethics complaint",
        "human_rights": "Human rights",
        "web": "Web",
        "phone": "Phone (Alo 150)",
        "in_person": "In person",
        "civil_registry": "Civil registry",
        "local_services": "Local services",
        "social_services": "Social services",
        "youth_sports": "Youth and sports",
        "foreign_affairs": "Foreign affairs",
    },
}


def _category(key: str, language: str) -> str:
    return CATEGORIES[language].get(key) or key.replace("_", " ").capitalize()


def _check_language(language: str) -> str:
    if language not in TEXT:
        raise ValueError(f"unsupported language {language!r}: one of {', '.join(TEXT)}")
    return language


def month_name(period: str, language: str = "tr") -> str:
    """`2026-03` → `Mart 2026`."""
    return calendar.month_name(period, _check_language(language))


def title(report: Mapping[str, Any], institution_name: str | None = None, language: str = "tr") -> str:
    """`Aylık Rapor — Ankara Valiliği — Mart 2026`; the institution's code without a name, the state as such."""
    words = TEXT[_check_language(language)]
    who = institution_name or report.get("institution") or words["state"]
    return f"{words['title']} — {who} — {month_name(report['period'], language)}"


def number(value: int | float | None, language: str = "tr", decimals: int = 0) -> str:
    """`5500000` → `5.500.000`, `9.25` → `9,3` in Turkish; `—` for a missing figure."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    if language == "tr":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def percent(share: float | None, language: str = "tr") -> str:
    """`0.601` → `%60,1` in Turkish (the sign goes first), `60.1%` in English."""
    if share is None:
        return "—"
    figure = number(share * 100, language, 1)
    return f"%{figure}" if language == "tr" else f"{figure}%"


# --- Font ----------------------------------------------------------------------------------------------------------

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_DIRECTORIES = (
    "/usr/share/fonts/truetype/dejavu",  # Debian's fonts-dejavu-core
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/Library/Fonts",
)


def _find_font(filename: str) -> Path:
    explicit = os.environ.get("CIMER_REPORT_FONT")
    candidates = [Path(directory) / filename for directory in FONT_DIRECTORIES]
    if explicit:
        candidates.insert(0, Path(explicit).with_name(filename))
    try:  # matplotlib ships DejaVu Sans, where it is installed
        import matplotlib  # type: ignore[import-not-found]

        candidates.append(Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / filename)
    except ImportError:
        pass
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise RuntimeError(
        f"no {filename} found (tried {', '.join(map(str, candidates))}): install Debian's fonts-dejavu-core, or set "
        "CIMER_REPORT_FONT to the path of DejaVuSans.ttf"
    )


@cache
def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular and bold) with ReportLab once; their names."""
    pdfmetrics.registerFont(TTFont(FONT, str(_find_font("DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_find_font("DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return FONT, FONT_BOLD


# --- PDF -----------------------------------------------------------------------------------------------------------

PAGE_WIDTH = A4[0] - 36 * mm  # between the margins
POSITIVE = colors.HexColor("#2e7d32")
NEGATIVE = colors.HexColor("#c62828")
BAR = colors.HexColor("#1f5f9e")
HEAD = colors.HexColor("#dfe7f1")


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _chart_title(drawing: Drawing, text: str) -> None:
    drawing.add(
        String(drawing.width / 2, drawing.height - 12, text, fontName=FONT_BOLD, fontSize=10, textAnchor="middle")
    )


def _no_data(drawing: Drawing, text: str) -> Drawing:
    drawing.add(String(drawing.width / 2, drawing.height / 2, text, fontName=FONT, fontSize=9, textAnchor="middle"))
    return drawing


def outcomes_chart(answered: Mapping[str, Any], language: str, width: float = 230, height: float = 170) -> Drawing:
    """A pie of the positive and negative answers, with their shares."""
    words = TEXT[language]
    drawing = Drawing(width, height)
    _chart_title(drawing, words["outcomes_chart"])
    positive, negative = answered.get("positive") or 0, answered.get("negative") or 0
    if positive + negative == 0:
        return _no_data(drawing, words["no_data"])
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = 20, 25, 105, 105
    pie.data = [positive, negative]
    pie.labels = [
        percent(answered.get("positive_share"), language),
        percent(answered.get("negative_share"), language),
    ]
    pie.simpleLabels = True
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 1
    pie.slices.fontName = FONT
    pie.slices.fontSize = 8
    pie.slices[0].fillColor = POSITIVE
    pie.slices[1].fillColor = NEGATIVE
    pie.slices.labelRadius = 0.65
    pie.slices.fontColor = colors.white
    drawing.add(pie)
    for row, (label, color, count) in enumerate(
        ((words["positive"], POSITIVE, positive), (words["negative"], NEGATIVE, negative))
    ):
        y = 95 - row * 18
        drawing.add(_swatch(140, y, color))
        drawing.add(String(153, y + 1, f"{label}: {number(count, language)}", fontName=FONT, fontSize=8))
    return drawing


def _swatch(x: float, y: float, color: colors.Color) -> Any:
    from reportlab.graphics.shapes import Rect

    return Rect(x, y, 9, 9, fillColor=color, strokeColor=None)


def _axis_max(values: list[float]) -> float:
    top = max([v for v in values if v is not None] or [0])
    return top * 1.15 if top > 0 else 1


def subjects_chart(by_subject: Mapping[str, int], language: str, width: float = PAGE_WIDTH) -> Drawing:
    """Horizontal bars of the received applications by subject, the largest first."""
    words = TEXT[language]
    items = sorted(by_subject.items(), key=lambda item: (-item[1], item[0]))
    height = 40 + 13 * max(len(items), 1)
    drawing = Drawing(width, height)
    _chart_title(drawing, words["subjects_chart"])
    if not items:
        return _no_data(drawing, words["no_data"])
    chart = HorizontalBarChart()
    chart.x, chart.y = 125, 12
    chart.width, chart.height = width - 175, height - 38
    # The bar chart draws the first category at the bottom: reversed, the largest is on top.
    chart.data = [[count for _, count in reversed(items)]]
    chart.categoryAxis.categoryNames = [_category(key, language) for key, _ in reversed(items)]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _axis_max(chart.data[0])
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda value: number(value, language)
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.lightgrey
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = lambda value: number(value, language)
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6.5
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def response_chart(response_days: Mapping[str, Any], language: str, width: float = 230, height: float = 170) -> Drawing:
    """Two bars: the mean and the median days to an answer."""
    words = TEXT[language]
    drawing = Drawing(width, height)
    _chart_title(drawing, words["response_chart"])
    values = [response_days.get("mean"), response_days.get("median")]
    if all(value is None for value in values):
        return _no_data(drawing, words["no_data"])
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 25, width - 60, height - 50
    chart.data = [[value or 0 for value in values]]
    chart.categoryAxis.categoryNames = [words["mean"], words["median"]]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _axis_max(chart.data[0])
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = lambda value: number(value, language)
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.lightgrey
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barWidth = 20
    chart.barLabelFormat = lambda value: number(value, language, 1)
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 7
    drawing.add(chart)
    return drawing


def _received(report: Mapping[str, Any]) -> Mapping[str, Any]:
    received = report.get("received")
    if isinstance(received, Mapping):
        return received
    # `domain.monthly_received`'s flatter shape: the total under `received`, the breakdowns beside it.
    return {"total": received, **{key: report.get(key, {}) for key in ("by_kind", "by_subject", "by_channel")}}


def to_pdf(report: Mapping[str, Any], language: str = "tr", institution_name: str | None = None) -> bytes:
    """The report as a printable A4 PDF: title, the figures in tables, and charts of the outcomes, the subjects and
    the response time. `institution_name` (`Ankara Valiliği`) goes in the title instead of the code."""
    words = TEXT[_check_language(language)]
    register_fonts()
    received = _received(report)
    answered: Mapping[str, Any] = report.get("answered") or {}
    response: Mapping[str, Any] = report.get("response_days") or {}
    ratings: Mapping[str, Any] = report.get("ratings") or {}
    heading = title(report, institution_name, language)

    style_title = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=15, leading=19, alignment=TA_CENTER)
    style_sub = ParagraphStyle("sub", fontName=FONT, fontSize=9, leading=12, alignment=TA_CENTER)
    style_h = ParagraphStyle("h", fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)

    half = PAGE_WIDTH / 2 - 4 * mm
    story: list[Any] = [
        Paragraph(_escape(heading), style_title),
        Paragraph(
            _escape(
                f"{words['institution']}: {report.get('institution') or words['state']} · "
                f"{words['period']}: {report['period']}"
            ),
            style_sub,
        ),
        Spacer(1, 5 * mm),
    ]

    summary = [
        [words["figure"], words["value"]],
        [f"{words['received']} — {words['total']}", number(received.get("total"), language)],
        [f"{words['answered']} — {words['total']}", number(answered.get("total"), language)],
        [f"{words['response']} — {words['mean']}", number(response.get("mean"), language, 1)],
        [f"{words['response']} — {words['median']}", number(response.get("median"), language, 1)],
        [f"{words['month_end']} — {words['open']}", number(report.get("open_at_month_end"), language)],
        [f"{words['month_end']} — {words['overdue']}", number(report.get("overdue_at_month_end"), language)],
        [words["closed"], number(report.get("closed"), language)],
        [f"{words['ratings']} — {words['count']}", number(ratings.get("count"), language)],
        [f"{words['ratings']} — {words['rating_mean']}", number(ratings.get("mean"), language, 2)],
        [f"{words['ratings']} — {words['solved_share']}", percent(ratings.get("solved_share"), language)],
    ]
    outcomes = [
        [words["answered"], words["count"], words["share"]],
        [
            words["positive"],
            number(answered.get("positive"), language),
            percent(answered.get("positive_share"), language),
        ],
        [
            words["negative"],
            number(answered.get("negative"), language),
            percent(answered.get("negative_share"), language),
        ],
        [words["total"], number(answered.get("total"), language), ""],
    ]
    story += [
        Paragraph(_escape(words["received"]), style_h),
        _table(summary, [PAGE_WIDTH - 45 * mm, 45 * mm]),
        Spacer(1, 4 * mm),
        Table(
            [[outcomes_chart(answered, language, half), response_chart(response, language, half)]],
            colWidths=[half + 4 * mm, half + 4 * mm],
        ),
        _table(outcomes, [PAGE_WIDTH - 70 * mm, 35 * mm, 35 * mm]),
    ]
    for key in ("by_kind", "by_channel"):
        counts: Mapping[str, int] = received.get(key) or {}
        rows = [[words[key], words["count"], words["share"]]]
        total = sum(counts.values())
        for category, count in counts.items():
            rows.append(
                [_category(category, language), number(count, language), percent(_share(count, total), language)]
            )
        story += [
            KeepTogether([Paragraph(_escape(f"{words['received']} — {words[key]}"), style_h)]),
            _table(rows, [PAGE_WIDTH - 70 * mm, 35 * mm, 35 * mm]),
        ]
    by_subject: Mapping[str, int] = received.get("by_subject") or {}
    subject_total = sum(by_subject.values())
    subject_rows = [[words["by_subject"], words["count"], words["share"]]]
    for category, count in sorted(by_subject.items(), key=lambda item: (-item[1], item[0])):
        subject_rows.append(
            [_category(category, language), number(count, language), percent(_share(count, subject_total), language)]
        )
    story += [
        KeepTogether(
            [
                Paragraph(_escape(f"{words['received']} — {words['by_subject']}"), style_h),
                subjects_chart(by_subject, language),
            ]
        ),
        Spacer(1, 3 * mm),
        _table(subject_rows, [PAGE_WIDTH - 70 * mm, 35 * mm, 35 * mm]),
    ]

    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=heading,
        author="CİMER",
        subject=heading,
        invariant=True,  # the same report gives the same bytes
    )
    footer = f"CİMER · {heading}"

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(18 * mm, 9 * mm, footer)
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, str(doc.page))
        canvas.restoreState()

    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

"""Unit tests of `render`: the monthly report as CSV and as a printable PDF."""

import shutil
import subprocess

import pytest

from reporting import render
from reporting.domain import CHANNELS, KINDS, SUBJECTS

REPORT = {
    "period": "2026-03",
    "institution": "GOV-06",
    "received": {
        "total": 41234,
        "by_kind": dict(zip(KINDS, [6100, 31000, 1200, 2934], strict=True)),
        "by_subject": {subject: 100 + 37 * n for n, subject in enumerate(SUBJECTS)},
        "by_channel": dict(zip(CHANNELS, [28900, 10300, 2034], strict=True)),
    },
    "answered": {"total": 39000, "positive": 23400, "negative": 15600, "positive_share": 0.6, "negative_share": 0.4},
    "response_days": {"mean": 11.3, "median": 9.1},
    "open_at_month_end": 5120,
    "overdue_at_month_end": 1850,
}
EMPTY_STATE = {
    "period": "2026-12",
    "institution": None,
    "received": {"total": 0, "by_kind": {}, "by_subject": {}, "by_channel": {}},
    "answered": {"total": 0, "positive": 0, "negative": 0, "positive_share": None, "negative_share": None},
    "response_days": {"mean": None, "median": None},
    "open_at_month_end": 0,
    "overdue_at_month_end": 0,
}


def test_csv_round_trips_the_figures():
    text = render.to_csv(REPORT)
    assert text.splitlines()[0] == "section,key,value"
    assert render.from_csv(text) == REPORT


def test_csv_has_one_row_per_figure():
    rows = render.to_csv(REPORT).splitlines()[1:]
    figures = 2 + 1 + len(KINDS) + len(SUBJECTS) + len(CHANNELS) + 5 + 2 + 2
    assert len(rows) == figures
    assert "received.by_subject,health,137" in rows
    assert "answered,positive_share,0.6" in rows
    assert "report,open_at_month_end,5120" in rows


def test_csv_keeps_none_and_turkish_text():
    received = {**REPORT["received"], "by_subject": {**REPORT["received"]["by_subject"], "İğdır ışığı": 3}}
    report = {**REPORT, "institution": None, "received": received, "response_days": {"mean": None, "median": 2.5}}
    text = render.to_csv(report, bom=True)
    assert text.startswith("\ufeffsection,key,value")
    assert text.encode("utf-8").decode("utf-8") == text
    assert "report,institution,\r\n" in text
    assert render.from_csv(text) == report


def test_from_csv_rejects_another_file():
    with pytest.raises(ValueError):
        render.from_csv("a,b,c\n1,2,3\n")


def test_title_and_numbers_in_turkish():
    assert render.title(REPORT, "Ankara Valiliği") == "Aylık Rapor — Ankara Valiliği — Mart 2026"
    assert render.title(EMPTY_STATE) == "Aylık Rapor — Türkiye Geneli — Aralık 2026"
    assert render.title(REPORT, language="en") == "Monthly Report — GOV-06 — March 2026"
    assert render.number(5500000) == "5.500.000"
    assert render.number(9.75, decimals=1) == "9,8"
    assert render.number(1234.5, "en", 1) == "1,234.5"
    assert render.percent(0.601) == "%60,1"
    assert render.number(None) == "—"
    with pytest.raises(ValueError):
        render.title(REPORT, language="fr")


def _text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftotext"):
        extracted = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True)
        return extracted.stdout.decode()
    pytest.skip("pdftotext (poppler-utils) is not installed")


def test_pdf_is_a_pdf_with_the_turkish_title(tmp_path):
    pdf = render.to_pdf(REPORT, institution_name="Ankara Valiliği")
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")
    # The Turkish glyphs come from an embedded TrueType font, not from Helvetica.
    assert b"DejaVuSans" in pdf
    text = _text_of(pdf, tmp_path)
    assert "Aylık Rapor — Ankara Valiliği — Mart 2026" in text
    for word in ("Başvurular".lower(), "Olumsuz", "Süresi geçmiş", "Sağlık", "Şahsen", "Dışişleri"):
        assert word in text or word in text.lower(), word
    assert "41.234" in text
    assert "%60,0" in text


def test_pdf_has_the_charts(tmp_path):
    pdf = render.to_pdf(REPORT)
    text = _text_of(pdf, tmp_path)
    for chart in ("Cevapların sonucu", "Konularına göre alınan başvurular", "Cevaplama süresi (gün)"):
        assert chart in text
    assert "Ortalama" in text and "Medyan" in text


def test_pdf_of_an_empty_month_of_the_state(tmp_path):
    pdf = render.to_pdf(EMPTY_STATE)
    text = _text_of(pdf, tmp_path)
    assert "Aylık Rapor — Türkiye Geneli — Aralık 2026" in text
    assert "Veri yok" in text


def test_pdf_in_english(tmp_path):
    text = _text_of(render.to_pdf(REPORT, language="en"), tmp_path)
    assert "Monthly Report — GOV-06 — March 2026" in text
    assert "Civil registry" in text


def test_pdf_is_the_same_for_the_same_report():
    assert render.to_pdf(REPORT) == render.to_pdf(REPORT)


def test_pdf_renders_to_an_image(tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(render.to_pdf(REPORT, institution_name="Ankara Valiliği"))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 1
    assert all(page.read_bytes().startswith(b"\x89PNG") for page in pages)


def test_open_data_as_csv_is_one_row_per_count_shown():
    data = {
        "period": "2026-03",
        "threshold": 5,
        "received": [{"institution": "GOV-06", "subject": "health", "count": 12}],
        "positive": [],
        "negative": [{"institution": "other", "subject": "other", "count": 6}],
    }
    text = render.open_data_to_csv(data, bom=True)
    assert text.startswith("\ufeff")
    assert text.removeprefix("\ufeff").splitlines() == [
        "period,measure,institution,subject,count",
        "2026-03,received,GOV-06,health,12",
        "2026-03,negative,other,other,6",
    ]

"""HTML (self-contained: charts inlined) and PDF (xhtml2pdf) of one building-month's report, written to
`{reports_dir}/{building}/{YYYY-MM}/rapport-{building}-{YYYY-MM}.html|.pdf`."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from reportlab import rl_config
from xhtml2pdf import pisa

from linky_pipeline.lib.report.charts import daily_chart, hourly_chart
from linky_pipeline.lib.report.data import ReportData

rl_config.invariant = True  # no creation date or random id in the PDF: the same report gives the same bytes

_ENV = Environment(
    loader=PackageLoader("linky_pipeline.lib.report", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


class ReportRenderError(RuntimeError):
    """The PDF renderer reported errors (the HTML is kept for inspection)."""


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path
    pdf_sha256: str
    pdf_bytes: int


def _french(value: float | Decimal, decimals: int) -> str:
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def _change(now: float | Decimal | None, before: float | Decimal | None) -> str:
    if now is None or before is None or float(before) == 0:
        return "—"
    pct = 100 * (float(now) / float(before) - 1)
    return f"{'+' if pct >= 0 else '−'}{_french(abs(pct), 1)} %"


def render_html(data: ReportData) -> str:
    incomplete = [
        f"{day:%d/%m}"
        for day, kwh, completeness in zip(data.days["day"], data.days["kwh"], data.days["completeness"], strict=True)
        if kwh is not None and float(completeness) < 1
    ]
    return _ENV.get_template("monthly.html").render(
        d=data,
        daily_png=base64.b64encode(daily_chart(data.days)).decode(),
        hourly_png=base64.b64encode(hourly_chart(data.hours)).decode(),
        kwh=lambda v: _french(v, 1),
        eur=lambda v: _french(v, 2),
        pct=lambda v: _french(100 * float(v), 1),
        change=_change,
        incomplete_days=incomplete[:20],
    )


def html_to_pdf(html: str) -> bytes:
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if status.err:
        raise ReportRenderError(f"xhtml2pdf reported {status.err} error(s)")
    return out.getvalue()


def report_paths(reports_dir: Path, building: str, month_key: str) -> tuple[Path, Path]:
    folder = reports_dir / building / month_key
    stem = f"rapport-{building}-{month_key}"
    return folder / f"{stem}.html", folder / f"{stem}.pdf"


def write_report(data: ReportData, reports_dir: Path) -> ReportFiles:
    """Render both files; each is written to a temporary name then renamed, so a reader never sees half a file."""
    html_path, pdf_path = report_paths(reports_dir, data.building_code, f"{data.month:%Y-%m}")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html = render_html(data)
    pdf = html_to_pdf(html)
    for path, content in ((html_path, html.encode()), (pdf_path, pdf)):
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(content)
        partial.replace(path)
    return ReportFiles(html_path, pdf_path, hashlib.sha256(pdf).hexdigest(), len(pdf))

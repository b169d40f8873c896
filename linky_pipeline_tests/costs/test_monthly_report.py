"""The monthly report of a priced building-month: its PDF's first page rendered to pixels shows the title, the
figures and the charts; the asset links the files; the monthly e-mail carries the PDF once."""

from __future__ import annotations

import email
from datetime import date
from email import policy
from pathlib import Path

import dagster as dg
import numpy as np
import psycopg
import pypdfium2 as pdfium
import pytest

from linky_pipeline.defs.assets.report import monthly_report
from linky_pipeline.defs.automation.monthly_report import monthly_report_email_sensor
from linky_pipeline.defs.automation.notifications import deliver_notifications
from linky_pipeline.defs.automation.runs import rectangle_tags
from linky_pipeline.defs.resources.notifier import NotifierResource
from linky_pipeline.defs.resources.reports import ReportsResource
from linky_pipeline.defs.resources.warehouse import WarehouseResource
from linky_pipeline.lib.domain.registry import building_months
from linky_pipeline.lib.notify.rules import AlertRuleSpec, add_rule
from linky_pipeline.lib.report.build import build_report
from linky_pipeline.lib.report.charts import COST_COLOUR, ENERGY_COLOUR
from linky_pipeline.lib.tables.tariff_store import add_tariff
from linky_pipeline.local.mailbox import LocalMailbox
from linky_pipeline_tests.support.hand_building import hand_building, rebuild_costs
from linky_pipeline_tests.support.hand_costs import hphc_tariff

MONTHS = [date(2026, 2, 1), date(2026, 3, 1)]


@pytest.fixture
def priced(db: psycopg.Connection, pg_url: str) -> str:
    hand_building(db, "hand", "54144800000000031", MONTHS)
    add_tariff(db, hphc_tariff("hand"))
    db.execute(
        "INSERT INTO usage_alerts (alert_id, building_code, meter_pk, rule, period_start, local_day, value, baseline, "
        "unit, ratio_percent, threshold_percent, severity, message) SELECT md5('x'), 'hand', id, 'subscribed_power', "
        "'2026-03-12', '2026-03-12', 10.5, 9, 'kVA', 116.7, 100, 'Minor', 'Puissance maximale 10,50 kVA le 12/03/2026' "
        "FROM meters"
    )
    db.commit()
    rebuild_costs(pg_url, db, "hand", MONTHS)
    return "hand"


def _pixels_near(image, rgb_hex: str, tolerance: int = 12) -> int:
    target = np.array([int(rgb_hex[i : i + 2], 16) for i in (1, 3, 5)])
    pixels = np.asarray(image.convert("RGB"), dtype="int16")
    return int((np.abs(pixels - target) <= tolerance).all(axis=2).sum())


def test_pdf_first_page_shows_figures_and_charts(db: psycopg.Connection, priced: str, tmp_path: Path) -> None:
    (bm,) = building_months(db, [("hand", date(2026, 3, 1))])
    files = build_report(db, bm, tmp_path)
    db.commit()
    assert files.pdf == tmp_path / "hand" / "2026-03" / "rapport-hand-2026-03.pdf" and files.html.exists()
    html = files.html.read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2  # self-contained: both charts inline
    assert "Février 2026" not in html and "février 2026" in html  # the previous month is compared

    document = pdfium.PdfDocument(files.pdf)
    page = document[0]
    width, height = page.get_size()
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
    text = page.get_textpage().get_text_range()
    for expected in (
        "Rapport énergétique — Hand",
        "Mars 2026",
        "867,0 kWh",  # 30 days × 28 kWh + the 27-kWh spring day
        "241,90 €",  # 210.904037 € of energy + 31.00 € subscription
        "100,0 %",  # complete
        "Mois précédent",
        "(février 2026)",
    ):
        assert expected in text, expected
    image = page.render(scale=1.5).to_pil()
    image.save(tmp_path / "page1.png")
    assert image.size == (893, 1263)
    assert _pixels_near(image, ENERGY_COLOUR) > 5_000  # the kWh bars of both charts
    assert _pixels_near(image, COST_COLOUR) > 300  # the € lines
    later = [document[i].get_textpage().get_text_range() for i in range(1, len(document))]
    words = " ".join(" ".join([text, *later]).split())
    assert "Puissance maximale 10,50 kVA le 12/03/2026" in words  # the month's alert is listed


def test_asset_links_files_and_monthly_email_carries_the_pdf_once(
    db: psycopg.Connection, priced: str, pg_url: str, tmp_path: Path
) -> None:
    add_rule(db, AlertRuleSpec(None, "consumption", 120, "Minor", ("email",), ("syndic@example.org",)))
    db.commit()
    box = LocalMailbox(tmp_path / "mailbox").start()
    warehouse = WarehouseResource(database_url=pg_url)
    resources = {"warehouse": warehouse, "reports": ReportsResource(reports_dir=str(tmp_path / "reports"))}
    notifier = NotifierResource(
        smtp_host="127.0.0.1", smtp_port=str(box.port), smtp_starttls="false", smtp_sender="linky@example.org"
    )
    try:
        with dg.instance_for_test() as instance:
            instance.add_dynamic_partitions("building", ["hand"])
            for _ in range(2):
                tags = rectangle_tags("hand", "hand", MONTHS[0], MONTHS[-1])
                result = dg.materialize([monthly_report], instance=instance, resources=resources, tags=tags)
                assert result.success
                events = result.get_asset_materialization_events()  # one per partition, each with its own files
                assert len(events) == 2
                by_month = {e.materialization.metadata["month"].value: e.materialization.metadata for e in events}
                assert set(by_month) == {"2026-02", "2026-03"}
                for month, metadata in by_month.items():
                    assert metadata["rows_written"].value == 1
                    pdf = Path(str(metadata["pdf"].value))
                    assert pdf.exists() and pdf.parent.parent.parent == (tmp_path / "reports").resolve()
                    assert month in pdf.name
                context = dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse})
                monthly_report_email_sensor(context)
                assert deliver_notifications.execute_in_process(
                    resources={"warehouse": warehouse, "notifier": notifier}, instance=instance
                ).success
        messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in box.paths()]
    finally:
        box.stop()
    assert sorted(str(m["Subject"]) for m in messages) == [
        "Rapport énergétique février 2026 - Bâtiment Hand",
        "Rapport énergétique mars 2026 - Bâtiment Hand",
    ]
    march = next(m for m in messages if "mars" in str(m["Subject"]))
    (attachment,) = list(march.iter_attachments())
    assert attachment.get_filename() == "rapport-hand-2026-03.pdf"
    stored = db.execute("SELECT pdf_path, pdf_sha256 FROM monthly_reports WHERE month = '2026-03-01'").fetchone()
    assert attachment.get_content() == Path(stored[0]).read_bytes()
    assert "241,90 €" in march.get_body(("plain",)).get_content()

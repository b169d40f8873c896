INSERT INTO monthly_reports (building_code, month, html_path, pdf_path, pdf_sha256, pdf_bytes, kwh, total_eur,
                             cost_partial, completeness, events)
VALUES (%(building_code)s, %(month)s, %(html_path)s, %(pdf_path)s, %(pdf_sha256)s, %(pdf_bytes)s, %(kwh)s,
        %(total_eur)s, %(cost_partial)s, %(completeness)s, %(events)s)
ON CONFLICT (building_code, month) DO UPDATE
SET html_path = EXCLUDED.html_path, pdf_path = EXCLUDED.pdf_path, pdf_sha256 = EXCLUDED.pdf_sha256,
    pdf_bytes = EXCLUDED.pdf_bytes, kwh = EXCLUDED.kwh, total_eur = EXCLUDED.total_eur,
    cost_partial = EXCLUDED.cost_partial, completeness = EXCLUDED.completeness, events = EXCLUDED.events

SELECT b.name, b.timezone, r.pdf_path, r.kwh, r.total_eur, r.cost_partial, r.completeness
FROM monthly_reports r JOIN buildings b ON b.code = r.building_code
WHERE r.building_code = %(building)s AND r.month = %(month)s

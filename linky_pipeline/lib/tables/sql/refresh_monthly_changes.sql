-- Month-over-month and year-over-year of the months that compare with the one just rebuilt (M+1, M+12), so a
-- re-run of an old month never leaves its successors comparing with the old figure.
UPDATE monthly_consumption cur
SET mom_change_pct = 100 * (cur.total_kwh / NULLIF(prev.total_kwh, 0) - 1),
    yoy_change_pct = 100 * (cur.total_kwh / NULLIF(last_year.total_kwh, 0) - 1)
FROM monthly_consumption cur2
LEFT JOIN monthly_consumption prev
       ON prev.meter_pk = cur2.meter_pk AND prev.month = (cur2.month - interval '1 month')::date
LEFT JOIN monthly_consumption last_year
       ON last_year.meter_pk = cur2.meter_pk AND last_year.month = (cur2.month - interval '1 year')::date
WHERE cur2.meter_pk = cur.meter_pk AND cur2.month = cur.month
  AND cur.building_code = %(building)s
  AND cur.month IN ((%(month)s::date + interval '1 month')::date, (%(month)s::date + interval '1 year')::date)
  AND (cur.mom_change_pct, cur.yoy_change_pct) IS DISTINCT FROM (
       100 * (cur.total_kwh / NULLIF(prev.total_kwh, 0) - 1),
       100 * (cur.total_kwh / NULLIF(last_year.total_kwh, 0) - 1))

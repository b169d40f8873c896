SELECT mc.building_code, mc.month, m.meter_id, mc.metric, mc.total_kwh, mc.completeness, mc.days_with_data,
       mc.days_in_month, mc.mom_change_pct, mc.yoy_change_pct
FROM monthly_consumption mc
JOIN meters m ON m.id = mc.meter_pk
WHERE mc.building_code = ANY(%(buildings)s) AND mc.month >= %(start)s AND mc.month < %(end)s
ORDER BY 1, 2, 3, 4

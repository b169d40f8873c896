-- The lowest threshold per usage-alert type among the rules that apply to the building: its own rules of that
-- type, or the global ones when it has none of that type.
SELECT r.threshold_type, min(r.threshold_percent)
FROM alert_rules r
WHERE r.threshold_type <> 'moving_average_7d'
  AND (r.building_code = %(building_code)s
       OR (r.building_code IS NULL
           AND NOT EXISTS (SELECT 1 FROM alert_rules own WHERE own.building_code = %(building_code)s
                                                          AND own.threshold_type = r.threshold_type)))
GROUP BY r.threshold_type

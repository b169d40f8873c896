-- E-mail recipients of the building's own alert rules, or of the global rules when it has none.
SELECT DISTINCT rc.recipient
FROM alert_rules r
CROSS JOIN LATERAL unnest(r.recipients) AS rc (recipient)
WHERE 'email' = ANY(r.channels) AND rc.recipient !~* '^https?://'
  AND (r.building_code = %(building)s
       OR (r.building_code IS NULL AND NOT EXISTS (SELECT 1 FROM alert_rules own WHERE own.building_code = %(building)s)))
ORDER BY 1

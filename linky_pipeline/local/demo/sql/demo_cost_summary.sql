-- The last three months of every priced building (summed over its meters).
SELECT c.building_code, min(t.name), c.month, sum(c.kwh)::float8, sum(c.total_eur)::float8, sum(c.partial_days)::int
FROM monthly_cost c
JOIN LATERAL (SELECT name FROM tariffs WHERE building_code = c.building_code ORDER BY valid_from DESC LIMIT 1) t ON true
WHERE c.month > (date_trunc('month', now()) - interval '3 months')::date
GROUP BY c.building_code, c.month
ORDER BY 1, 3

-- Every local day of the month: consumption and production kWh (daily_consumption), completeness of the
-- consumption meters, € and partial flag (daily_cost).
WITH days AS (
    SELECT generate_series(%(start)s::date, %(end)s::date - 1, interval '1 day')::date AS day
),
energy AS (
    SELECT day,
           sum(total_kwh) FILTER (WHERE metric = 'consumption') AS kwh,
           sum(total_kwh) FILTER (WHERE metric = 'production') AS production_kwh,
           avg(completeness) FILTER (WHERE metric = 'consumption') AS completeness
    FROM daily_consumption
    WHERE building_code = %(building)s AND day >= %(start)s AND day < %(end)s
    GROUP BY day
),
cost AS (
    SELECT day, sum(total_eur) AS eur, bool_or(partial) AS partial
    FROM daily_cost
    WHERE building_code = %(building)s AND day >= %(start)s AND day < %(end)s
    GROUP BY day
)
SELECT d.day, e.kwh, e.production_kwh, coalesce(e.completeness, 0), c.eur, c.partial
FROM days d LEFT JOIN energy e USING (day) LEFT JOIN cost c USING (day)
ORDER BY d.day

SELECT
    (SELECT sum(total_kwh) FROM monthly_consumption
     WHERE building_code = %(building)s AND month = %(month)s AND metric = 'consumption'),
    (SELECT sum(total_kwh) FROM monthly_consumption
     WHERE building_code = %(building)s AND month = %(month)s AND metric = 'production'),
    (SELECT avg(completeness) FROM monthly_consumption
     WHERE building_code = %(building)s AND month = %(month)s AND metric = 'consumption'),
    (SELECT max(days_with_data) FROM monthly_consumption
     WHERE building_code = %(building)s AND month = %(month)s AND metric = 'consumption'),
    extract(day FROM (%(month)s::date + interval '1 month' - interval '1 day'))::int,
    c.energy_eur, c.subscription_eur, c.total_eur, c.partial
FROM (SELECT sum(energy_eur) AS energy_eur, sum(subscription_eur) AS subscription_eur, sum(total_eur) AS total_eur,
             bool_or(partial) AS partial
      FROM monthly_cost WHERE building_code = %(building)s AND month = %(month)s) c

SELECT
    (SELECT sum(total_kwh) FROM monthly_consumption
     WHERE building_code = %(building)s AND month = %(month)s AND metric = 'consumption'),
    (SELECT sum(total_eur) FROM monthly_cost WHERE building_code = %(building)s AND month = %(month)s)

DELETE FROM monthly_cost WHERE building_code = %(building)s AND month = %(month)s

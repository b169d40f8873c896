DELETE FROM monthly_cost_periods WHERE building_code = %(building)s AND month = %(month)s

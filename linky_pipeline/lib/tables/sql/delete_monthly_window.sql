DELETE FROM monthly_consumption WHERE building_code = %(building)s AND month = %(month)s

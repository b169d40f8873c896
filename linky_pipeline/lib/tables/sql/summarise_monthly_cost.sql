SELECT count(*), round(sum(total_eur), 2), count(*) FILTER (WHERE partial) FROM monthly_cost
WHERE building_code = ANY(%(buildings)s) AND month >= %(start)s AND month < %(end)s

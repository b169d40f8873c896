SELECT count(*), round(sum(total_eur), 2), count(*) FILTER (WHERE partial) FROM daily_cost
WHERE building_code = ANY(%(buildings)s) AND day >= %(start)s AND day < %(end)s

SELECT severity, count(*) FROM consumption_anomalies
WHERE building_code = ANY(%(buildings)s) AND local_day >= %(start)s AND local_day < (%(end)s::date + interval '1 month')
GROUP BY severity

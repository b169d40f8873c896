SELECT count(*) FROM readings WHERE meter_pk = ANY(%(meters)s) AND ts >= %(start)s AND ts < %(end)s AND kwh < 0

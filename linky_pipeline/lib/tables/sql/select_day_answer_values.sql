SELECT meter_pk, day, inputs_digest, value, at
FROM day_answer_values
WHERE meter_pk = ANY(%(meters)s) AND endpoint = %(endpoint)s AND day >= %(start)s AND day < %(end)s

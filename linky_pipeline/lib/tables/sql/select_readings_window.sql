-- The day bounds (one UTC date either side: a local day is never more than a day off) let the readings view reach
-- reading_days' primary key; ts alone would unpack the meter's whole history.
SELECT ts, interval_s, kwh FROM readings
WHERE meter_pk = %(meter_pk)s AND ts >= %(start)s AND ts < %(end)s
  AND day >= (%(start)s::timestamptz AT TIME ZONE 'UTC')::date - 1
  AND day <= (%(end)s::timestamptz AT TIME ZONE 'UTC')::date + 1
ORDER BY ts

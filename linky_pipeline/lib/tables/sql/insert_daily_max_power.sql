INSERT INTO daily_max_power (building_code, meter_pk, day, max_power_va, peak_at)
VALUES (%(building_code)s, %(meter_pk)s, %(day)s, %(max_power_va)s, %(peak_at)s)

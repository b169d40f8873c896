INSERT INTO daily_cost_periods (building_code, meter_pk, day, period, kwh, eur_per_kwh, energy_eur)
VALUES (%(building_code)s, %(meter_pk)s, %(day)s, %(period)s, %(kwh)s, %(eur_per_kwh)s, %(energy_eur)s)

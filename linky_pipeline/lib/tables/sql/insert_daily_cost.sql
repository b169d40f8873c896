INSERT INTO daily_cost (building_code, meter_pk, day, tariff_id, tariff_name, tariff_kind, tempo_colour, kwh,
                        priced_kwh, unpriced_kwh, energy_eur, subscription_eur, total_eur, completeness, partial,
                        partial_reason)
VALUES (%(building_code)s, %(meter_pk)s, %(day)s, %(tariff_id)s, %(tariff_name)s, %(tariff_kind)s, %(tempo_colour)s,
        %(kwh)s, %(priced_kwh)s, %(unpriced_kwh)s, %(energy_eur)s, %(subscription_eur)s, %(total_eur)s,
        %(completeness)s, %(partial)s, %(partial_reason)s)

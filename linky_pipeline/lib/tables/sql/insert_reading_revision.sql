INSERT INTO reading_revisions (meter_pk, metric, ts, old_interval_s, old_kwh, old_quality, new_interval_s, new_kwh,
                               new_quality, raw_endpoint, raw_window_start, raw_window_end, raw_sha256, raw_fetched_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)

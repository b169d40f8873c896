DELETE FROM run_builds WHERE built_at < %(before)s

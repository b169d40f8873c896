SELECT (SELECT count(*) FROM raw_load_curves WHERE strpos(request::text, %(s)s) > 0 OR strpos(payload::text, %(s)s) > 0)
     + (SELECT count(*) FROM audit_log WHERE strpos(details::text, %(s)s) > 0)
     + (SELECT count(*) FROM notifications WHERE strpos(payload::text, %(s)s) > 0 OR strpos(coalesce(last_error, ''), %(s)s) > 0)

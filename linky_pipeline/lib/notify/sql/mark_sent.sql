UPDATE notifications
SET status = 'sent', sent_at = %(now)s, attempts = attempts + 1, last_error = NULL
WHERE id = %(id)s

-- A gap that can no longer be asked for (it left the provider's history horizon): final, with the reason.
UPDATE fetch_state SET is_final = true, next_attempt = NULL, gave_up = %(reason)s
WHERE meter_pk = %(meter_pk)s AND endpoint = %(endpoint)s AND day = %(day)s AND NOT is_final

"""The warehouse tables rebuilt from the landing zone, one building-month per transaction."""

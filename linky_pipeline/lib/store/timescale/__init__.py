"""TimescaleDB: detection, status, jobs and chunk maintenance (every function also answers on plain PostgreSQL)."""

"""The database underneath: connections, migrations, the SQL loader, locks, the BI role, erasure and audit."""

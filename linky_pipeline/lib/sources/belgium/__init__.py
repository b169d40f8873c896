"""Belgian quarter-hour CSV exports (Fluvius customer-portal format): parsing and the landed document."""

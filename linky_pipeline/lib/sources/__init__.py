"""Meter data sources behind one provider interface, one HTTP transport and one shared quota limiter."""

"""Enedis Data Connect (v5 legacy and the 2026 APIs): endpoints, windows, parsers, the client and its consent calls."""

"""Tariffs, cost tables, exports, usage alerts and the monthly report."""

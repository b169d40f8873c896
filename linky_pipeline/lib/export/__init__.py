"""Exports of a building's energy and cost by interval, day or month: CSV (French spreadsheets), Parquet, XLSX."""

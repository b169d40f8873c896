"""The monthly energy report per building: figures from the warehouse, charts, HTML and PDF."""

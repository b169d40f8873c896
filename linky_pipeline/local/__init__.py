"""Local tooling only (make demo, make dev, the test harness): never imported by the product."""

"""`python -m linky_pipeline.sandbox --port N`."""

from __future__ import annotations

from linky_pipeline.sandbox.cli import main

main()

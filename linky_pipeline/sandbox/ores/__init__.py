"""Offline emulator of the seed's ORES API (000 annexes A and C): OAuth2 authorization code with rotating refresh
tokens, Wh load curves for consumption and solar production in Europe/Brussels, and injectable faults.

Mounted under /ores by the sandbox server: the ORES base URL is `<sandbox url>/ores`.
"""

from linky_pipeline.sandbox.ores.app import OresSandbox
from linky_pipeline.sandbox.ores.meters import CUSTOMERS, DEMO_EAN, METERS, SEED_PRM, OresMeter
from linky_pipeline.sandbox.ores.settings import OresSandboxSettings

__all__ = ["CUSTOMERS", "DEMO_EAN", "METERS", "SEED_PRM", "OresMeter", "OresSandbox", "OresSandboxSettings"]

"""Offline emulator of Enedis Data Connect (v5 and the 2026 APIs) on 127.0.0.1, for tests and the demo."""

from __future__ import annotations

from linky_pipeline.sandbox.anomalies import InjectedAnomaly, injected_anomalies
from linky_pipeline.sandbox.meters import CUSTOMERS, METERS, MeterSpec
from linky_pipeline.sandbox.server import SandboxServer
from linky_pipeline.sandbox.settings import SandboxError, SandboxSettings

__all__ = [
    "CUSTOMERS",
    "METERS",
    "InjectedAnomaly",
    "MeterSpec",
    "SandboxError",
    "SandboxServer",
    "SandboxSettings",
    "injected_anomalies",
]

"""OAuth consent with Enedis (v5 and 2026): signed state, redirect capture, grants to meters, revocation."""

from __future__ import annotations

from linky_pipeline.lib.consent.errors import (
    CallbackError,
    ConsentConfigError,
    ConsentError,
    ConsentRefusedError,
    ExpiredStateError,
    ForgedStateError,
    InvalidDurationError,
    MeterConflictError,
    MeterNotFoundError,
    ProviderError,
    ReplayedStateError,
    StateConfigError,
    StateError,
)
from linky_pipeline.lib.consent.revoke import RevokedMeter, disconnect_meter, mark_consent_lost

__all__ = [
    "CallbackError",
    "ConsentConfigError",
    "ConsentError",
    "ConsentRefusedError",
    "ExpiredStateError",
    "ForgedStateError",
    "InvalidDurationError",
    "MeterConflictError",
    "MeterNotFoundError",
    "ProviderError",
    "ReplayedStateError",
    "RevokedMeter",
    "StateConfigError",
    "StateError",
    "disconnect_meter",
    "mark_consent_lost",
]

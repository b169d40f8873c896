"""ORES settings: the seed's environment variables (annex D) plus the knobs the contract leaves open."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from linky_pipeline.lib.sources.errors import SourceConfigError
from linky_pipeline.lib.sources.ores import contract


@dataclass(frozen=True)
class OresSettings:
    """Application credentials and call budget; the secret is never in repr."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str | None = None
    window_days: int = contract.WINDOW_DAYS
    calls_per_second: float = contract.CALLS_PER_SECOND  # per building
    calls_per_hour: int = contract.CALLS_PER_HOUR  # per building
    backoff_base_s: float = contract.BACKOFF_BASE_S  # 429 and timeouts: base × 1, 2, 4, 8
    timeout_s: float = 30.0
    token_margin_s: float = 60.0  # refresh this long before the access token expires

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.strip().rstrip("/"))
        if not self.base_url.startswith(("http://", "https://")):
            raise SourceConfigError(f"{contract.ENV_BASE_URL}: expected an http(s) URL, got {self.base_url!r}")
        checks = (
            ("window_days", 1 <= self.window_days <= 366, "between 1 and 366"),
            ("calls_per_second", self.calls_per_second > 0, "> 0"),
            ("calls_per_hour", self.calls_per_hour > 0, "> 0"),
            ("backoff_base_s", self.backoff_base_s >= 0, "≥ 0"),
            ("timeout_s", self.timeout_s > 0, "> 0"),
            ("token_margin_s", self.token_margin_s >= 0, "≥ 0"),
        )
        for name, ok, rule in checks:
            if not ok:
                raise SourceConfigError(f"ORES setting {name}={getattr(self, name)!r}: must be {rule}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OresSettings:
        """LINKY_ORES_CLIENT_ID, _CLIENT_SECRET, _BASE_URL (required) and _REDIRECT_URI (optional)."""
        env = os.environ if environ is None else environ
        required = (contract.ENV_CLIENT_ID, contract.ENV_CLIENT_SECRET, contract.ENV_BASE_URL)
        missing = [name for name in required if not env.get(name, "").strip()]
        if missing:
            raise SourceConfigError(f"missing environment variable(s): {', '.join(missing)}")
        return cls(
            base_url=env[contract.ENV_BASE_URL],
            client_id=env[contract.ENV_CLIENT_ID].strip(),
            client_secret=env[contract.ENV_CLIENT_SECRET].strip(),
            redirect_uri=env.get(contract.ENV_REDIRECT_URI, "").strip() or None,
        )

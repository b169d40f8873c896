"""Typed consent failures: each message names the field and value at fault, never a secret."""

from __future__ import annotations

from linky_pipeline.lib.sources.scrub import scrub


class ConsentError(Exception):
    """Base of every consent-flow failure."""


class ConsentConfigError(ConsentError):
    """Missing or invalid configuration (environment variables, options)."""


class StateError(ConsentError):
    """The OAuth `state` cannot be trusted."""


class StateConfigError(StateError, ConsentConfigError):
    """LINKY_STATE_SECRET is missing or too short."""


class ForgedStateError(StateError):
    """Malformed state, bad signature, or signed for another building/provider."""


class ExpiredStateError(StateError):
    """The state's expiry has passed."""


class ReplayedStateError(StateError):
    """The state's nonce was already used once."""


class InvalidDurationError(ConsentError):
    """The consent duration is not an ISO-8601 duration within the provider's maximum."""


class ConsentRefusedError(ConsentError):
    """The provider redirected back with an error (access_denied, maximum_duration_exceeded, ...)."""

    def __init__(self, error: str, description: str | None = None) -> None:
        self.error = scrub(error)[:80]
        self.description = scrub(description)[:200] if description else description
        detail = f" ({self.description})" if self.description else ""
        super().__init__(f"consent refused: error={self.error!r}{detail}")


class CallbackError(ConsentError):
    """The redirect is missing a required parameter or the listener got nothing in time."""


class MeterConflictError(ConsentError):
    """A consented meter is already registered in another building."""


class MeterNotFoundError(ConsentError):
    """No meter of that id in that building."""

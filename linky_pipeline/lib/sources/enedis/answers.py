"""Reading Enedis (WSO2 gateway) error bodies: the code and the description an answer carries."""

from __future__ import annotations

from collections.abc import Iterable

from linky_pipeline.lib.sources.scrub import scrub


def error_code(payload: object, known_secrets: Iterable[str | None] = ()) -> tuple[str | None, str]:
    """(code, description) of an Enedis/WSO2 error body; both scrubbed (gateways echo the request)."""
    if not isinstance(payload, dict):
        return None, ""
    code = payload.get("error", payload.get("code"))
    text = payload.get("error_description", payload.get("description", payload.get("message", "")))
    secrets = tuple(known_secrets)
    return (scrub(str(code), secrets)[:80] if code is not None else None), scrub(str(text), secrets)[:200]

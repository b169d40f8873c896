"""Reading Enedis (WSO2 gateway) error bodies: the code and the description an answer carries."""

from __future__ import annotations


def error_code(payload: object) -> tuple[str | None, str]:
    """(code, description) of an Enedis/WSO2 error body."""
    if not isinstance(payload, dict):
        return None, ""
    code = payload.get("error", payload.get("code"))
    text = payload.get("error_description", payload.get("description", payload.get("message", "")))
    return (str(code) if code is not None else None), str(text)[:200]

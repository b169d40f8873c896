"""Consent: OAuth flows per provider, signed state, the vault and per-meter credentials, revocation."""

"""The seed's ORES contract (000, "OAuth2 Flow", "Ores API", annexes A, C, D) as constants: one place to change
when a real API appears."""

from __future__ import annotations

from typing import Final

NAME: Final = "ores"
API_VERSION: Final = "ores-v1"  # raw_load_curves.api_version and readings.source
AUTHORIZE_PATH: Final = "/oauth/authorize"
TOKEN_PATH: Final = "/oauth/token"  # noqa: S105 - a URL path
SCOPE: Final = "consumption"
CURVE_PATHS: Final = {
    "consumption_load_curve": "/v1/consumption_load_curve",
    "production_load_curve": "/v1/production_load_curve",
}
DIRECTION_OF: Final = {"consumption_load_curve": "consumption", "production_load_curve": "production"}
ENDPOINT_OF: Final = {direction: endpoint for endpoint, direction in DIRECTION_OF.items()}

# Annex A: "Rate Limits - Non documenté; Recommandation: 1 request/2s par building". No hourly figure: the
# default only repeats the per-second budget over an hour.
CALLS_PER_SECOND: Final = 0.5
CALLS_PER_HOUR: Final = 1800
# The seed does not state a window maximum; the issue sets 7 days as the default (its own example spans 18 days).
WINDOW_DAYS: Final = 7
# History: the seed keeps two years (its retention policy); ORES's real horizon is unknown.
HISTORY_MONTHS: Final = 24
# Seed's "Gestion Erreurs": 429 → backoff 2, 4, 8, 16 s; timeout → 3 retries with backoff.
BACKOFF_BASE_S: Final = 2.0
QUOTA_RETRIES: Final = 4
TIMEOUT_RETRIES: Final = 3

ENV_CLIENT_ID: Final = "LINKY_ORES_CLIENT_ID"
ENV_CLIENT_SECRET: Final = "LINKY_ORES_CLIENT_SECRET"  # noqa: S105 - the variable's name
ENV_REDIRECT_URI: Final = "LINKY_ORES_REDIRECT_URI"
ENV_BASE_URL: Final = "LINKY_ORES_BASE_URL"

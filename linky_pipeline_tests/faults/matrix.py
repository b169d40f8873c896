"""The API faults of the matrix as data: what the proxy does, to which calls, and the state the run must end in.

Every metering fault aims at one meter (alpha's PRM) so the others show it blocks nothing; token-endpoint faults hit
the whole fleet. benchmarks/fault_matrix.py counts these (and the suite's other families) for benchmarks/RESULTS.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from linky_pipeline_tests.support.fault_proxy import Rule, raw_point_value, set_point_value

ALPHA_PRM: Final = "22516914714270"
CURVE: Final = "courbe_de_charge_consommation"
DAILY: Final = "consommation_quotidienne"
MAX_POWER: Final = "puissance_conso_max"
METERING: Final = "/mesure_synchrone_auto/v2/"
TOKEN: Final = "/oauth2/v3/token"

# expected outcomes
RETRIED: Final = "retried: the run ends identical to the reference"
METER_ERROR: Final = (
    "the meter is reported with a typed error, the others land; alpha lost its only meter, so the run fails naming it "
    "after the tables; the next run converges"
)
QUARANTINED: Final = "the point is quarantined and reported, every other reading lands"
FLEET_ERROR: Final = (
    "every meter is reported with a typed error, nothing is landed, the run fails at once; the next run converges"
)

JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class ApiFault:
    name: str
    family: str
    expected: str
    rules: Callable[[], list[Rule]]
    error: str | None = None  # the typed error alpha (or every meter) is reported with


def _on_alpha(fault: str, path: str = CURVE, **kwargs: object) -> Callable[[], list[Rule]]:
    return lambda: [Rule(fault, path=path, query=ALPHA_PRM, **kwargs)]  # type: ignore[arg-type]


def _on_token(fault: str, **kwargs: object) -> Callable[[], list[Rule]]:
    return lambda: [Rule(fault, path=TOKEN, **kwargs)]  # type: ignore[arg-type]


def _body(status: int, text: str, headers: dict[str, str] | None = None) -> dict[str, object]:
    return {"status": status, "body": text.encode(), "headers": headers if headers is not None else JSON}


API_FAULTS: Final = [
    # the network
    ApiFault("connection dropped once", "network", RETRIED, _on_alpha("drop", times=1)),
    ApiFault("connection dropped always", "network", METER_ERROR, _on_alpha("drop"), "ApiUnavailableError"),
    ApiFault("connection reset once", "network", RETRIED, _on_alpha("reset", times=1)),
    ApiFault("connection reset always", "network", METER_ERROR, _on_alpha("reset"), "ApiUnavailableError"),
    ApiFault("body cut on the wire once", "network", RETRIED, _on_alpha("cut", times=1)),
    ApiFault("body cut on the wire always", "network", METER_ERROR, _on_alpha("cut"), "ApiUnavailableError"),
    ApiFault("stall beyond the timeout once", "network", RETRIED, _on_alpha("stall", times=1, seconds=2.5)),
    ApiFault("slow answers (stall under the timeout)", "network", RETRIED, _on_alpha("stall", times=3, seconds=0.4)),
    ApiFault(
        "stall beyond the timeout always",
        "network",
        METER_ERROR,
        _on_alpha("stall", seconds=2.0, then_drop=True),
        "ApiUnavailableError",
    ),
    # gateways
    ApiFault("HTTP 503 once", "gateway", RETRIED, _on_alpha("respond", times=1, **_body(503, ""))),
    ApiFault("HTTP 503 always", "gateway", METER_ERROR, _on_alpha("respond", **_body(503, "")), "ApiUnavailableError"),
    ApiFault(
        "HTTP 500 always",
        "gateway",
        METER_ERROR,
        _on_alpha("respond", **_body(500, '{"error":"technical_error"}')),
        "RequestRejectedError",
    ),
    ApiFault(
        "HTTP 429 with Retry-After once",
        "gateway",
        RETRIED,
        _on_alpha("respond", times=1, **_body(429, '{"error":"429"}', {**JSON, "Retry-After": "0.2"})),
    ),
    ApiFault(
        "302 to another host",
        "gateway",
        METER_ERROR,
        _on_alpha("respond", **_body(302, "", {"Location": "https://login.example.org/sso?token=abc"})),
        "ApiError",
    ),
    ApiFault(
        "HTML error page with status 200",
        "gateway",
        METER_ERROR,
        _on_alpha("respond", **_body(200, "<html><body>Maintenance</body></html>", {"Content-Type": "text/html"})),
        "MalformedResponseError",
    ),
    ApiFault(
        "wrong-content JSON once",
        "gateway",
        RETRIED,
        _on_alpha("respond", times=1, **_body(200, '{"unexpected": true}')),
    ),
    ApiFault(
        "wrong-content JSON always",
        "gateway",
        METER_ERROR,
        _on_alpha("respond", **_body(200, '{"idPrm": "22516914714270", "grandeur": "none"}')),
        "MalformedResponseError",
    ),
    ApiFault(
        "empty 200 body", "gateway", METER_ERROR, _on_alpha("respond", **_body(200, "")), "MalformedResponseError"
    ),
    ApiFault("bad Content-Encoding once", "gateway", RETRIED, _on_alpha("bad_encoding", times=1)),
    ApiFault("bad Content-Encoding always", "gateway", METER_ERROR, _on_alpha("bad_encoding"), "ApiUnavailableError"),
    # authentication
    ApiFault(
        "401 on a trusted token once",
        "auth",
        RETRIED,
        _on_alpha("respond", times=1, **_body(401, '{"error":"invalid_token"}')),
    ),
    ApiFault(
        "401 on a trusted token always",
        "auth",
        METER_ERROR,
        _on_alpha("respond", **_body(401, '{"error":"invalid_token"}')),
        "AuthenticationError",
    ),
    ApiFault("token endpoint 503 once", "auth", RETRIED, _on_token("respond", times=1, **_body(503, ""))),
    ApiFault(
        "token endpoint failing (500)",
        "auth",
        FLEET_ERROR,
        _on_token("respond", **_body(500, '{"error":"server_error"}')),
        "RequestRejectedError",
    ),
    ApiFault(
        "token endpoint answers garbage",
        "auth",
        FLEET_ERROR,
        _on_token("respond", **_body(200, '{"token": 42}')),
        "MalformedResponseError",
    ),
    ApiFault(
        "client credentials refused",
        "auth",
        FLEET_ERROR,
        _on_token("respond", **_body(401, '{"error":"invalid_client"}')),
        "CredentialsRefusedError",
    ),
    # secret-echoing gateways
    ApiFault("400 echoing the bearer token", "secrets", METER_ERROR, _on_alpha("echo"), "ApiError"),
    ApiFault(
        "token endpoint echoing the client secret", "secrets", FLEET_ERROR, _on_token("echo"), "CredentialsRefusedError"
    ),
    # poison values
    ApiFault(
        "curve point of 9e12 W", "poison", QUARANTINED, _on_alpha("mutate", times=1, mutate=set_point_value("9e12", 7))
    ),
    ApiFault(
        "curve point NaN (bare literal)",
        "poison",
        QUARANTINED,
        _on_alpha("mutate", times=1, rewrite=raw_point_value("NaN", 7)),
    ),
    ApiFault(
        "curve point 1e400 (overflows a double)",
        "poison",
        QUARANTINED,
        _on_alpha("mutate", times=1, rewrite=raw_point_value("1e400", 7)),
    ),
    ApiFault(
        "curve point of 20 digits",
        "poison",
        QUARANTINED,
        _on_alpha("mutate", times=1, mutate=set_point_value("12345678901234567890", 7)),
    ),
    ApiFault(
        "negative curve point", "poison", QUARANTINED, _on_alpha("mutate", times=1, mutate=set_point_value("-500", 7))
    ),
    ApiFault(
        "official daily energy of 9e12 Wh",
        "poison",
        QUARANTINED,
        _on_alpha("mutate", DAILY, times=1, mutate=set_point_value("9000000000000", 2)),
    ),
    ApiFault(
        "daily peak of 9e12 VA",
        "poison",
        QUARANTINED,
        _on_alpha("mutate", MAX_POWER, times=1, mutate=set_point_value("9e12", 2)),
    ),
]

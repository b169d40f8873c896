"""Enedis 2026 v2 bodies (idPrm, grandeur[].points v/d/p/n/iv/ec) → the same canonical frames as v5, with the
answer's etapeMetier as `quality`, its modeCalcul and each point's n, iv, ec kept (canonical.POINT_METADATA)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from linky_pipeline.lib.sources.enedis import labels
from linky_pipeline.lib.sources.enedis.endpoints import spec_of
from linky_pipeline.lib.sources.enedis.parsing import (
    RawPoint,
    Window,
    build_daily,
    build_max_power,
    build_readings,
    check_prm,
    check_unit,
    code,
)
from linky_pipeline.lib.sources.enedis.parsing import (
    point_meta as point_meta,  # swapped by benchmarks/fetch_cpu.py
)
from linky_pipeline.lib.sources.errors import SourceParseError

SOURCE = "enedis-2026-v2"
_METIER = {"consumption": "CONS", "production": "PROD"}
_PHYSIQUE = {"curve": "PA", "daily": "EA", "max_power": "PMA"}
_META = ("n", "iv", "ec")


def parse_v2(
    payload: Mapping[str, object], *, endpoint: str, prm: str, source: str = SOURCE, window: Window | None = None
) -> pd.DataFrame:
    """A v2 body for `endpoint` → the canonical frame of its kind; every grandeur must match the endpoint."""
    spec = spec_of(endpoint)
    check_prm("idPrm", labels.require(payload, "idPrm", ""), prm)
    quality = labels.require(payload, "etapeMetier", "")
    if not isinstance(quality, str) or not quality:
        raise SourceParseError("etapeMetier", quality, "expected a non-empty string")
    calc_mode = code("modeCalcul", payload.get("modeCalcul"))
    grandeurs = labels.require(payload, "grandeur", "")
    if not isinstance(grandeurs, list):
        raise SourceParseError("grandeur", type(grandeurs).__name__, "expected a list")
    points: list[RawPoint] = []
    for g, grandeur in enumerate(grandeurs):
        where = f"grandeur[{g}]"
        metier = labels.require(grandeur, "grandeurMetier", where)
        if metier != _METIER[spec.metric]:
            raise SourceParseError(f"{where}.grandeurMetier", metier, f"expected {_METIER[spec.metric]!r}")
        physique = labels.require(grandeur, "grandeurPhysique", where)
        if physique != _PHYSIQUE[spec.kind]:
            raise SourceParseError(f"{where}.grandeurPhysique", physique, f"expected {_PHYSIQUE[spec.kind]!r}")
        check_unit(f"{where}.unite", labels.require(grandeur, "unite", where), spec.kind)
        raw = labels.require(grandeur, "points", where)
        if not isinstance(raw, list):
            raise SourceParseError(f"{where}.points", type(raw).__name__, "expected a list")
        for i, item in enumerate(raw):
            at = f"{where}.points[{i}]"
            interval, value, when = _fields(item, at, spec.kind == "curve")
            points.append(RawPoint(value, when, interval, at, ("v", "d", "p"), point_meta(item, at, _META)))
    if spec.kind == "curve":
        return build_readings(
            points, prm=prm, metric=spec.metric, quality=quality, source=source, window=window, calc_mode=calc_mode
        )
    if spec.kind == "daily":
        return build_daily(
            points, prm=prm, metric=spec.metric, quality=quality, source=source, window=window, calc_mode=calc_mode
        )
    return build_max_power(points, prm=prm, source=source, window=window, quality=quality, calc_mode=calc_mode)


def _fields(item: object, at: str, curve: bool) -> tuple[object, object, object]:
    """(p, v, d) of a point, each required (p for curves only), checked in that order as labels.require does."""
    if type(item) is dict:
        interval, value, when = item.get("p") if curve else None, item.get("v"), item.get("d")
        if value is not None and when is not None and (interval is not None or not curve):
            return interval, value, when
    interval = labels.require(item, "p", at) if curve else None
    return interval, labels.require(item, "v", at), labels.require(item, "d", at)

"""The deployment files under test (repository paths, compose services) and a BI login as Grafana opens it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import yaml

REPO = Path(__file__).resolve().parents[2]  # the repository root


@dataclass(frozen=True)
class BiLogin:
    role_name: str
    password: str
    url: str

    def connect(self) -> psycopg.Connection:
        """A session exactly as Grafana opens it: the role's own login, its default settings."""
        return psycopg.connect(self.url, user=self.role_name, password=self.password, autocommit=True)


COMPOSE_TEXT = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]

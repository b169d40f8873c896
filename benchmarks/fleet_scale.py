"""A fleet's nightly run measured at 1 000 … 10 000 meters, against a baseline commit in the same run.

Usage:
  .venv/bin/python benchmarks/fleet_scale.py --meters 1000 2000 [--baseline /tmp/base-worktree --baseline-sizes 1000]
      [--reference 2026-11-23] [--per-building 1-10] [--scaled 20] [--partitions] [--json-out out.json]

One throwaway PostgreSQL 18 (pg_stat_statements preloaded) and one fleet sandbox process
(`linky_pipeline.sandbox.fleet`, quota lifted) serve every scenario. For each tree (this checkout, and a
baseline worktree with its own `make install`) and each fleet size, on fresh warehouse and Dagster databases:

1. setup: migrations, then buildings of 1-10 meters (or `--per-building 1`) registered through the registry;
2. the registry sensor's first tick against the real instance (it adds the building partitions, asks for history);
3. cold nightly: the schedule's tick at 02:00 of the day before the reference date, then its run (the month's
   days never fetched: 21 days on the 22nd);
4. **steady nightly** (the figure): the schedule's tick at 02:00 of the reference date, then its run: the trailing
   7 days re-fetched, the new day added, the month rebuilt. Measured: wall, the run process's CPU and peak RSS,
   database time (pg_stat_database.active_time of the warehouse and of the Dagster database, the server's CPU, top
   statements from pg_stat_statements), API calls, the sandbox's CPU, Dagster events stored;
5. sensor ticks after the run: anomaly notifications (drained, 1 000 materializations per tick), usage alerts,
   the registry sensor's steady tick; definition load time in a fresh process;
6. with --scaled S (this checkout): the steady nightly again under the real per-API quota (5 calls/s,
   1 000 calls/h) on a clock S times faster, sandbox and limiter alike;
7. with --partitions: partition range resolution and the UI's partition health query (GraphQL through a code
   server) at that many buildings.

Every step runs as a separate process of the tree's Python (benchmarks/fleet_worker.py), as a run worker would.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import yaml  # type: ignore[import-untyped]  # dagster's dependency; no stubs in the lock

from linky_pipeline.lib.store.db import to_dagster_storage_url
from linky_pipeline.local.pgcluster import LocalCluster, free_port, throwaway_cluster
from linky_pipeline.local.stack import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, storage_on
from linky_pipeline.sandbox.fleet import fleet_prm

HERE = Path(__file__).resolve().parent
WORKER = HERE / "fleet_worker.py"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def layout(meters: int, per_building: str) -> dict[str, list[str]]:
    """Buildings of 1-10 meters (sizes cycle 1, 8, 5, 2, 9, 6, 3, 10, 7, 4: mean 5.5) or of one meter each."""
    out: dict[str, list[str]] = {}
    index = 0
    while index < meters:
        size = 1 if per_building == "1" else (len(out) * 7) % 10 + 1
        prms = [fleet_prm(i) for i in range(index, min(index + size, meters))]
        out[f"fleet-{len(out):05d}"] = prms
        index += len(prms)
    return out


def proc_cpu(pid: int, children: bool = False) -> float:
    """CPU seconds of a process (utime + stime), and of its reaped children (cutime + cstime) with children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = int(fields[11]) + int(fields[12])
    reaped = int(fields[13]) + int(fields[14]) if children else 0
    return (own + reaped) / CLOCK_TICKS


def server_cpu(cluster: LocalCluster) -> float:
    """CPU of the whole PostgreSQL server: the postmaster, its live processes and every backend it has reaped."""
    postmaster = int((cluster.datadir / "postmaster.pid").read_text().split()[0])
    total = proc_cpu(postmaster, children=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    total += proc_cpu(int(entry.name))
    return total


@contextlib.contextmanager
def cluster_with_statements() -> Iterator[LocalCluster]:
    """A throwaway cluster restarted with pg_stat_statements preloaded (statement times per database)."""
    with throwaway_cluster() as cluster:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
            conn.execute("ALTER SYSTEM SET pg_stat_statements.max = 10000")
            conn.execute("ALTER SYSTEM SET track_io_timing = on")
        cluster.stop()
        cluster.start(watch_pid=os.getpid())
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        yield cluster


def db_counters(cluster: LocalCluster, dbname: str) -> dict[str, float]:
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT active_time, xact_commit, sessions, tup_inserted + tup_updated + tup_deleted, "
            "blk_read_time + blk_write_time FROM pg_stat_database WHERE datname = %s",
            (dbname,),
        ).fetchone()
        statements = conn.execute(
            "SELECT coalesce(sum(s.calls), 0), coalesce(sum(s.total_exec_time), 0) FROM pg_stat_statements s "
            "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = %s",
            (dbname,),
        ).fetchone()
    assert row is not None and statements is not None
    return {
        "active_ms": float(row[0] or 0),
        "commits": float(row[1] or 0),
        "sessions": float(row[2] or 0),
        "rows_changed": float(row[3] or 0),
        "io_ms": float(row[4] or 0),
        "statements": float(statements[0]),
        "statement_ms": float(statements[1]),
    }


def top_statements(cluster: LocalCluster, dbname: str, limit: int = 8) -> list[dict[str, Any]]:
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT s.calls, s.total_exec_time, s.rows, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 110) "
            "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = %s "
            "ORDER BY s.total_exec_time DESC LIMIT %s",
            (dbname, limit),
        ).fetchall()
    return [{"calls": r[0], "ms": round(r[1]), "rows": r[2], "query": r[3]} for r in rows]


def reset_statements(cluster: LocalCluster) -> None:
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")


class FleetSandbox:
    """The sandbox in its own process (its CPU is not the pipeline's), serving `meters` fleet PRMs."""

    def __init__(self, meters: int, today: date, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "linky_pipeline.sandbox.fleet",
                "--meters",
                str(meters),
                "--port",
                str(self.port),
                "--today",
                today.isoformat(),
                "--quota-per-second",
                str(10**9),
                "--quota-per-hour",
                str(10**9),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(300):
            with contextlib.suppress(OSError):
                self.get("/sandbox/health")
                return
            time.sleep(0.1)
        raise RuntimeError(f"the fleet sandbox did not start: see {log}")

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=30) as answer:  # noqa: S310 - 127.0.0.1 only
            return json.loads(answer.read())

    def post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
            self.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return json.loads(answer.read())

    def configure(self, **changes: Any) -> None:
        self.post("/sandbox/control", changes)
        self.post("/sandbox/stats/reset", {})

    def cpu(self) -> float:
        return proc_cpu(self.process.pid)

    def close(self) -> None:
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._log.close()


@dataclass
class Tree:
    label: str
    root: Path
    batch_size: str  # DAGSTER_EVENT_BATCH_SIZE of that tree's deployment

    @property
    def python(self) -> Path:
        return self.root / ".venv" / "bin" / "python"

    def production_storage(self) -> dict[str, Any]:
        """The `storage:` block of the tree's production dagster.yaml."""
        config = yaml.safe_load((self.root / "dagster.yaml").read_text(encoding="utf-8"))
        return dict(config["storage"])


class Scenario:
    """One tree × one fleet size: its own warehouse and Dagster databases and DAGSTER_HOME."""

    def __init__(
        self,
        tree: Tree,
        meters: int,
        cluster: LocalCluster,
        sandbox: FleetSandbox,
        work: Path,
        policy: tuple[str, ...] = (),
    ) -> None:
        self.tree, self.meters, self.cluster, self.sandbox = tree, meters, cluster, sandbox
        self.policy = policy  # sync_policy settings of this tree's runs (KEY=INT)
        self.dir = work / f"{tree.label}-{meters}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.warehouse_db, self.dagster_db = f"wh_{tree.label}_{meters}", f"dg_{tree.label}_{meters}"
        warehouse = cluster.create_database(self.warehouse_db)
        storage = to_dagster_storage_url(cluster.create_database(self.dagster_db))
        home = self.dir / "dagster_home"
        home.mkdir(exist_ok=True)
        instance = {
            # The tree's own deployment's storage kind (this checkout: the pooled class; dc309a7: plain postgres).
            "storage": storage_on(tree.production_storage(), storage),
            "local_artifact_storage": {
                "module": "dagster._core.storage.root",
                "class": "LocalArtifactStorage",
                "config": {"base_dir": str(self.dir / "storage")},
            },
            "telemetry": {"enabled": False},
        }
        (home / "dagster.yaml").write_text(yaml.safe_dump(instance, sort_keys=False), encoding="utf-8")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LINKY_", "DAGSTER_"))},
            "DAGSTER_HOME": str(home),
            "LINKY_DATABASE_URL": warehouse,
            "LINKY_ENEDIS_API_BASE": sandbox.url,
            "LINKY_ENEDIS_CLIENT_ID": SANDBOX_CLIENT_ID,
            "LINKY_ENEDIS_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "LINKY_ENEDIS_API_MODE": "2026-v2",
            "DAGSTER_EVENT_BATCH_SIZE": tree.batch_size,
            "PYTHONWARNINGS": "ignore",
        }

    def worker(self, *args: str) -> dict[str, Any]:
        name = args[0]
        log = self.dir / f"{name}-{int(time.time() * 1000)}.log"
        with log.open("w") as err:
            done = subprocess.run(
                [str(self.tree.python), str(WORKER), *args],
                cwd=self.tree.root,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                check=False,
            )
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode != 0 or not lines:
            tail = log.read_text()[-3000:]
            raise RuntimeError(f"{self.tree.label} {' '.join(args)} failed ({done.returncode}):\n{tail}")
        result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
        return result

    def schedule_tags(self, day: date, repeat: int = 1) -> tuple[Path, dict[str, Any]]:
        tags = self.dir / f"tags-{day}.json"
        tick = self.worker("schedule", "--date", day.isoformat(), "--repeat", str(repeat), "--tags-out", str(tags))
        if not tick["run_requests"]:
            raise RuntimeError(f"the nightly schedule requested no run on {day}: {tick.get('skip')}")
        return tags, tick

    def measured_run(
        self, tags: Path, quota: str = "lifted", statements: bool = True, profile: Path | None = None
    ) -> dict[str, Any]:
        cluster = self.cluster
        if statements:
            reset_statements(cluster)
        before = {db: db_counters(cluster, db) for db in (self.warehouse_db, self.dagster_db)}
        sandbox_cpu, pg_cpu, began = self.sandbox.cpu(), server_cpu(cluster), time.perf_counter()
        load_before = os.getloadavg()[0]  # the machine is shared: the run's figures move with its load
        run = self.worker(
            "run",
            "--tags",
            str(tags),
            "--quota",
            quota,
            *(["--profile", str(profile)] if profile else []),
            *(arg for setting in self.policy for arg in ("--policy", setting)),
        )
        outer = time.perf_counter() - began
        time.sleep(0.7)  # statistics reach pg_stat_database within PGSTAT_MIN_INTERVAL
        after = {db: db_counters(cluster, db) for db in (self.warehouse_db, self.dagster_db)}
        run["process_wall_s"] = round(outer, 2)
        run["load_average_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]  # before, after
        run["sandbox_cpu_s"] = round(self.sandbox.cpu() - sandbox_cpu, 2)
        run["postgres_cpu_s"] = round(server_cpu(cluster) - pg_cpu, 2)
        for role, db in (("warehouse", self.warehouse_db), ("dagster", self.dagster_db)):
            run[role] = {k: round(after[db][k] - before[db][k], 1) for k in after[db]}
            if statements:
                run[f"{role}_top"] = top_statements(cluster, db)
        stats = self.sandbox.get("/sandbox/stats")
        run["api_calls"] = stats["total"]
        run["api_calls_by_path"] = stats["calls"]
        with psycopg.connect(cluster.url(self.dagster_db)) as conn:
            row = conn.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", (run["run_id"],)).fetchone()
        run["events"] = int(row[0]) if row else 0
        return run


def sensor_names(scenario: Scenario) -> list[str]:
    usage = scenario.tree.root / "linky_pipeline" / "defs" / "automation" / "usage_alert_sensor.py"
    return ["anomaly_notification_sensor", *(["usage_alert_notification_sensor"] if usage.exists() else [])]


def scenario_results(scenario: Scenario, reference: date, args: argparse.Namespace) -> dict[str, Any]:
    def say(text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {scenario.tree.label} {scenario.meters}: {text}", flush=True)

    out: dict[str, Any] = {"tree": scenario.tree.label, "meters": scenario.meters}
    fleet = layout(scenario.meters, args.per_building)
    layout_file = scenario.dir / "layout.json"
    layout_file.write_text(json.dumps(fleet), encoding="utf-8")
    out["setup"] = scenario.worker("setup", "--layout", str(layout_file))
    say(f"registered {out['setup']['buildings']} buildings in {out['setup']['register_s']} s")
    cursor = str(scenario.dir / "registry.cursor")
    out["registry_first"] = scenario.worker("sensor", "--name", "building_registry_sensor", "--cursor-file", cursor)
    say(f"registry sensor first tick {out['registry_first']['tick_total_s']} s")

    cold_day = reference - timedelta(days=1)
    scenario.sandbox.configure(today=cold_day.isoformat())
    tags, out["schedule_cold"] = scenario.schedule_tags(cold_day)
    out["cold"] = scenario.measured_run(tags, statements=False)
    say(f"cold nightly ({cold_day}) {out['cold']['wall_s']} s, success={out['cold']['success']}")

    scenario.sandbox.configure(today=reference.isoformat())
    tags, out["schedule"] = scenario.schedule_tags(reference, repeat=3)
    out["steady"] = scenario.measured_run(tags)
    if args.profile and scenario.tree.label == "this":
        profile = scenario.dir / "steady.prof"
        scenario.sandbox.configure(today=reference.isoformat())
        out["steady_profiled"] = scenario.measured_run(tags, statements=False, profile=profile)
        say(f"profiled steady nightly {out['steady_profiled']['wall_s']} s: {profile}")
    say(f"steady nightly ({reference}) {out['steady']['wall_s']} s, success={out['steady']['success']}")

    for name in sensor_names(scenario):
        out[name] = scenario.worker(
            "sensor", "--name", name, "--cursor-file", str(scenario.dir / f"{name}.cursor"), "--drain"
        )
    out["registry_steady"] = scenario.worker("sensor", "--name", "building_registry_sensor", "--cursor-file", cursor)
    out["defs"] = [scenario.worker("defs") for _ in range(3)]
    if args.partitions:
        out["partitions"] = scenario.worker(
            "partitions", "--month", reference.replace(day=1).isoformat(), "--graphql", "readings"
        )
    if args.scaled and scenario.tree.label == "this":
        scale = args.scaled
        scenario.sandbox.configure(quota_per_second=5, quota_per_hour=1000, time_scale=float(scale))
        try:
            run = scenario.measured_run(tags, quota=f"scaled:{scale}", statements=False)
            run["quota"] = scenario.sandbox.get("/sandbox/quota")
        finally:
            scenario.sandbox.configure(quota_per_second=10**9, quota_per_hour=10**9, time_scale=1.0)
        run["time_scale"] = scale
        out["scaled"] = run
        say(f"scaled-quota nightly (×{scale}) {run['wall_s']} s = {run['wall_s'] * scale / 3600:.2f} real hours")
    return out


def partitions_results(scenario: Scenario, reference: date, months: int) -> dict[str, Any]:
    """Many buildings without data: the registry tick that adds them, the nightly schedule's tick, resolving the
    nightly's range, and the UI's partition health of `readings` with `months` months materialized."""
    fleet = layout(scenario.meters, "1")
    layout_file = scenario.dir / "layout.json"
    layout_file.write_text(json.dumps(fleet), encoding="utf-8")
    out: dict[str, Any] = {"tree": "partitions", "buildings": len(fleet)}
    out["setup"] = scenario.worker("setup", "--layout", str(layout_file))
    cursor = str(scenario.dir / "registry.cursor")
    out["registry_first"] = scenario.worker("sensor", "--name", "building_registry_sensor", "--cursor-file", cursor)
    out["registry_steady"] = scenario.worker("sensor", "--name", "building_registry_sensor", "--cursor-file", cursor)
    _, out["schedule"] = scenario.schedule_tags(reference, repeat=3)
    out["partitions"] = scenario.worker(
        "partitions",
        "--month",
        reference.replace(day=1).isoformat(),
        "--graphql",
        "readings",
        "--materialize-months",
        str(months),
    )
    print(f"[{time.strftime('%H:%M:%S')}] partitions at {len(fleet)} buildings: {json.dumps(out)}", flush=True)
    return out


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}".replace(",", " ")


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "-"


def report(results: list[dict[str, Any]]) -> None:
    print("\nsteady nightly (reference date), quota lifted; times in s")
    print(
        "tree  meters bldgs  wall  run-cpu  child-cpu  rss-MB  wh-db-active  dg-db-active  pg-cpu  sandbox-cpu"
        "  calls  events"
        "  sched-tick  anomaly-ticks  registry-1st  registry  defs-load  cold-wall"
    )
    for r in results:
        s = r["steady"]
        anomaly = r.get("anomaly_notification_sensor", {})
        print(
            f"{r['tree']:<5} {r['meters']:>6} {r['setup']['buildings']:>5} {fmt(s['wall_s']):>5}"
            f" {fmt(s['run_cpu_s']):>8} {fmt(s.get('children_cpu_s', 0)):>10} {fmt(s['peak_rss_mb'], 0):>7}"
            f" {fmt(s['warehouse']['active_ms'] / 1000):>13}"
            f" {fmt(s['dagster']['active_ms'] / 1000):>13} {fmt(s['postgres_cpu_s']):>7}"
            f" {fmt(s['sandbox_cpu_s']):>12} {s['api_calls']:>6} {s['events']:>7} {r['schedule']['tick_median_s']:>11}"
            f" {anomaly.get('ticks', '-')}×{anomaly.get('tick_total_s', '-'):>9}"
            f" {r['registry_first']['tick_total_s']:>13} {r['registry_steady']['tick_total_s']:>9}"
            f" {min(d['total_s'] for d in r['defs']):>10} {fmt(r['cold']['wall_s']):>10}"
        )
    by_tree: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_tree.setdefault(r["tree"], []).append(r)
    for this in by_tree.get("this", []):
        for base in by_tree.get("base", []):
            if base["meters"] == this["meters"]:
                print(
                    f"\nbaseline / this at {this['meters']} meters: "
                    f"wall {ratio(base['steady']['wall_s'], this['steady']['wall_s'])}×, "
                    f"run CPU {ratio(base['steady']['run_cpu_s'], this['steady']['run_cpu_s'])}×, "
                    f"cold nightly {ratio(base['cold']['wall_s'], this['cold']['wall_s'])}×"
                )
    for label, rows in by_tree.items():
        rows = sorted(rows, key=lambda r: r["meters"])
        if len(rows) < 2:
            continue
        first = rows[0]
        print(f"\ngrowth ({label}), relative to {first['meters']} meters (linear = the meters ratio)")
        for r in rows[1:]:
            s, f = r["steady"], first["steady"]
            print(
                f"  {r['meters']:>6} meters (×{r['meters'] / first['meters']:.1f}): "
                f"wall ×{ratio(s['wall_s'], f['wall_s'])}, CPU ×{ratio(s['run_cpu_s'], f['run_cpu_s'])}, "
                f"RSS ×{ratio(s['peak_rss_mb'], f['peak_rss_mb'])}, "
                f"warehouse DB ×{ratio(s['warehouse']['active_ms'], f['warehouse']['active_ms'])}, "
                f"Dagster DB ×{ratio(s['dagster']['active_ms'], f['dagster']['active_ms'])}, "
                f"schedule tick ×{ratio(r['schedule']['tick_median_s'], first['schedule']['tick_median_s'])}, "
                f"registry first tick ×{ratio(r['registry_first']['tick_total_s'], first['registry_first']['tick_total_s'])}"  # noqa: E501
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--meters", type=int, nargs="+", default=[1000])
    parser.add_argument("--baseline", type=Path, help="a worktree of the baseline commit, with its own .venv")
    parser.add_argument("--baseline-sizes", type=int, nargs="*", default=[1000])
    parser.add_argument("--baseline-batch-size", default="0", help="DAGSTER_EVENT_BATCH_SIZE of the baseline")
    parser.add_argument("--reference", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--per-building", choices=("1-10", "1"), default="1-10")
    parser.add_argument("--scaled", type=int, default=0, help="time scale of a real-quota nightly (0: none)")
    parser.add_argument("--partitions", action="store_true")
    parser.add_argument("--profile", action="store_true", help="this checkout's nightly again, profiled")
    parser.add_argument("--partitions-only", type=int, nargs="*", default=[], help="buildings (1 meter each)")
    parser.add_argument("--materialize-months", type=int, default=1)
    parser.add_argument("--baseline-first", action="store_true", help="run the baseline before this checkout")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument(
        "--policy", action="append", default=[], help="sync_policy setting of this checkout's runs, KEY=INT"
    )
    parser.add_argument("--keep", type=Path, help="keep the work directory (logs) here")
    args = parser.parse_args()
    this = Tree("this", HERE.parent, "100")
    plan = [(this, n) for n in args.meters]
    if args.baseline:
        base = Tree("base", args.baseline.resolve(), args.baseline_batch_size)
        baseline_plan = [(base, n) for n in args.baseline_sizes]
        plan = baseline_plan + plan if args.baseline_first else plan + baseline_plan
    work = args.keep or Path(tempfile.mkdtemp(prefix="fleet-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    global WORKER  # every step runs the copy taken now: editing the checkout mid-run changes nothing
    WORKER = Path(shutil.copy(WORKER, work / WORKER.name))
    results: list[dict[str, Any]] = []
    biggest = max([n for _, n in plan] + args.partitions_only)
    with cluster_with_statements() as cluster:
        sandbox = FleetSandbox(biggest, args.reference, work / "sandbox.log")
        try:
            for buildings in args.partitions_only:
                scenario = Scenario(Tree("parts", this.root, this.batch_size), buildings, cluster, sandbox, work)
                results.append(partitions_results(scenario, args.reference, args.materialize_months))
                if args.json_out:
                    args.json_out.write_text(json.dumps(results, indent=1), encoding="utf-8")
            if args.partitions_only and args.meters == [0]:
                return
            for tree, meters in plan:
                policy = tuple(args.policy) if tree is this else ()
                scenario = Scenario(tree, meters, cluster, sandbox, work, policy)
                results.append(scenario_results(scenario, args.reference, args))
                if args.json_out:
                    args.json_out.write_text(json.dumps(results, indent=1), encoding="utf-8")
        finally:
            sandbox.close()
    report([r for r in results if r["tree"] != "partitions"])
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

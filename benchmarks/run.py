"""``make bench``: PRM's throughput and latency figures against the targets of the performance issue.

    python -m benchmarks.run                 the full run (about 10 minutes on 2 cores)
    python -m benchmarks.run --quick         a short smoke run (smaller data, 3 s per scenario)
    python -m benchmarks.run --only http     one part only (http, import, scheduling, logging, worker,
                                             communications, journeys, merge, duplicates, 360)

Prints the machine's facts and one table per part, and writes benchmarks/results/latest.json.
See benchmarks/README.md for what is measured and how to read it.
"""

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

from benchmarks.access_log_bench import run_access_log
from benchmarks.communications_bench import run_communications_bench
from benchmarks.databases import admin_url, postgres_database, postgres_version
from benchmarks.duplicates_bench import run_duplicates_bench
from benchmarks.fhir_export_bench import run_fhir_export_bench
from benchmarks.fhir_import_bench import run_fhir_import_bench
from benchmarks.fhir_search_bench import run_fhir_search_bench
from benchmarks.hl7_bench import run_hl7_bench
from benchmarks.http_bench import SCENARIOS, ensure_wrk, run_http, wrk_version
from benchmarks.import_bench import run_import
from benchmarks.journeys_bench import advance_journeys
from benchmarks.journeys_reads_bench import read_latency
from benchmarks.merge_bench import run_merge_bench
from benchmarks.patient360_bench import run_patient360_bench
from benchmarks.report import (
    console,
    machine_facts,
    print_access_log,
    print_communications,
    print_duplicates,
    print_facts,
    print_fields,
    print_http,
    print_import,
    print_journeys,
    print_merge,
    print_patient360,
    print_scheduling,
    print_worker,
)
from benchmarks.scheduling_bench import run_scheduling
from benchmarks.worker_bench import run_worker_bench

RESULTS = Path(__file__).with_name("results")


INTEROP_PARTS: dict[str, tuple[str, Callable[..., Any]]] = {
    "hl7": ("HL7 v2 over MLLP", run_hl7_bench),
    "fhir-search": ("FHIR Patient search", run_fhir_search_bench),
    "fhir-import": ("prm import fhir", run_fhir_import_bench),
    "fhir-export": ("FHIR bulk export", run_fhir_export_bench),
}
"""Issue 14's parts: ``--only <part>``; each prints its result's fields."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="smoke run: 2,000 patients, 1 s warm-up, 3 s per scenario")
    p.add_argument(
        "--only",
        choices=[
            "http",
            "import",
            "scheduling",
            "logging",
            "worker",
            "communications",
            "journeys",
            "merge",
            "duplicates",
            "360",
            *INTEROP_PARTS,
        ],
        help="run one part only",
    )
    p.add_argument(
        "--scenario",
        action="append",
        choices=[s.name for s in SCENARIOS if s.name != "health"],
        help="HTTP scenario to run (repeatable; /health always runs); default all",
    )
    p.add_argument("--patients", type=int, help="patients seeded for HTTP (default 10,000; quick 2,000)")
    p.add_argument("--duration", type=int, help="seconds measured per scenario (default 10; quick 3)")
    p.add_argument("--warmup", type=int, help="seconds of warm-up per scenario (default 2; quick 1)")
    p.add_argument("--import-patients", type=int, help="patients in the import file (default 1,000,000; quick 10,000)")
    p.add_argument(
        "--import-budget", type=int, default=900, help="seconds after which an import run is stopped (default 900)"
    )
    p.add_argument(
        "--workers", type=int, default=2, help="workers of the server compared with one on get by id (default 2)"
    )
    p.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="PRM_NAME=VALUE",
        help="extra setting for the server (repeatable), e.g. PRM_DB_POOL_SIZE=20 or PRM_ACCESS_LOG=false",
    )
    p.add_argument("--output", type=Path, default=RESULTS / "latest.json", help="JSON results file")
    return p


def _bounded(value: int | None, default: int, low: int, high: int, name: str) -> int:
    chosen = default if value is None else value
    if not low <= chosen <= high:
        raise SystemExit(f"--{name} must be between {low} and {high}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    quick = bool(args.quick)
    patients = _bounded(args.patients, 2_000 if quick else 10_000, 100, 200_000, "patients")
    duration = _bounded(args.duration, 3 if quick else 10, 1, 120, "duration")
    warmup = _bounded(args.warmup, 1 if quick else 2, 0, 60, "warmup")
    import_patients = _bounded(args.import_patients, 10_000 if quick else 1_000_000, 100, 5_000_000, "import-patients")
    import_budget = _bounded(args.import_budget, 900, 10, 36_000, "import-budget")
    workers = _bounded(args.workers, 2, 1, 16, "workers")
    server_env = dict(item.split("=", 1) for item in args.server_env if "=" in item)
    if any(not name.startswith("PRM_") for name in server_env):
        raise SystemExit("--server-env takes PRM_NAME=VALUE")
    started = time.perf_counter()
    # The benchmark's own process (seeding, imports) logs warnings only; the server logs as in production.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    try:
        pg_version = postgres_version()
    except Exception as exc:
        console.print(f"PostgreSQL at {admin_url()} does not answer ({exc}): run `make postgres`")
        return 2
    needs_wrk = args.only in (None, "http")
    wrk = ensure_wrk() if needs_wrk else "wrk"
    facts = machine_facts(pg_version, wrk_version(wrk) if needs_wrk else "-")
    print_facts(facts)
    results: dict[str, Any] = {
        "server_env": server_env,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "machine": facts,
    }

    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="prm-bench-") as tmp:
        workdir = Path(tmp)
        if args.only in (None, "http"):
            console.rule("HTTP")
            with postgres_database() as url:
                http = run_http(
                    url,
                    workdir,
                    RESULTS / "server.log",
                    patients=patients,
                    seconds=duration,
                    warmup=warmup,
                    wrk=wrk,
                    only=set(args.scenario) if args.scenario else None,
                    server_env=server_env,
                    workers=workers,
                )
            results["http"] = http.as_dict()
        if args.only in (None, "logging"):
            console.rule("Access log")
            access_log = run_access_log(workdir)
            results["access_log"] = access_log.as_dict()
        if args.only in (None, "import"):
            console.rule("Import")
            imports = run_import(workdir, import_patients, budget=import_budget)
            results["import"] = imports.as_dict()
        if args.only in (None, "scheduling"):
            console.rule("Scheduling")
            scheduling = run_scheduling(workdir, quick=quick)
            results["scheduling"] = scheduling.as_dict()
        if args.only in (None, "worker"):
            console.rule("Background work")
            worker = run_worker_bench(workdir, quick=quick)
            results["worker"] = worker.as_dict()
        if args.only in (None, "communications"):
            console.rule("Communications")
            communications = run_communications_bench(workdir, quick=quick)
            results["communications"] = asdict(communications)
        if args.only in (None, "journeys"):
            console.rule("Journeys")
            journeys = advance_journeys(1_000 if quick else 10_000, workdir)
            results["journeys"] = asdict(journeys)
            journey_reads = read_latency(10_000 if quick else 100_000, 50 if quick else 200, workdir)
            results["journeys_reads"] = asdict(journey_reads)
        if args.only in (None, "merge"):
            console.rule("Patient merge")
            merge = run_merge_bench(quick=quick)
            results["merge"] = asdict(merge)
        if args.only in (None, "duplicates"):
            console.rule("Duplicate patients")
            duplicates = run_duplicates_bench(quick=quick)
            results["duplicates"] = asdict(duplicates)
        if args.only in (None, "360"):
            console.rule("Patient 360")
            patient360 = run_patient360_bench(quick=quick)
            results["patient360"] = asdict(patient360)
        for part, (title, run_part) in INTEROP_PARTS.items():
            if args.only in (None, part):
                console.rule(title)
                results[part] = asdict(run_part(quick=quick))

    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    console.rule("Results")
    print_facts(facts)
    if "http" in results:
        print_http(http)
    if "access_log" in results:
        print_access_log(access_log)
    if "import" in results:
        print_import(imports)
    if "scheduling" in results:
        print_scheduling(scheduling)
    if "worker" in results:
        print_worker(worker)
    if "communications" in results:
        print_communications(communications)
    if "journeys" in results:
        print_journeys(journeys, journey_reads)
    if "merge" in results:
        print_merge(merge)
    if "duplicates" in results:
        print_duplicates(duplicates)
    if "patient360" in results:
        print_patient360(patient360)
    for part, (title, _) in INTEROP_PARTS.items():
        if part in results:
            print_fields(title, results[part])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    console.print(f"total {results['elapsed_s']}s; results in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

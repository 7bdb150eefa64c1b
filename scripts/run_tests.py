"""``make test``: the linters, the type checker and the whole suite, side by side, saying what each does.

Phases (each a separate process, so that they share the machine's cores):

1. ``ruff format --check``, ``ruff check`` and ``lint-imports`` (the layer contracts);
2. ``mypy --strict`` over ``src`` and ``tests``;
3. ``pytest`` over the whole suite, on SQLite and PostgreSQL, spread over ``PRM_TEST_WORKERS``
   processes (default: the number of cores, at most 4) with pytest-xdist; its output streams live.

The linters' and mypy's output is shown when they finish; the exit code is non-zero when any phase
failed, and the summary names which. ``make test`` runs ``make postgres`` first, so the
PostgreSQL half never skips.
"""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"


@dataclass
class Phase:
    name: str
    commands: list[list[str]]
    started: float = 0.0
    seconds: float = 0.0
    returncode: int | None = None
    output: str = ""


def _run_quiet(phase: Phase) -> subprocess.Popen[str]:
    script = " && ".join(" ".join(command) for command in phase.commands)
    return subprocess.Popen(  # noqa: S602 - our own fixed command lines
        script, shell=True, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def main() -> int:
    workers = os.environ.get("PRM_TEST_WORKERS") or str(min(4, os.cpu_count() or 1))
    lint = Phase(
        "lint (ruff format, ruff check, import contracts)",
        [
            [str(BIN / "ruff"), "format", "--check", "-q", "src", "tests", "benchmarks", "scripts", "samples"],
            [str(BIN / "ruff"), "check", "-q", "src", "tests", "benchmarks", "scripts", "samples"],
            [str(BIN / "lint-imports"), "--no-cache"],
        ],
    )
    types = Phase("types (mypy --strict)", [[str(BIN / "mypy")]])
    suite = Phase(f"suite (pytest on SQLite and PostgreSQL, {workers} workers)", [])
    quiet = {lint.name: lint, types.name: types}
    print(f"== make test: {lint.name}, {types.name} and the {suite.name}, side by side", flush=True)
    started = time.monotonic()
    processes = {}
    for phase in quiet.values():
        phase.started = time.monotonic()
        processes[phase.name] = _run_quiet(phase)
    suite.started = time.monotonic()
    pytest = [str(BIN / "pytest"), "-n", workers, "--dist", "worksteal", *sys.argv[1:]]
    suite.returncode = subprocess.call(pytest, cwd=ROOT)
    suite.seconds = time.monotonic() - suite.started
    for name, process in processes.items():
        output, _ = process.communicate()
        phase = quiet[name]
        phase.returncode = process.returncode
        phase.output = output
        phase.seconds = time.monotonic() - phase.started
    for phase in quiet.values():
        verdict = "ok" if phase.returncode == 0 else "FAILED"
        print(f"\n== {phase.name}: {verdict}", flush=True)
        if phase.output.strip():
            print(phase.output.rstrip(), flush=True)
    print("\n== summary", flush=True)
    failed = []
    for phase in (lint, types, suite):
        verdict = "ok" if phase.returncode == 0 else "FAILED"
        if phase.returncode != 0:
            failed.append(phase.name)
        print(f"   {verdict:6} {phase.name}", flush=True)
    print(f"   make test took {time.monotonic() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

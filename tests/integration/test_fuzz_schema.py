"""Schemathesis over PRM's whole OpenAPI document, against ``prm serve`` on both databases.

Authenticated as an admin of a tenant of its own, ``st run`` gives every operation Schemathesis's
example, coverage, fuzzing and stateful phases with every check: no server error, status codes,
content types and headers as documented, responses matching their schemas, ``Allow`` on 405,
authentication enforced, and PRM's reading of the positive and negative data checks
(:mod:`tests.schemathesis_checks`). The server must log no error while it runs.

``PRM_FUZZ_EXAMPLES`` sets the examples per operation (default 8; ``make fuzz`` runs 300) and
``PRM_FUZZ_SEED`` the seed (fixed by default, so a failure reproduces). The test prints how many
requests were sent and how long they took.
"""

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.served import admin_of_new_tenant, served

EXAMPLES = os.environ.get("PRM_FUZZ_EXAMPLES", "8")
SEED = os.environ.get("PRM_FUZZ_SEED", "20261201")
DOCUMENT = "/api/v1/prm/docs/openapi.json"
SESSION_ENDING = "/auth/(logout|change-password)$"
HOOKS = Path(__file__).resolve().parents[1] / "schemathesis_checks.py"


def _st() -> str:
    local = Path(sys.executable).with_name("st")
    return str(local) if local.exists() else "st"


def _st_run(
    base_url: str, token: str, filter_option: str, pattern: str, folder: Path
) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(  # noqa: S603 - our own command line
        [
            _st(),
            "run",
            base_url + DOCUMENT,
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance,negative_data_rejection",
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            "--workers",
            "2",
            "--request-timeout",
            "30",
            filter_option,
            pattern,
            "--no-color",
        ],
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)},
        cwd=folder,  # Schemathesis keeps its state in the working directory
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )


def _sections(output: str) -> str:
    """The ``ERRORS`` and ``FAILURES`` sections of an ``st run`` output, first, so that a log cut to
    its end still shows what went wrong (Schemathesis prints them as ``=== ERRORS ===``)."""
    found = re.findall(r"^=+ (?:ERRORS|FAILURES) =+$.*?(?=^=+ (?:WARNINGS|SUMMARY) =+$|\Z)", output, re.M | re.S)
    return "\n".join(section[:12000] for section in found)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_operation_answers_as_documented(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(request.getfixturevalue("_sqlite_url" if backend == "sqlite" else "_postgres_url"))
    with served(url, tmp_path / "server.log") as app:
        started = time.monotonic()
        # The operations that end a session get a session of their own, so that the main run's
        # token is never logged out under it.
        # Both tokens first: the main run's failed logins would get this address throttled.
        main_token, session_token = (asyncio.run(admin_of_new_tenant(app))[1] for _ in range(2))
        runs = [
            _st_run(app.base_url, main_token, "--exclude-path-regex", SESSION_ENDING, tmp_path),
            _st_run(app.base_url, session_token, "--include-path-regex", SESSION_ENDING, tmp_path),
        ]
        seconds = time.monotonic() - started
        log = app.log_text()
    generated = sum(int(found.group(1)) for run in runs if (found := re.search(r"(\d+) generated", run.stdout)))
    with capsys.disabled():
        sys.stderr.write(f"\nschemathesis on {backend}: {generated} test cases in {seconds:.0f} s\n")
    for run in runs:
        assert run.returncode == 0, _sections(run.stdout) + "\n...\n" + run.stdout[-6000:] + run.stderr[-3000:]
    errors = [line for line in log.splitlines() if '"level":"error"' in line]
    assert not errors, "\n".join(errors[:20])

"""Check that the PostgreSQL of the test suite answers; start the local cluster if it does not.

Reads ``PRM_TEST_DATABASE_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``).
Exits non-zero with a clear message when no server can be reached: the PostgreSQL tests are
never skipped silently.
"""

import glob
import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlparse

DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def main() -> int:
    url = urlparse(os.environ.get("PRM_TEST_DATABASE_URL", DEFAULT))
    host, port = url.hostname or "127.0.0.1", url.port or 5432
    if answers(host, port):
        print(f"== PostgreSQL answers on {host}:{port}: the suite creates a database of its own there", flush=True)
        return 0
    print(f"PostgreSQL does not answer on {host}:{port}; trying to start the local cluster", file=sys.stderr)
    for conf in sorted(glob.glob("/etc/postgresql/*/main")):
        version = conf.split("/")[3]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
    for _ in range(30):
        if answers(host, port):
            print(f"== PostgreSQL started and answers on {host}:{port}", flush=True)
            return 0
        time.sleep(1)
    print(
        f"error: no PostgreSQL server at {host}:{port}. Start one, or point PRM_TEST_DATABASE_URL at one "
        "(postgresql+psycopg://user@host:port/db); the test suite needs it.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())

"""Render the interactive API docs in headless Chromium with no network but loopback, to a PNG.

    .venv/bin/python scripts/docs_screenshot.py [OUTPUT.png]

Serves PRM (``prm serve``, a scratch SQLite database) on a free loopback port, then runs Debian's
``chromium`` headless with every host name resolving to nothing except 127.0.0.1, so a page that
needed a CDN would render blank. Prints the PNG's path and size; look at it to check that Swagger
UI drew the operations. Needs ``apt-get install chromium``; not part of ``make test``.
"""

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    output = Path(sys.argv[1] if len(sys.argv) > 1 else "docs-offline.png").resolve()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="prm-docs-"))
    port = _free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "PRM_DATABASE_URL": f"sqlite+aiosqlite:///{scratch / 'prm.sqlite3'}",
        "PRM_PORT": str(port),
        "PRM_STATE_DIR": str(scratch),
        "PRM_ENV": "test",
    }
    prm = str(ROOT / ".venv" / "bin" / "prm")
    subprocess.run([prm, "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([prm, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={scratch / 'chromium'}",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--window-size=1280,1600",
                "--virtual-time-budget=8000",
                f"--screenshot={output}",
                f"http://127.0.0.1:{port}/api/v1/prm/docs",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{output} ({output.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

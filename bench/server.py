"""FixTracker under gunicorn on this machine, as production runs it.

For the load benchmark and for the tests that need a real server (concurrency, the
database outage, `make serve`): one way to prepare its database, start it and wait for it.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# 32 characters: a valid unmasked CSRF secret, sent as both cookie and header by clients
# whose sessions were made in advance.
CSRF_SECRET = "preparedclientscsrfsecret0123456"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(**settings: str) -> dict[str, str]:
    """This process's environment with DEBUG off over plain HTTP on 127.0.0.1, plus `settings`.

    Whatever Django or pytest set for this process is left out: the server has its own.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DEBUG="0",
        FIXTRACKER_HTTPS="0",
        FIXTRACKER_BEHIND_PROXY="0",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    env.update(settings)
    return env


def run_python(env: dict[str, str], *args: str) -> str:
    """Run `python *args` in the project with `env`; its output, or an error with all of it."""
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"python {' '.join(args[:2])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare_database(env: dict[str, str]) -> None:
    """A new, empty, migrated database at env's DATABASE_URL, and the collected static files."""
    run_python(env, "-m", "fixtracker.dbcreate", "--recreate")
    run_python(env, "manage.py", "migrate", "--noinput", "-v0")
    run_python(env, "manage.py", "collectstatic", "--noinput", "-v0")


def start_gunicorn(env: dict[str, str], port: int, **popen) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "fixtracker.wsgi", "-c", "gunicorn.conf.py"]
    return subprocess.Popen([*command, "--bind", f"127.0.0.1:{port}"], cwd=ROOT, env=env, **popen)


def wait_until_healthy(base: str, process: subprocess.Popen, seconds: float = 30) -> None:
    """Until `/healthz` answers 200; fails with the server's output if it stopped first."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            output = process.stdout or process.stderr
            raise RuntimeError("the server stopped:\n" + (output.read().decode() if output else ""))
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base} did not answer /healthz within {seconds:.0f} s")
        time.sleep(0.1)

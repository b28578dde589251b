"""A gunicorn worker killed with SIGKILL during a burst of submissions.

gunicorn with two sync workers serves the app on a free loopback port with an SQLite file.
Four clients create accounts (each one a user row plus its audit event, in one transaction);
meanwhile a worker is killed twice. Afterwards every acknowledged (redirected) submission is
stored, no submission is stored half (a user without its audit event or the other way
round), and the server still answers.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.faults.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Browser,
    base_config,
    free_port,
    prepare_database,
    wait_until_serving,
)

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = 60
CLIENTS = 4
KILL_AFTER = (12, 35)  # kill a worker once this many submissions have been answered


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def test_sigkill_of_a_worker_loses_no_acknowledged_submission(tmp_path):
    database = tmp_path / "bundler.sqlite"
    url = f"sqlite:///{database}"
    prepare_database(url)
    port = free_port()
    env = {
        **os.environ,
        "BUNDLER_FAULT_CONFIG": json.dumps(base_config(tmp_path, url)),
        "PYTHONPATH": str(ROOT),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--worker-class", "sync", "--timeout", "30",
         "--bind", f"127.0.0.1:{port}", "tests.faults.wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_until_serving(port)
        admin = Browser(port)
        admin.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        token = admin.token("/beheer/gebruikers/nieuw")
        answered = 0
        lock = threading.Lock()
        kills: list[int] = []

        def submit(number: int) -> tuple[str, int | str]:
            nonlocal answered
            email = f"burst-{number:03d}@example.org"
            client = Browser(port, cookies=dict(admin.cookies))
            try:
                response = client.request(
                    "POST",
                    "/beheer/gebruikers/nieuw",
                    {
                        "email": email,
                        "name": f"Burst {number}",
                        "role": "pilot",
                        "password": f"burst password {number:03d}",
                        "csrf_token": token,
                    },
                )
                outcome: int | str = response.status
            except OSError as error:  # the worker died under this request
                outcome = type(error).__name__
            with lock:
                answered += 1
                if answered in KILL_AFTER:
                    victims = _workers(server.pid)
                    if victims:
                        os.kill(victims[0], signal.SIGKILL)
                        kills.append(victims[0])
            return email, outcome

        started = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            outcomes = list(pool.map(submit, range(SUBMISSIONS)))
        assert time.monotonic() - started < 120
        assert len(kills) == len(KILL_AFTER), "no worker was killed"

        acknowledged = {email for email, outcome in outcomes if outcome == 302}
        failed = {email: outcome for email, outcome in outcomes if outcome != 302}
        assert acknowledged, outcomes
        # The master replaced the killed workers: the server answers again.
        wait_until_serving(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    with sqlite3.connect(database) as connection:
        users = dict(
            connection.execute(
                "SELECT email, id FROM user_account WHERE email LIKE 'burst-%'"
            ).fetchall()
        )
        events = {
            int(object_id)
            for (object_id,) in connection.execute(
                "SELECT object_id FROM audit_event WHERE action = 'user.created'"
            )
        }
    missing = acknowledged - users.keys()
    assert not missing, f"acknowledged but not stored: {sorted(missing)}"
    half = {email for email, pk in users.items() if pk not in events}
    assert not half, f"stored without its audit event: {sorted(half)}"
    orphans = events - set(users.values()) - {1}  # 1: the administrator made beforehand
    assert not orphans, f"audit events without their account: {sorted(orphans)}"
    print(  # the figures, for the record (shown with -s)
        f"{SUBMISSIONS} submissions, {len(acknowledged)} acknowledged, {len(failed)} not "
        f"({sorted(set(map(str, failed.values())))}), {len(users)} stored, kills {kills}"
    )

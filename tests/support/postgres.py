"""A throwaway PostgreSQL cluster for the store's tests: Debian's PostgreSQL 15 binaries, a temp folder, a
free port on loopback, trust authentication, removed afterwards. PostgreSQL refuses to run as root, so as
root the cluster runs as ``nobody`` (its folder handed over to it)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN = Path(os.environ.get("UPSCALE_PG_BIN", "/usr/lib/postgresql/15/bin"))


def missing() -> str:
    """Why no cluster can be started here ("" when one can)."""
    if not (BIN / "initdb").is_file() or not (BIN / "pg_ctl").is_file():
        return f"PostgreSQL 15 is not installed ({BIN}/initdb): `make test` installs it where it can (apt-get)"
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def cluster():
    """Yields the server's SQLAlchemy URL prefix (``postgresql+psycopg://postgres@127.0.0.1:PORT``)."""
    as_user = {}
    folder = Path(tempfile.mkdtemp(prefix="upscale-pg-"))
    if os.getuid() == 0:
        nobody = pwd.getpwnam("nobody")
        as_user = {"user": nobody.pw_uid, "group": nobody.pw_gid}
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    data, port = folder / "data", _free_port()
    run = dict(check=True, cwd=folder, capture_output=True, **as_user)
    try:
        # --no-sync and fsync=off: a test cluster need not survive a power cut, and is seconds faster
        subprocess.run([BIN / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
                       **run)
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        subprocess.run([BIN / "pg_ctl", "-D", data, "-o", options, "-l", folder / "log", "-w", "-t", "60", "start"],
                       **run)
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
        finally:
            subprocess.run([BIN / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], **{**run, "check": False})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server: str, name: str) -> str:
    """A new empty database on the cluster; its URL."""
    import psycopg

    host_port = server.rsplit("@", 1)[1]
    host, port = host_port.split(":")
    with psycopg.connect(host=host, port=int(port), user="postgres", dbname="postgres", autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"

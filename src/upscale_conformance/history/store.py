"""The results store: every run's verdicts, in SQLite by default or any database SQLAlchemy reaches
(PostgreSQL for a team whose CI runs on many machines).

The default is ``./reports/history.sqlite``, nothing to start or configure; ``--history URL`` or
``$UPSCALE_HISTORY`` points elsewhere (``postgresql+psycopg://user@host/db``). A run is stored once:
adding the same run again (the same id) changes nothing, so importing a folder twice is harmless and
parallel CI jobs that write at once lose nothing (each insert is one transaction; a duplicate is
refused by the primary key, not by a read before the write).

The schema is versioned (Alembic, the scripts in ``migrations/``): opening a store brings it to this tool's
version under a lock, so processes that open a fresh store at once create it once; a store written by a
newer tool is refused in one line.

>>> store = Store("sqlite://")  # in memory
>>> from .records import Recorded, Run, ClauseResult
>>> store.add(Recorded(Run("r1", "run", "2026-12-01T00:00:00+00:00", "2026-12-01T00:01:00+00:00", "local"),
...                    [ClauseResult("DIM-4X", "must", "PASS")]))
True
>>> store.add(Recorded(Run("r1", "run", "2026-12-01T00:00:00+00:00", "2026-12-01T00:01:00+00:00", "local")))
False
>>> [r.id for r in store.runs()], store.resolve("latest").id
(['r1'], 'r1')
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError

from ..errors import ConformanceError
from .records import ClauseResult, Finding, LimitSeen, Recorded, Run

ENV = "UPSCALE_HISTORY"
DEFAULT_PATH = Path("reports") / "history.sqlite"
# Every schema revision this tool knows, oldest first (migrations/versions/); the last is the one it writes.
# Kept here so that opening an up-to-date store never imports Alembic (tests/unit/test_history_store.py
# holds this list to the scripts).
SCHEMA = ("0001",)
# Not Alembic's default name: a team's database may hold another application's alembic_version.
VERSION_TABLE = "upscale_history_version"
# pg_advisory_xact_lock key for the upgrade: any constant other tools are unlikely to use ("UCHIST").
_PG_LOCK = 0x5543_4849_5354


class HistoryError(ConformanceError):
    """The store cannot be opened or a run reference names no run."""

    code = "UC400"


metadata = MetaData()
runs = Table(
    "runs", metadata,
    Column("id", String(80), primary_key=True),
    Column("command", String(16), nullable=False),
    Column("started", String(40), nullable=False),
    Column("finished", String(40), nullable=False, index=True),
    Column("target", Text, nullable=False, index=True),
    Column("golden_target", Text, default=""),
    Column("profile", String(120), default=""),
    Column("tool", String(120), default=""),
    Column("model_versions", Text, default="[]"),
    Column("commit", String(80), default=""),
    Column("branch", Text, default=""),
    Column("job_url", Text, default=""),
    Column("calls", Integer, default=0),
    Column("billable", Integer, default=0),
    Column("exit_code", Integer, default=0),
    Column("verdict", String(80), default=""),
    Column("report", Text, default=""),
)
clauses = Table(
    "clause_results", metadata,
    Column("run_id", String(80), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("clause", String(120), primary_key=True),
    Column("level", String(16), default=""),
    Column("verdict", String(16), nullable=False),
    Column("tests", Integer, default=0),
    Column("cases", Integer, default=0),
    Column("calls", Integer, default=0),
)
findings = Table(
    "findings", metadata,
    Column("run_id", String(80), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("fingerprint", String(400), primary_key=True),
    Column("clause", String(120), nullable=False),
    Column("code", String(120), nullable=False),
    Column("mode", String(40), default=""),
    Column("model_version", String(120), default=""),
    Column("export_format", String(40), default=""),
    Column("input_kind", String(40), default=""),
)
limits = Table(
    "limits", metadata,
    Column("run_id", String(80), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("mode", String(40), primary_key=True),
    Column("finding", Text, nullable=False),
    Column("drift", String(16), default=""),
)


def default_url(environ=None) -> str:
    env = os.environ if environ is None else environ
    return env.get(ENV) or f"sqlite:///{DEFAULT_PATH}"


class Store:
    """One results store. ``url`` is a SQLAlchemy URL; None: ``$UPSCALE_HISTORY``, else the SQLite default."""

    def __init__(self, url: str | None = None, timeout: float = 30):
        """``timeout``: seconds to wait for the database (a SQLite writer, a server's connection)."""
        self.url = url or default_url()
        if self.url.startswith("sqlite:///") and self.url != "sqlite://":
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = create_engine(self.url, connect_args=_connect_args(self.url, timeout))
            if self.engine.dialect.name == "sqlite":
                _immediate_transactions(self.engine)
            upgrade(self.engine)
        except HistoryError:
            raise
        except Exception as exc:  # a bad URL or an unreachable server: one line, no traceback
            raise HistoryError(f"cannot open the results store {url_shown(self.url)}: "
                               f"{str(exc).strip() or type(exc).__name__}".splitlines()[0]) from None

    def add(self, recorded: Recorded) -> bool:
        """Store one run; False when it is there already (nothing changes)."""
        run = asdict(recorded.run)
        run["model_versions"] = json.dumps(list(recorded.run.model_versions))
        try:
            with self.engine.begin() as db:
                db.execute(insert(runs).values(**run))
                rid = recorded.run.id
                if recorded.clauses:
                    db.execute(insert(clauses), [{"run_id": rid, **asdict(c)} for c in recorded.clauses])
                if recorded.findings:
                    db.execute(insert(findings), [{"run_id": rid, "fingerprint": f.fingerprint, **asdict(f)}
                                                  for f in {f.fingerprint: f for f in recorded.findings}.values()])
                if recorded.limits:
                    db.execute(insert(limits), [{"run_id": rid, **asdict(lim)} for lim in recorded.limits])
        except IntegrityError:
            return False  # the same run, stored by this or another process
        return True

    def add_all(self, recorded: Iterable[Recorded]) -> tuple[int, int]:
        """(runs added, runs already there)."""
        added = seen = 0
        for r in recorded:
            if self.add(r):
                added += 1
            else:
                seen += 1
        return added, seen

    def runs(self, since: str | None = None, target: str | None = None, command: str | None = None) -> list[Run]:
        """Runs oldest first; ``since`` an ISO time (finished at or after it)."""
        query = select(runs).order_by(runs.c.finished, runs.c.id)
        if since:
            query = query.where(runs.c.finished >= since)
        if target:
            query = query.where(runs.c.target == target)
        if command:
            query = query.where(runs.c.command == command)
        with self.engine.connect() as db:
            return [_run(row) for row in db.execute(query).mappings()]

    def clause_results(self, run_ids: Iterable[str]) -> dict[str, list[ClauseResult]]:
        return self._by_run(clauses, run_ids, ClauseResult)

    def findings(self, run_ids: Iterable[str]) -> dict[str, list[Finding]]:
        return self._by_run(findings, run_ids, Finding)

    def limits(self, run_ids: Iterable[str]) -> dict[str, list[LimitSeen]]:
        return self._by_run(limits, run_ids, LimitSeen)

    def resolve(self, ref: str) -> Run:
        """A run by id, ``latest`` or ``latest@TARGET`` (the newest ``run`` of that target)."""
        if ref == "latest" or ref.startswith("latest@"):
            target = ref.partition("@")[2] or None
            found = self.runs(target=target, command="run")
            if not found:
                raise HistoryError(f"no run{' of ' + target if target else ''} in {url_shown(self.url)}")
            return found[-1]
        with self.engine.connect() as db:
            row = db.execute(select(runs).where(runs.c.id == ref)).mappings().first()
        if row is None:
            raise HistoryError(f"no run {ref!r} in {url_shown(self.url)} (give a run id, latest or latest@TARGET)")
        return _run(row)

    def _by_run(self, table: Table, run_ids: Iterable[str], kind) -> dict[str, list]:
        ids = list(run_ids)
        names = [f.name for f in fields(kind)]
        out: dict[str, list] = {rid: [] for rid in ids}
        with self.engine.connect() as db:
            for start in range(0, len(ids), 500):  # bounded IN lists
                for row in db.execute(select(table).where(table.c.run_id.in_(ids[start:start + 500]))).mappings():
                    out[row["run_id"]].append(kind(**{n: row[n] for n in names}))
        return out


def _connect_args(url: str, timeout: float) -> dict:
    if url.startswith("sqlite"):
        return {"timeout": timeout}  # a writer waits for another instead of failing at once
    if url.startswith("postgresql"):
        return {"connect_timeout": max(1, round(timeout))}  # an unreachable server must not hang a run
    return {}


def _immediate_transactions(engine) -> None:
    """SQLite: every transaction takes the write lock when it begins (BEGIN IMMEDIATE). pysqlite's own
    deferred BEGIN lets two writers both read and then fail at once ("database is locked") instead of waiting,
    and runs DDL outside any transaction, so two processes could both create the schema. (SQLAlchemy's
    documented recipe for taking over SQLite's transaction control.)"""

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def schema_version(db) -> str | None:
    """The store's schema revision; None for an empty database."""
    if not inspect(db).has_table(VERSION_TABLE):
        return None
    return db.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()


def upgrade(engine) -> None:
    """Bring the store to this tool's schema, in one transaction under a lock: SQLite's write lock, a
    PostgreSQL advisory lock. Whoever comes second waits, then finds the schema there. A store at the
    current version costs one query; Alembic is imported only when there is something to do."""
    with engine.begin() as db:
        if engine.dialect.name == "postgresql":
            db.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
        current = schema_version(db)
        if current == SCHEMA[-1]:
            return
        if current is not None and current not in SCHEMA:
            raise HistoryError(f"the results store {url_shown(engine.url)} has schema version {current}, newer than "
                               f"this upscale-conformance knows (up to {SCHEMA[-1]}): upgrade upscale-conformance")
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", "upscale_conformance.history:migrations")
        config.attributes["connection"] = db  # env.py migrates on it, inside this transaction
        command.upgrade(config, "head")


def _run(row) -> Run:
    data = {f.name: row[f.name] for f in fields(Run)}
    data["model_versions"] = tuple(json.loads(data["model_versions"] or "[]"))
    return Run(**data)


def url_shown(url) -> str:
    """The URL without a password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(an unreadable URL)"

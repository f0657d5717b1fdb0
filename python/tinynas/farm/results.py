"""The results database (SQLAlchemy): SQLite by default (a file), PostgreSQL by URL for a shared farm.

  measurements   one row per measured job, unique by job key: a job delivered twice (a worker died, the broker
                 re-delivered it) is stored once; the second store returns the first row
  failures       a job that failed for good, with the reason (a model the firmware refuses, a board that gave up)
  runs, run_jobs a suite submitted once (`farm run`): which jobs it holds and how each ended
  boards         each farm board's state (ok / quarantined) and why
  health         the reference result of the health-check model per (board kind, firmware build)
"""
from __future__ import annotations

import datetime
import json
import socket
import time
import uuid
from typing import Optional

from sqlalchemy import (Boolean, Column, DateTime, Float, ForeignKey, Integer, String, Text, create_engine, event,
                        inspect, text,
                        select)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, declarative_base

Base = declarative_base()

MEASUREMENT_FIELDS = ("model_hash", "model_id", "space", "board_kind", "board_name", "board_serial", "host",
                      "firmware_build_id", "tinynas_revision", "runs", "seed", "latency_value", "latency_unit",
                      "latency_source", "instructions", "latency_predicted", "sram_measured", "sram_predicted",
                      "stack_measured", "flash_bytes", "flash_predicted", "bit_exact", "runs_identical",
                      "ticks_per_instruction", "patches", "split_block", "started_at", "finished_at")


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class Measurement(Base):
    __tablename__ = "measurements"
    id = Column(Integer, primary_key=True)
    job_key = Column(String(64), unique=True, nullable=False)
    model_hash = Column(String(64), nullable=False, index=True)
    model_id = Column(String(200), nullable=False)
    space = Column(String(100), nullable=False, default="")
    board_kind = Column(String(100), nullable=False, index=True)
    board_name = Column(String(100), nullable=False)
    board_serial = Column(String(100), nullable=False, default="")
    host = Column(String(200), nullable=False)
    firmware_build_id = Column(String(64), nullable=False)
    tinynas_revision = Column(String(64), nullable=False)
    runs = Column(Integer, nullable=False)
    seed = Column(Integer, nullable=False)
    latency_value = Column(Float, nullable=False)
    latency_unit = Column(String(16), nullable=False)     # "ticks" (QEMU) or "cycles"
    latency_source = Column(String(32), nullable=False)   # "qemu-icount-ticks", "dwt-cycles", ...
    instructions = Column(Float, nullable=False, default=0)
    ticks_per_instruction = Column(Float, nullable=False, default=0)  # QEMU: ticks per instruction; 0 on silicon
    latency_predicted = Column(Float)                     # the board's calibrated table, in latency_unit
    sram_measured = Column(Integer, nullable=False)
    sram_predicted = Column(Integer, nullable=False)
    stack_measured = Column(Integer, nullable=False, default=0)
    flash_bytes = Column(Integer, nullable=False)
    flash_predicted = Column(Integer, nullable=False)
    bit_exact = Column(Boolean, nullable=False)
    runs_identical = Column(Boolean, nullable=False)
    patches = Column(Integer, nullable=False, default=0)     # the patch schedule's n x n grid; 0: in place
    split_block = Column(Integer, nullable=False, default=-1)  # its last block run per patch
    layers = Column(Text, nullable=False)                 # JSON: [{op, name, type, ticks, macs}]
    netconfig = Column(Text, nullable=False)              # JSON: the model measured (reproducible, refittable)
    started_at = Column(DateTime(timezone=True), nullable=False)
    finished_at = Column(DateTime(timezone=True), nullable=False)


class AccuracyMeasurement(Base):
    """A trained model's int8 top-1 on a board next to the host runtime's on the same inputs."""
    __tablename__ = "accuracy_measurements"
    id = Column(Integer, primary_key=True)
    job_key = Column(String(64), unique=True, nullable=False)
    model_file = Column(Text, nullable=False)
    file_hash = Column(String(64), nullable=False, index=True)
    model_id = Column(String(200), nullable=False)
    board_kind = Column(String(100), nullable=False, index=True)
    board_name = Column(String(100), nullable=False)
    host = Column(String(200), nullable=False)
    firmware_build_id = Column(String(64), nullable=False)
    tinynas_revision = Column(String(64), nullable=False)
    split = Column(String(8), nullable=False)
    images = Column(Integer, nullable=False)
    board_accuracy = Column(Float, nullable=False)
    host_accuracy = Column(Float, nullable=False)
    identical_outputs = Column(Integer, nullable=False)
    seconds = Column(Float, nullable=False)
    started_at = Column(DateTime(timezone=True), nullable=False)
    finished_at = Column(DateTime(timezone=True), nullable=False)


class Failure(Base):
    __tablename__ = "failures"
    id = Column(Integer, primary_key=True)
    model_hash = Column(String(64), nullable=False)
    model_id = Column(String(200), nullable=False)
    board_kind = Column(String(100), nullable=False)
    board_name = Column(String(100), nullable=False)
    kind = Column(String(16), nullable=False)  # "model" (never retried) or "board" (after the retries)
    reason = Column(Text, nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)


class Run(Base):
    __tablename__ = "runs"
    id = Column(String(36), primary_key=True)
    suite = Column(String(200), nullable=False, index=True)
    thresholds = Column(Text, nullable=False)
    host = Column(String(200), nullable=False)
    engine = Column(String(16), nullable=False)  # "local" or "celery"
    created_at = Column(DateTime(timezone=True), nullable=False)
    finished_at = Column(DateTime(timezone=True))
    verdict = Column(String(8))  # the last regression report's: "pass" or "fail" (None: never reported)


class RunJob(Base):
    __tablename__ = "run_jobs"
    run_id = Column(String(36), ForeignKey("runs.id"), primary_key=True)
    model_hash = Column(String(64), primary_key=True)
    board_kind = Column(String(100), primary_key=True)
    model_id = Column(String(200), nullable=False)
    kind = Column(String(16), nullable=False, default="profile")  # profile or accuracy
    status = Column(String(16), nullable=False, default="queued")  # queued, done, failed
    job_key = Column(String(64))       # the measurement (done)
    reused = Column(Boolean, default=False)  # the measurement existed before this run
    reason = Column(Text)              # failed


class BoardState(Base):
    __tablename__ = "boards"
    name = Column(String(100), primary_key=True)
    kind = Column(String(100), nullable=False)
    host = Column(String(200), nullable=False)
    state = Column(String(16), nullable=False)  # ok, quarantined
    reason = Column(Text, nullable=False, default="")
    updated_at = Column(DateTime(timezone=True), nullable=False)


class HealthReference(Base):
    __tablename__ = "health"
    board_kind = Column(String(100), primary_key=True)
    firmware_build_id = Column(String(64), primary_key=True)
    latency_value = Column(Float, nullable=False)
    sram_measured = Column(Integer, nullable=False)
    recorded_by = Column(String(100), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)


def _row(obj) -> dict:
    out = {c.name: getattr(obj, c.name) for c in obj.__table__.columns}
    for k, v in out.items():
        if isinstance(v, datetime.datetime):
            out[k] = (v if v.tzinfo else v.replace(tzinfo=datetime.timezone.utc)).isoformat()
    for key in ("layers", "netconfig"):
        if key in out and isinstance(out[key], str):
            out[key] = json.loads(out[key])
    return out


# Columns added after the first release of the results schema, by table: added to an older database when opened.
_ADDED_COLUMNS = {"measurements": ("patches", "split_block")}


class Results:
    """The farm's results. Safe to open from several processes (SQLite in WAL mode with a busy timeout)."""

    def __init__(self, url: str):
        self.url = url
        sqlite = url.startswith("sqlite")
        self.engine = create_engine(url, future=True, connect_args={"timeout": 60} if sqlite else {})
        if sqlite:
            @event.listens_for(self.engine, "connect")
            def _wal(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()
        self._create_tables()

    def _create_tables(self):
        # Workers starting together race to create the tables; the loser sees "already exists" and checks again.
        for attempt in range(5):
            try:
                Base.metadata.create_all(self.engine)
                self._add_new_columns()
                return
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def _add_new_columns(self):
        """A database made by an older TinyNAS gains the columns added since, with their defaults (the patch plan:
        rows measured before it ran in place)."""
        for table, columns in _ADDED_COLUMNS.items():
            present = {c["name"] for c in inspect(self.engine).get_columns(table)}
            for name in columns:
                if name in present:
                    continue
                column = Base.metadata.tables[table].columns[name]
                with self.engine.begin() as c:
                    c.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} "
                                   f"{column.type.compile(self.engine.dialect)} NOT NULL DEFAULT {column.default.arg}"))

    def close(self):
        self.engine.dispose()

    # --- measurements ---------------------------------------------------------------------------------------
    def measurement(self, job_key: str) -> Optional[dict]:
        with Session(self.engine) as s:
            m = s.execute(select(Measurement).where(Measurement.job_key == job_key)).scalar_one_or_none()
            return _row(m) if m else None

    def store_measurement(self, job_key: str, row: dict) -> tuple:
        """Stores the row once; returns (the stored row, True if this call stored it)."""
        values = {k: row[k] for k in MEASUREMENT_FIELDS if k in row}
        values["layers"] = json.dumps(row.get("layers", []))
        values["netconfig"] = json.dumps(row["netconfig"], sort_keys=True)
        with Session(self.engine) as s:
            try:
                s.add(Measurement(job_key=job_key, **values))
                s.commit()
                stored = True
            except IntegrityError:  # another delivery of the same job stored it first
                s.rollback()
                stored = False
        return self.measurement(job_key), stored

    def accuracy_measurement(self, job_key: str) -> Optional[dict]:
        with Session(self.engine) as s:
            m = s.execute(select(AccuracyMeasurement).where(AccuracyMeasurement.job_key == job_key)) \
                .scalar_one_or_none()
            return _row(m) if m else None

    def store_accuracy(self, job_key: str, row: dict) -> tuple:
        """Stores the row once; returns (the stored row, True if this call stored it)."""
        with Session(self.engine) as s:
            try:
                s.add(AccuracyMeasurement(job_key=job_key, **row))
                s.commit()
                stored = True
            except IntegrityError:
                s.rollback()
                stored = False
        return self.accuracy_measurement(job_key), stored

    def measurements(self, board_kind: Optional[str] = None) -> list:
        with Session(self.engine) as s:
            q = select(Measurement).order_by(Measurement.id)
            if board_kind:
                q = q.where(Measurement.board_kind == board_kind)
            return [_row(m) for m in s.execute(q).scalars()]

    def store_failure(self, model_hash: str, model_id: str, board_kind: str, board_name: str, kind: str,
                      reason: str):
        with Session(self.engine) as s:
            s.add(Failure(model_hash=model_hash, model_id=model_id, board_kind=board_kind, board_name=board_name,
                          kind=kind, reason=reason, at=now()))
            s.commit()

    def failures(self) -> list:
        with Session(self.engine) as s:
            return [_row(f) for f in s.execute(select(Failure).order_by(Failure.id)).scalars()]

    # --- runs -----------------------------------------------------------------------------------------------
    def start_run(self, suite, engine: str) -> str:
        run_id = str(uuid.uuid4())
        with Session(self.engine) as s:
            s.add(Run(id=run_id, suite=suite.name, thresholds=json.dumps(suite.thresholds), host=socket.gethostname(),
                      engine=engine, created_at=now()))
            s.flush()  # the run row first: run_jobs refer to it
            for job in suite.jobs:
                s.add(RunJob(run_id=run_id, model_hash=job.model.content_hash, board_kind=job.board_kind,
                             model_id=job.model.model_id, kind=job.kind, status="queued"))
            s.commit()
        return run_id

    def finish_job(self, run_id: str, model_hash: str, board_kind: str, job_key: Optional[str] = None,
                   reused: bool = False, reason: Optional[str] = None):
        """Idempotent: a job finished twice keeps its first outcome unless the first was a failure."""
        with Session(self.engine) as s:
            rj = s.get(RunJob, (run_id, model_hash, board_kind))
            if rj is None or rj.status == "done":
                return
            rj.status, rj.job_key, rj.reused, rj.reason = ("done", job_key, reused, None) if job_key else \
                ("failed", None, False, reason)
            s.commit()

    def finish_run(self, run_id: str):
        with Session(self.engine) as s:
            run = s.get(Run, run_id)
            if run and run.finished_at is None:
                run.finished_at = now()
                s.commit()

    def set_verdict(self, run_id: str, verdict: str):
        with Session(self.engine) as s:
            run = s.get(Run, run_id)
            if run is not None:
                run.verdict = verdict
                s.commit()

    def run(self, run_id: str) -> Optional[dict]:
        with Session(self.engine) as s:
            r = s.get(Run, run_id)
            if r is None:
                return None
            out = _row(r)
            out["thresholds"] = json.loads(r.thresholds)
            return out

    def runs(self, suite: Optional[str] = None) -> list:
        """Runs, oldest first."""
        with Session(self.engine) as s:
            q = select(Run).order_by(Run.created_at)
            if suite:
                q = q.where(Run.suite == suite)
            return [dict(_row(r), thresholds=json.loads(r.thresholds)) for r in s.execute(q).scalars()]

    def run_jobs(self, run_id: str) -> list:
        """The run's jobs, each with its measurement or accuracy measurement (None until done)."""
        with Session(self.engine) as s:
            rows = s.execute(select(RunJob, Measurement, AccuracyMeasurement)
                             .outerjoin(Measurement, RunJob.job_key == Measurement.job_key)
                             .outerjoin(AccuracyMeasurement, RunJob.job_key == AccuracyMeasurement.job_key)
                             .where(RunJob.run_id == run_id).order_by(RunJob.board_kind, RunJob.model_id)).all()
            return [dict(_row(rj), measurement=_row(m) if m else None, accuracy=_row(a) if a else None)
                    for rj, m, a in rows]

    # --- boards and health ----------------------------------------------------------------------------------
    def set_board_state(self, name: str, kind: str, state: str, reason: str = ""):
        with Session(self.engine) as s:
            b = s.get(BoardState, name) or BoardState(name=name)
            b.kind, b.host, b.state, b.reason, b.updated_at = kind, socket.gethostname(), state, reason, now()
            s.merge(b)
            s.commit()

    def board_states(self) -> list:
        with Session(self.engine) as s:
            return [_row(b) for b in s.execute(select(BoardState).order_by(BoardState.name)).scalars()]

    def health_reference(self, board_kind: str, firmware_build_id: str) -> Optional[dict]:
        with Session(self.engine) as s:
            h = s.get(HealthReference, (board_kind, firmware_build_id))
            return _row(h) if h else None

    def record_health_reference(self, board_kind: str, firmware_build_id: str, latency: float, sram: int,
                                board_name: str) -> dict:
        """The first healthy board of a kind and firmware records the reference; later records keep the first."""
        with Session(self.engine) as s:
            try:
                s.add(HealthReference(board_kind=board_kind, firmware_build_id=firmware_build_id,
                                      latency_value=latency, sram_measured=sram, recorded_by=board_name, at=now()))
                s.commit()
            except IntegrityError:
                s.rollback()
        return self.health_reference(board_kind, firmware_build_id)

"""One board of the farm, held open between jobs: its Profiler (QEMU process or OpenOCD link), its health check,
and the execution of a job into a stored measurement or a stored failure."""
from __future__ import annotations

import json
import logging
import os
import pathlib
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Optional

from .config import FarmBoard
from .jobs import Job, firmware_build_id, model_from
from .results import Results, now

log = logging.getLogger("tinynas.farm")

# The health-check model: small enough to run in well under a second on every board, large enough to use every
# kernel kind (stem conv, depthwise, pointwise, residual add, pooling, classifier).
HEALTH_ARCH = ("w0.5-r20-k3e3-k3e3-k3e3-k3e3", "fashion_mnist")
HEALTH_RUNS = 2
# A real board's cycle counts vary a little from run to run and with temperature; QEMU's are exact.
HEALTH_TOLERANCE_REAL = 0.05


@dataclass
class Outcome:
    status: str                     # "done" or "failed"
    job_key: Optional[str] = None   # done: the measurement's key
    reused: bool = False            # done: measured before, not run again
    failure: str = ""               # failed: "model" (never retried) or "board"
    reason: str = ""


def revision() -> str:
    """TinyNAS's git revision ($TINYNAS_REVISION, else the source tree's HEAD, else the package version)."""
    if os.environ.get("TINYNAS_REVISION"):
        return os.environ["TINYNAS_REVISION"]
    from .. import _core
    repo = pathlib.Path(_core.config_dir()).parent
    try:
        out = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return "unknown"


class BoardError(OSError):
    """The board failed after its retries (the C++ core's BoardError, or a failed health check)."""


class BoardSession:
    def __init__(self, board: FarmBoard, results: Results, firmware: str = "", timeout_ms: int = 30000,
                 retries: int = 2, boot_timeout_ms: int = 10000):
        self.board = board
        self.results = results
        self.firmware = firmware
        self.timeout_ms = timeout_ms
        self.retries = retries
        self.boot_timeout_ms = boot_timeout_ms
        self.revision = revision()
        self.host = socket.gethostname()
        self._profiler = None
        self._board_file = None
        self.firmware_build_id = ""

    # --- the link -------------------------------------------------------------------------------------------
    def _board_arg(self) -> str:
        """The board kind's name, or for a board with link settings of its own (a probe serial, a remote OpenOCD)
        a board file with them (written once)."""
        config = self.board.board_config()
        if config is None:
            return self.board.kind
        if self._board_file is None:
            fd, path = tempfile.mkstemp(prefix=f"tinynas-farm-{self.board.name}-", suffix=".json")
            with os.fdopen(fd, "w") as f:
                json.dump(config, f)
            self._board_file = path
        return self._board_file

    def open(self):
        from .. import _core
        if self._profiler is None:
            self._profiler = _core.Profiler(self._board_arg(), firmware=self.firmware, timeout_ms=self.timeout_ms,
                                            retries=self.retries, boot_timeout_ms=self.boot_timeout_ms)
            self.firmware_build_id = firmware_build_id(self._profiler.firmware)
        return self._profiler

    def close(self):
        if self._profiler is not None:
            self._profiler.close()
            self._profiler = None
        if self._board_file:
            pathlib.Path(self._board_file).unlink(missing_ok=True)
            self._board_file = None

    def reset(self):
        """After a failure: drop the link so the next job starts the board afresh."""
        if self._profiler is not None:
            self._profiler.close()
            self._profiler = None

    # --- health ---------------------------------------------------------------------------------------------
    def health_check(self) -> tuple:
        """(healthy, reason). Profiles the health model and compares with the reference recorded for this board
        kind and firmware build by the first healthy board (exact on QEMU; within 5% on silicon)."""
        from .. import _core
        try:
            profiler = self.open()
            arch = _core.Arch.from_id(*HEALTH_ARCH)
            r = profiler.profile(arch, runs=HEALTH_RUNS, seed=0)
        except (OSError, ValueError, RuntimeError) as e:
            self.reset()
            return False, f"health check: {e}"
        if not r["bit_exact"]:
            return False, "health check: the output differs from the host runtime"
        ref = self.results.record_health_reference(self.board.kind, self.firmware_build_id, r["latency"]["value"],
                                                   r["peak_sram_bytes_measured"], self.board.name)
        emulated = _core.Board.load(self.board.kind).emulated
        tolerance = 0.0 if emulated else HEALTH_TOLERANCE_REAL
        deviation = abs(r["latency"]["value"] - ref["latency_value"]) / max(ref["latency_value"], 1.0)
        if deviation > tolerance or r["peak_sram_bytes_measured"] != ref["sram_measured"]:
            return False, (f"health check: latency {r['latency']['value']:.0f} and SRAM "
                           f"{r['peak_sram_bytes_measured']} B, the reference ({ref['recorded_by']}) is "
                           f"{ref['latency_value']:.0f} and {ref['sram_measured']} B")
        return True, ""

    def ensure_healthy(self, attempts: int = 2) -> bool:
        """Health-checks the board up to `attempts` times in a row; records it ok, or quarantined with the reason."""
        reason = ""
        for attempt in range(attempts):
            ok, reason = self.health_check()
            if ok:
                self.results.set_board_state(self.board.name, self.board.kind, "ok")
                return True
            log.warning("%s: %s (health check %d of %d)", self.board.name, reason, attempt + 1, attempts)
            self.reset()
        log.error("%s quarantined: %s", self.board.name, reason)
        self.results.set_board_state(self.board.name, self.board.kind, "quarantined", reason)
        return False

    # --- jobs -----------------------------------------------------------------------------------------------
    def execute(self, job: Job, run_id: Optional[str] = None) -> Outcome:
        """Measures `job` unless its key is already stored; stores the measurement (once) or a model failure.
        A board failure raises BoardError, and the caller decides: retry, another board, or fail."""
        from .. import _core
        profiler = self.open()
        key = job.key(self.firmware_build_id)
        stored = self.results.accuracy_measurement if job.kind == "accuracy" else self.results.measurement
        if stored(key) is not None:
            outcome = Outcome("done", key, reused=True)
        else:
            started = now()
            try:
                if job.kind == "accuracy":
                    r = profiler.accuracy_of_task(job.task)
                elif job.model.trained is not None:
                    r = profiler.profile_trained(dict(job.model.trained, netconfig=job.model.netconfig), runs=job.runs)
                else:
                    patches, split_block = job.model.patch or (0, -1)
                    r = profiler.profile(job.model.netconfig, runs=job.runs, seed=job.seed, patches=patches,
                                         split_block=split_block)
            except _core.BoardError as e:
                self.reset()
                raise BoardError(str(e)) from None
            except (ValueError, RuntimeError) as e:
                reason = str(e)
                self.results.store_failure(job.model.content_hash, job.model.model_id, job.board_kind,
                                           self.board.name, "model", reason)
                outcome = Outcome("failed", failure="model", reason=reason)
            else:
                if job.kind == "accuracy":
                    self.results.store_accuracy(key, self._accuracy_row(job, r, started))
                else:
                    self.results.store_measurement(key, self._row(job, r, started))
                outcome = Outcome("done", key)
        if run_id:
            self.results.finish_job(run_id, job.model.content_hash, job.board_kind, outcome.job_key,
                                    outcome.reused, outcome.reason or None)
        return outcome

    def _accuracy_row(self, job, r: dict, started) -> dict:
        return {"model_file": job.model_file, "file_hash": job.file_hash, "model_id": job.model_id,
                "board_kind": job.board_kind, "board_name": self.board.name, "host": self.host,
                "firmware_build_id": self.firmware_build_id, "tinynas_revision": self.revision, "split": job.split,
                "images": r["images"], "board_accuracy": r["board_accuracy"], "host_accuracy": r["host_accuracy"],
                "identical_outputs": r["identical_outputs"], "seconds": r["seconds"], "started_at": started,
                "finished_at": now()}

    def _row(self, job: Job, r: dict, started) -> dict:
        predicted = r.get("latency_predicted")
        return {
            "model_hash": job.model.content_hash, "model_id": job.model.model_id, "space": job.model.space,
            "board_kind": job.board_kind, "board_name": self.board.name, "board_serial": self.board.probe_serial,
            "host": self.host, "firmware_build_id": self.firmware_build_id, "tinynas_revision": self.revision,
            "runs": job.runs, "seed": job.seed,
            "latency_value": r["latency"]["value"], "latency_unit": r["latency"]["unit"],
            "latency_source": r["latency"]["source"], "instructions": r["latency"].get("instructions", 0.0),
            "ticks_per_instruction": r["latency"].get("ticks_per_instruction", 0.0),
            "netconfig": job.model.netconfig,
            "latency_predicted": predicted["value"] if predicted else None,
            "sram_measured": r["peak_sram_bytes_measured"], "sram_predicted": r["peak_sram_bytes_predicted"],
            "stack_measured": r.get("stack_bytes_measured", 0), "flash_bytes": r["flash_bytes"],
            "flash_predicted": r.get("flash_bytes_predicted", 0), "bit_exact": bool(r["bit_exact"]),
            "runs_identical": bool(r.get("runs_identical", False)),
            "patches": r.get("patch", {}).get("patches", 0), "split_block": r.get("patch", {}).get("split_block", -1),
            "layers": [{k: layer[k] for k in ("op", "name", "type", "ticks", "macs") if k in layer}
                       for layer in r.get("layers", [])],
            "started_at": started, "finished_at": now(),
        }


def health_model():
    return model_from(HEALTH_ARCH[0], HEALTH_ARCH[1])

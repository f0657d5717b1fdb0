"""Real services for the farm tests, each started on a loopback port it picks and stopped by the test: a private
redis-server and `tinynas farm worker` processes (each with its own QEMU board)."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time

FASHION_IDS = ["w1-r20-k577e343-k57e36-k77e64-k5e3", "w0.75-r28-k3e3-k777e643-k5e3-k55e34",
               "w1-r20-k533e343-k3e3-k555e636-k7e6", "w0.75-r20-k75e34-k35e46-k7e4-k37e36",
               "w1-r28-k35e43-k7e4-k3e4-k55e64", "w0.5-r28-k377e433-k55e34-k3e6-k5e6",
               "w0.75-r24-k57e34-k733e644-k7e4-k3e3"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, poll: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")


class Redis:
    """redis-server on a free loopback port; append-only persistence as a farm's broker must have."""

    def __init__(self, directory: pathlib.Path, port: int | None = None):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"],
            stdout=open(self.dir / "redis.log", "a"), stderr=subprocess.STDOUT)
        wait_for(self._answers, 10, f"redis-server on port {self.port}")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


class Worker:
    """`tinynas farm worker --board NAME`, in its own process group (its QEMU dies with it)."""

    def __init__(self, cli: str, farm: pathlib.Path, board: str, env_extra: dict | None = None,
                 args: list | None = None):
        self.cli, self.farm, self.board = cli, farm, board
        self.log = farm.parent / f"worker-{board}.log"
        self.env = dict(os.environ, **(env_extra or {}))
        self.args = args or []
        self.process = None

    def start(self, wait_ready: bool = True):
        self.process = subprocess.Popen([self.cli, "farm", "-v", "worker", "--farm", str(self.farm), "--board",
                                         self.board] + self.args, stdout=open(self.log, "a"),
                                        stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        if wait_ready:
            wait_for(lambda: " ready." in self.log.read_text() or self.process.poll() is not None, 60,
                     f"worker {self.board} ready")
            assert self.process.poll() is None, f"worker {self.board} exited: {self.log.read_text()[-2000:]}"
        return self

    def received(self) -> int:
        return self.log.read_text().count("received")

    def kill(self, sig=signal.SIGKILL):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=60)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def write_farm(path: pathlib.Path, broker: str | None, boards: list, visibility_timeout_s: int = 10):
    farm = {"format": "tinynas-farm", "results": "sqlite:///farm.db", "visibility_timeout_s": visibility_timeout_s,
            "boards": [{"name": n, "kind": k} for n, k in boards]}
    if broker:
        farm["broker"] = broker
    path.write_text(json.dumps(farm, indent=2))
    return path


def write_suite(path: pathlib.Path, kinds: list, ids=FASHION_IDS, runs: int = 2, name: str = "test", extra=None):
    models = [{"arch": i, "space": "fashion_mnist"} for i in ids] + list(extra or [])
    path.write_text(json.dumps({"format": "tinynas-farm-suite", "name": name, "runs": runs, "boards": kinds,
                                "models": models}))
    return path


def fake_qemu_dir(base: pathlib.Path) -> pathlib.Path:
    """A directory with a `qemu-system-arm` that starts and never answers (a board that never boots)."""
    d = base / "fake-qemu"
    d.mkdir(exist_ok=True)
    exe = d / "qemu-system-arm"
    exe.write_text("#!/bin/sh\nexec sleep 600\n")
    exe.chmod(0o755)
    return d


def profile_directly(cli: str, arch_id: str, board: str, runs: int, space: str = "fashion_mnist") -> dict:
    """`tinynas profile --json` of the same model: the reference the farm's rows must equal."""
    out = subprocess.run([cli, "profile", arch_id, "--space", space, "--board", board, "--runs", str(runs), "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def has_tools() -> bool:
    return shutil.which("redis-server") is not None and shutil.which("qemu-system-arm") is not None

#!/usr/bin/env python3
"""Does the farm scale with boards, and what does it cost per job?

Runs the same suite of 24 fashion_mnist subnets on a real farm (a private redis-server and `tinynas farm
worker` processes, each with its own QEMU qemu-mps2-an500) with 1 board and then with 2, and next to it profiles
the same 24 models in one process on one board held open (tinynas.Profiler): the work without the farm. Reports
the wall time of each, the 2-board speed-up and the farm's overhead per job (broker, database, deduplication
check, the submitter's polling) = (1-board farm time - direct time) / jobs.

  /usr/bin/python3 bench/farm_throughput.py [--models 24] [--runs 3] [--out DIR]

Each farm run uses its own seed, so no job is deduplicated away. QEMU counts instructions: the jobs' length is
emulation time on this host, which is what a QEMU farm spends. Writes DIR/farm_throughput.json.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))  # the farm tests' service helpers: redis-server, workers
from farm_services import Redis, Worker, write_farm  # noqa: E402

KIND = "qemu-mps2-an500"


def models(n: int) -> list:
    out = subprocess.run([str(ROOT / "build" / "bin" / "tinynas"), "space", "sample", "--space", "fashion_mnist",
                          "-n", str(n * 3), "--seed", "11"], capture_output=True, text=True, check=True).stdout
    ids = list(dict.fromkeys(json.loads(line)["id"] for line in out.splitlines()))
    return ids[:n]


def write_suite(path: pathlib.Path, ids: list, runs: int, seed: int):
    path.write_text(json.dumps({"format": "tinynas-farm-suite", "name": f"throughput-{seed}", "runs": runs,
                                "seed": seed, "boards": [KIND],
                                "models": [{"arch": i, "space": "fashion_mnist"} for i in ids]}))
    return path


def direct(ids: list, runs: int, seed: int) -> float:
    import tinynas
    profiler = tinynas.Profiler(KIND)
    profiler.connect()
    start = time.monotonic()
    for i in ids:
        profiler.profile(tinynas.Arch.from_id(i, "fashion_mnist").to_netconfig(), runs=runs, seed=seed)
    elapsed = time.monotonic() - start
    profiler.close()
    return elapsed


def farm_run(cli: str, base: pathlib.Path, boards: int, ids: list, runs: int, seed: int) -> float:
    base.mkdir(parents=True, exist_ok=True)
    redis = Redis(base / "redis").start()
    names = [(f"m7-{i}", KIND) for i in range(boards)]
    farm = write_farm(base / "farm.json", redis.url, names, visibility_timeout_s=600)
    workers = [Worker(cli, farm, n).start() for n, _ in names]
    try:
        suite = write_suite(base / "suite.json", ids, runs, seed)
        start = time.monotonic()
        done = subprocess.run([cli, "farm", "run", str(suite), "--farm", str(farm), "--json"], capture_output=True,
                              text=True)
        elapsed = time.monotonic() - start
        if done.returncode != 0 or json.loads(done.stdout)["done"] != len(ids):
            raise RuntimeError(done.stderr[-2000:])
        return elapsed
    finally:
        for w in workers:
            w.stop()
        redis.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=None)
    parser.add_argument("--cli", default=str(ROOT / "build" / "bin" / "tinynas"))
    args = parser.parse_args()
    out = pathlib.Path(args.out or tempfile.mkdtemp(prefix="farm-throughput-"))
    ids = models(args.models)
    seconds_direct = direct(ids, args.runs, seed=100)
    one = farm_run(args.cli, out / "one", 1, ids, args.runs, seed=101)
    two = farm_run(args.cli, out / "two", 2, ids, args.runs, seed=102)
    result = {"machine": f"{platform.node()}, {os.cpu_count()} cores, {platform.machine()}", "board": KIND,
              "models": len(ids), "runs": args.runs, "direct_s": round(seconds_direct, 2),
              "farm_1_board_s": round(one, 2), "farm_2_boards_s": round(two, 2),
              "speedup_2_boards": round(one / two, 2),
              "overhead_per_job_ms": round(1000 * (one - seconds_direct) / len(ids), 1)}
    (out / "farm_throughput.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

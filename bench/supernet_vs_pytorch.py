#!/usr/bin/env python3
"""Side-by-side speed of the TinyNAS supernet engine and PyTorch (CPU) on the same subnet and batch:
images per second of a training step (forward, cross-entropy, backward, SGD with Nesterov momentum
and weight decay) and of inference (BN with fixed statistics), at the same thread count, as ratios.

    /usr/bin/python3 bench/supernet_vs_pytorch.py [--bench build/bench/bench_supernet] [--threads 2]
        [--batch 128] [--arch ARCH.json] [--space fashion_mnist] [--repeats 3] [--json]

Both sides run alternately in separate processes, `repeats` rounds, and the medians are compared
(figures on a shared 2-core VM vary 15-20% between processes; ratios from one run are what to quote).
PyTorch runs with MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ raised (the script re-executes
itself with them set): with glibc's defaults its large tensors are unmapped and page-faulted back on
every step, which made it up to 2.2x slower here. The C++ engine plans its buffers once and does not
need this. The PyTorch model is tests/python/torch_reference.py's, built from the same arch JSON.

On a machine where other work competes for the cores, PyTorch's OpenMP threads spin-wait and its
2-thread figures collapse (to a fifth of its 1-thread speed here); set OMP_WAIT_POLICY=PASSIVE (passed
through to PyTorch, recorded in the output) for a fair comparison there, or compare at --threads 1.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": "1000000000", "MALLOC_TRIM_THRESHOLD_": "1000000000"}


def ensure_malloc_env():
    if all(os.environ.get(k) == v for k, v in MALLOC_ENV.items()):
        return
    env = dict(os.environ, **MALLOC_ENV)
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def run_ours(args):
    env = dict(os.environ, TINYNAS_THREADS=str(args.threads), TINYNAS_BENCH_BATCH=str(args.batch),
               TINYNAS_BENCH_SPACE=args.space)
    if args.arch:
        env["TINYNAS_BENCH_ARCH"] = args.arch
    out = subprocess.run([args.bench, "--benchmark_filter=BM_TrainStep|BM_Inference", "--benchmark_format=json"],
                         env=env, check=True, capture_output=True, text=True).stdout
    result = {}
    for b in json.loads(out)["benchmarks"]:
        key = "train" if b["name"].startswith("BM_TrainStep") else "eval"
        result[key] = b["items_per_second"]
        result["label"] = b.get("label", "")
    return result


def run_torch(args):
    """One measurement in a fresh process (same conditions as the C++ side)."""
    code = f"""
import json, sys, time, torch
sys.path.insert(0, {os.path.join(ROOT, 'tests', 'python')!r})
import torch_reference as tr
torch.manual_seed(0)
torch.set_num_threads({args.threads})
space = tr.load_json({args.space_file!r})
arch = tr.load_json({args.arch!r}) if {bool(args.arch)!r} else tr.largest_arch(space, 1.0, 28)
model = tr.SubnetModel(space, arch, fold_bn=False)
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-5)
loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
r = arch['resolution']
x = torch.randn({args.batch}, space['input_channels'], r, r)
y = torch.randint(0, space['num_classes'], ({args.batch},))
def train_step():
    opt.zero_grad(set_to_none=True)
    loss_fn(model(x), y).backward()
    opt.step()
def timed(step, seconds=2.0):
    for _ in range(3):
        step()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step(); n += 1
    return n * {args.batch} / (time.perf_counter() - t0)
model.train()
train = timed(train_step)
model.eval()
with torch.no_grad():
    ev = timed(lambda: model(x))
print(json.dumps({{"train": train, "eval": ev, "torch": torch.__version__}}))
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bench", default=os.path.join(ROOT, "build", "bench", "bench_supernet"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--arch", default="", help="arch JSON (default: the space's largest subnet, width 1, resolution 28)")
    p.add_argument("--space", default="fashion_mnist")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    ensure_malloc_env()
    args.space_file = args.space if args.space.endswith(".json") else os.path.join(ROOT, "configs", "spaces", args.space + ".json")

    ours, theirs = [], []
    for i in range(args.repeats):
        ours.append(run_ours(args))
        theirs.append(run_torch(args))
        print(f"round {i + 1}/{args.repeats}: ours train {ours[-1]['train']:.0f} eval {ours[-1]['eval']:.0f} images/s; "
              f"PyTorch train {theirs[-1]['train']:.0f} eval {theirs[-1]['eval']:.0f} images/s", file=sys.stderr)
    med = lambda rows, k: statistics.median(r[k] for r in rows)
    result = {
        "subnet": ours[0]["label"],
        "threads": args.threads,
        "batch": args.batch,
        "torch_version": theirs[0]["torch"],
        "malloc_env": MALLOC_ENV,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(default)"),
        "load_average": os.getloadavg()[0],
        "ours_train_images_per_second": med(ours, "train"),
        "torch_train_images_per_second": med(theirs, "train"),
        "ours_eval_images_per_second": med(ours, "eval"),
        "torch_eval_images_per_second": med(theirs, "eval"),
    }
    result["train_ratio"] = result["ours_train_images_per_second"] / result["torch_train_images_per_second"]
    result["eval_ratio"] = result["ours_eval_images_per_second"] / result["torch_eval_images_per_second"]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"subnet {result['subnet']}, {args.threads} threads, PyTorch {result['torch_version']}, "
              f"OMP_WAIT_POLICY {result['omp_wait_policy']}, load average {result['load_average']:.1f}")
        print(f"{'':10} {'TinyNAS':>12} {'PyTorch':>12} {'ratio':>8}   (images/s, median of {args.repeats})")
        for k in ("train", "eval"):
            print(f"{k:10} {result[f'ours_{k}_images_per_second']:12.0f} {result[f'torch_{k}_images_per_second']:12.0f} "
                  f"{result[f'{k}_ratio']:7.2f}x")


if __name__ == "__main__":
    main()

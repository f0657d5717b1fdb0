#!/usr/bin/env python3
"""Does the subnet TinyNAS finds beat what a user would otherwise deploy?

Runs the product (the `tinynas` command) on Fashion-MNIST at binding budgets on one board, for
several seeds, and compares, trained the same way and measured the same way:

  winner     `tinynas search --data`: stage 1, supernet, stage 2, final training (the pipeline; its
             --final-training, by default from random weights for the supernet + fine-tuning epochs)
  winner, the other way
             the same architecture trained the other way (fine-tuned from its inherited weights, or
             from scratch): what the choice of final training is worth
  S-MbV2     MobileNetV2 scaled down until it fits (MCUNet's baseline): expand 6, kernel 3, full
             depth, the largest width and resolution of the space that fit, trained from scratch
             (`tinynas finetune --from-scratch --space`) for the epochs the winner's weights saw
             (supernet + fine-tuning)
  random     random search: as many subnets as stage 2 evaluated, drawn at random from the same
             supernet's space (generation 0 of an evolution is a random population), its best
             trained like the winner
  no-stage1  the pipeline on the space's largest width and resolution only (stage 2 without stage 1)
  eq-latency the pipeline again with a latency budget equal to S-MbV2's latency measured on the board
  auto       the pipeline with the search's default schedule (`--schedule auto`: in place where a subnet fits,
             else patch-based inference, MCUNetV2's), at the tighter budget only (where patches matter), run
             and measured by --auto-cli (the other rows run in place, as MCUNet compares); after every cell
  S-MbV2, auto
             its baseline: S-MbV2 as above, but the largest width and resolution that fit under `--schedule auto`
             (patches let a larger resolution fit the same SRAM), trained and measured by --auto-cli in that plan

and Kendall's tau between the inherited-weight accuracy stage 2 ranks by and the accuracy after
fine-tuning, over subnets spread across the first cell's stage-2 history; then the same subnets
fine-tuned again with another seed, whose tau against the first fine-tunes is the ceiling any ranker
is read against (the fine-tuned accuracy's own noise).

Every model is measured the same way: float and int8 test accuracy (`tinynas eval --split test
--int8`), MACs, peak SRAM and flash from the cost model (`tinynas analyze`), latency on the board
(`tinynas profile`; QEMU counts instructions, not cycles: the table gives them in millions and
as milliseconds at the board's clock, one instruction per cycle, the convention of the search).

Every step writes its result file; running the same command again skips finished steps and
continues interrupted ones (the product's own checkpoints), so a killed run loses little. With
--keep DIR every finished step's result (a small JSON file, no model) is also copied into DIR, and a
step whose result is in DIR is not run again: point DIR into the repository and commit it, and the
full scale (many hours) accumulates across machines and sessions whose OUT does not survive. A step
that needs an earlier step's files (random search and the tau need the first pipeline's supernet)
reruns that step's product command when its files are gone (random search only as far as it needs: the pipeline
until its supernet has trained, stopped when stage 2 starts). --only STEPS runs just those steps (the rest are
read where they exist): a session that can fit one step but not the next one in order uses it to finish a step.

  /usr/bin/python3 bench/search_quality.py --out bench-runs/sq --scale quick
  /usr/bin/python3 bench/search_quality.py --out bench-runs/sq --scale full --seeds 0,1

Writes OUT/results.json (every number), OUT/search_quality.md (the tables, also printed) and OUT/search_quality.png
(accuracy against measured latency).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPACE = "fashion_mnist"
DATA = "/usr/share/datasets/fashion-mnist"
# Every search, the winner's and the baselines', in place: the rows kept in bench/results were measured that way
# (the search's default became auto later), and MCUNet's comparison is in place. `auto` is a row of its own.
SCHEDULE = ["--schedule", "inplace-dw"]
AUTO = ["--schedule", "auto"]

# Training and search sizes. "full" is the product's defaults; "quick" fits a session on 2 cores
# (a tenth of the training images, fewer epochs and subnets) and is labelled as such in the table.
# other_way_everywhere: the winner trained the other way in every cell, or (an extra final training of 10 to 35
# minutes per cell at full scale, and no row the comparison needs) in the first cell only.
SCALES = {
    "full": {"search": [], "eval_images": None, "limit": 0, "supernet_epochs": None, "finetune_epochs": None,
             "tau_epochs": None, "other_way_everywhere": False},
    "quick": {"search": ["--samples", "300", "--population", "40", "--parents", "10", "--generations", "10"],
              "eval_images": 1000, "limit": 12000, "supernet_epochs": 4, "finetune_epochs": 2, "tau_epochs": 1,
              "other_way_everywhere": True},
    # Checks that the script runs end to end (minutes); its numbers mean nothing.
    "smoke": {"search": ["--samples", "50", "--population", "8", "--parents", "2", "--generations", "1"],
              "eval_images": 200, "limit": 1500, "supernet_epochs": 1, "finetune_epochs": 1, "tau_epochs": 1,
              "other_way_everywhere": True},
}


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.cli = args.cli
        self.auto_cli = args.auto_cli or args.cli
        self.out = Path(args.out).resolve()
        self.keep = Path(args.keep).resolve() if args.keep else None
        self.only = set(args.only.split(",")) if args.only else None
        self.board = args.board
        self.scale = SCALES[args.scale]
        self.scale_name = args.scale
        defaults = self.pipeline_defaults()
        self.supernet_epochs = self.scale["supernet_epochs"] or defaults["supernet_epochs"]
        self.finetune_epochs = self.scale["finetune_epochs"] or defaults["finetune_epochs"]
        self.tau_epochs = self.scale["tau_epochs"] or self.finetune_epochs
        self.final_training = args.final_training or defaults["final_training"]
        board_file = ROOT / "configs" / "boards" / f"{self.board}.json"
        self.clock_hz = json.loads(board_file.read_text())["clock_mhz"] * 1e6

    def pipeline_defaults(self) -> dict:
        """The pipeline's epochs as `tinynas search --help` states them (one place: the library)."""
        text = self.run(["search", "--help"])
        found = {}
        for line in text.splitlines():
            for key in ("supernet-epochs", "finetune-epochs"):
                if f"--{key} INT=" in line:
                    found[key.replace("-", "_")] = int(line.split(f"--{key} INT=")[1].split()[0])
            if "--final-training TEXT" in line:
                found["final_training"] = line.split("--final-training TEXT:{scratch,finetune}=")[1].split()[0]
        return found

    def eval_images(self) -> list[str]:
        n = self.scale["eval_images"]
        return ["--eval-images", str(n)] if n else []

    def run(self, args: list[str], cli: str | None = None) -> str:
        command = [cli or self.cli] + args
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-3000:]}")
        return done.stdout

    def kept(self, path: Path) -> Path | None:
        return self.keep / path.relative_to(self.out) if self.keep else None

    def load(self, path: Path) -> dict | None:
        """A step's result from OUT, else from --keep (copied into OUT); None when neither has it."""
        if not path.exists() and self.kept(path) and self.kept(path).exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.kept(path).read_text())
        return json.loads(path.read_text()) if path.exists() else None

    def save(self, path: Path, result: dict) -> None:
        """Written atomically, into OUT and --keep."""
        for target in filter(None, [path, self.kept(path)]):
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_text(json.dumps(result, indent=2) + "\n")
            os.replace(tmp, target)

    def step(self, path: Path, what: str, compute, needs: tuple = ()) -> dict | None:
        """The result in `path`, computed (and saved) when it is not there yet; None when --only leaves the step
        out, or a result it `needs` is None."""
        found = self.load(path)
        if found is not None:
            return found
        if self.only is not None and path.stem not in self.only:
            return None
        if any(result is None for result in needs):
            log(f"{what}: skipped, it needs a result --only left out")
            return None
        log(what)
        started = time.monotonic()
        result = compute()
        result["seconds"] = round(time.monotonic() - started, 1)
        self.save(path, result)
        log(f"  done in {result['seconds']:.0f} s")
        return result

    def cell_dir(self, budget, seed: int) -> Path:
        """Where one budget and seed's runs and results live (OUT/40K-160K/seed0)."""
        return self.out / f"{budget[0]}-{budget[1]}" / f"seed{seed}"

    # ---- measurements shared by every model ----

    def measure(self, model: str, arch: str, budget: tuple[str, str], cli: str | None = None,
                schedule: list[str] | None = None) -> dict:
        """`schedule` None: in place (the flags older binaries know); else the cost model and the board run the
        plan that schedule resolves to under the budget's SRAM, as the search found the model."""
        accuracy = json.loads(self.run(["eval", "--model", model, "--split", "test", "--int8", "--data", DATA,
                                        "--json"], cli))
        planned = schedule + ["--sram", budget[0]] if schedule else []
        cost = json.loads(self.run(["analyze", arch, "--space", SPACE, "--board", self.board, "--sram", budget[0],
                                    "--flash", budget[1], "--json"] + (schedule or []), cli))
        board = json.loads(self.run(["profile", "--model", model, "--board", self.board, "--json"] + planned, cli))
        instructions = board["latency"].get("instructions") or board["latency"]["value"]
        return {"arch": accuracy["arch"], "model": model, "schedule": cost.get("schedule", "inplace-dw"),
                "patch": cost.get("patch"), "test_float": accuracy["accuracy"],
                "test_int8": accuracy["int8"]["accuracy"], "macs": cost["macs"],
                "peak_sram_bytes": cost["peak_sram_bytes"], "total_sram_bytes": cost["total_sram_bytes"],
                "flash_bytes": cost["flash_bytes"], "latency_estimate_ms": cost["latency"]["value"],
                "measured_instructions": instructions, "measured_ms": instructions / self.clock_hz * 1e3,
                "measured_source": board["latency"]["source"], "bit_exact": board["bit_exact"]}

    # ---- the variants ----

    def pipeline_args(self, run: Path, budget, seed: int, extra: list[str], space: str = SPACE,
                      cli: str | None = None, schedule: list[str] | None = None) -> list[str]:
        """The arguments of `tinynas search --data` into `run`: `--resume run` when it was started."""
        if (run / "pipeline.json").exists():
            return ["search", "--resume", str(run), "--json"]
        args = ["search", "--data", DATA, "--space", space, "--board", self.board, "--sram", budget[0],
                "--flash", budget[1], "--seed", str(seed), "--supernet-epochs", str(self.supernet_epochs),
                "--finetune-epochs", str(self.finetune_epochs), "--final-training", self.final_training,
                "--limit", str(self.scale["limit"]),
                "--out", str(run), "--json"] + (schedule or SCHEDULE) + self.scale["search"] + self.eval_images()
        args += extra
        # Every row trains and searches the counts above: a build with a time budget (45 min by default) would cut
        # them to fit it.
        if "--time-budget" in self.run(["search", "--help"], cli=cli):
            args += ["--time-budget", "none"]
        return args

    def pipeline(self, run: Path, budget, seed: int, extra: list[str], space: str = SPACE, cli: str | None = None,
                 schedule: list[str] | None = None) -> dict:
        """`tinynas search --data` (`cli`, default --cli) in place, or in `schedule` (measured the same way)."""
        args = self.pipeline_args(run, budget, seed, extra, space, cli, schedule)
        done = subprocess.run([cli or self.cli] + args, cwd=ROOT, capture_output=True, text=True)
        if done.returncode == 2 and "fits" in done.stderr:
            # "tinynas: error: no subnet of space ... fits ...: ...; the space's smallest subnet W needs SRAM X ..."
            message = done.stderr.strip().splitlines()[-1].removeprefix("tinynas: error: ")
            smallest = re.search(r"the space's smallest subnet (\S+) needs (SRAM [\d.]+ KiB)", message)
            reason = f"nothing fits: even {smallest.group(1)} needs {smallest.group(2)}" if smallest else message
            return {"infeasible": reason, "message": message}
        if done.returncode != 0:
            raise RuntimeError(f"tinynas {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout)
        history = [json.loads(line) for line in (run / "search" / "history.jsonl").read_text().splitlines()]
        measured = self.measure(result["model"], str(run / "search" / "best.json"), budget, cli, schedule)
        measured["evaluated_subnets"] = len({h["id"] for h in history})
        measured["inherited_val"] = max(h["score"] for h in history)
        return measured

    def scaled_mobilenetv2(self, cell: Path, budget, seed: int, cli: str | None = None,
                           schedule: list[str] | None = None) -> dict:
        """In place, or the largest that fits in the plan `schedule` resolves to (`cli` trains and measures it)."""
        space = json.loads((ROOT / "configs" / "spaces" / f"{SPACE}.json").read_text())
        tag = "smbv2" if schedule is None else "smbv2-" + schedule[-1]
        candidates = []
        for width in space["width_mults"]:
            for resolution in space["resolutions"]:
                arch = {"format": "tinynas-arch", "space": SPACE, "width": width, "resolution": resolution,
                        "stages": [{"depth": max(s["depths"]), "kernels": [3] * max(s["depths"]),
                                    "expands": [6] * max(s["depths"])} for s in space["stages"]]}
                path = cell / f"{tag}-w{width:g}-r{resolution}.json"
                path.write_text(json.dumps(arch))
                cost = json.loads(self.run(["analyze", str(path), "--space", SPACE, "--board", self.board,
                                            "--sram", budget[0], "--flash", budget[1], "--json"] + (schedule or []),
                                           cli))
                if cost["fits"]:
                    candidates.append((cost["macs"], width, resolution, path))
        if not candidates:
            return {"infeasible": "no width and resolution of the space fit MobileNetV2 (expand 6, kernel 3, full depth)"}
        _, width, resolution, arch = max(candidates)
        measured = self.from_scratch(arch, cell / f"{tag}.model", budget, seed, cli, schedule)
        measured.update({"width": width, "resolution": resolution})
        return measured

    def final_model(self, arch: Path, supernet: Path, model: Path, budget, seed: int, how: str) -> dict:
        """`arch` trained for deployment as the pipeline's --final-training `how` does, and measured."""
        if how == "scratch":
            return self.from_scratch(arch, model, budget, seed)
        # An interrupted fine-tuning continues; a finished one returns at once.
        self.run(["finetune", str(arch), "--supernet", str(supernet), "--data", DATA, "--epochs",
                  str(self.finetune_epochs), "--seed", str(seed), "--out", str(model)]
                 + (["--resume"] if model.exists() else []))
        return self.measure(str(model), str(arch), budget)

    def from_scratch(self, arch: Path | str, model: Path, budget, seed: int, cli: str | None = None,
                     schedule: list[str] | None = None) -> dict:
        """Trains `arch` alone from random weights for the epochs the winner's weights saw (supernet + fine-tuning),
        and measures it in place or in the plan `schedule` resolves to."""
        epochs = self.supernet_epochs + self.finetune_epochs
        args = ["finetune", str(arch), "--from-scratch", "--space", SPACE, "--data", DATA, "--epochs", str(epochs),
                "--seed", str(seed), "--limit", str(self.scale["limit"]), "--out", str(model)]
        if model.exists():
            args.append("--resume")
        self.run(args, cli)
        measured = self.measure(str(model), str(arch), budget, cli, schedule)
        measured["epochs_from_scratch"] = epochs
        return measured

    def first_pipeline(self, cell: Path, budget, seed: int) -> Path:
        """The cell's pipeline run, rerun (resumed) when its files are gone though its result was kept."""
        run = cell / "pipeline"
        if not (run / "supernet.supernet").exists() or not (run / "search" / "best.json").exists():
            log(f"  the pipeline's files are not in {run}: running it again for the steps that need them")
            self.pipeline(run, budget, seed, [])
        return run

    def trained_supernet(self, cell: Path, budget, seed: int) -> Path:
        """The cell's pipeline's supernet. When it is gone (a new machine), the pipeline runs again only until the
        supernet has trained, that is until stage 2 starts (RUN/search appears), and is then stopped as Ctrl-C stops
        it: random search needs nothing more, which saves stage 2 and the final training (about an hour at 96 KB),
        and a step that needs the rest continues the run from there."""
        run = cell / "pipeline"
        if not (run / "search").exists():
            log(f"  the pipeline's supernet is not in {run}: training it again (the pipeline, until stage 2 starts)")
            self.run_until(self.pipeline_args(run, budget, seed, []), lambda: (run / "search").exists())
        return run / "supernet.supernet"

    def run_until(self, args: list[str], done) -> None:
        """`tinynas ARGS` until `done()` holds, then interrupted (SIGINT: it checkpoints and exits 130)."""
        with tempfile.TemporaryFile("w+") as err:
            process = subprocess.Popen([self.cli] + args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, text=True)
            while process.poll() is None and not done():
                time.sleep(2)
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
            code = process.wait()
            if code not in (0, 130) or not done():
                err.seek(0)
                raise RuntimeError(f"tinynas {' '.join(args)} exited {code}:\n{err.read()[-3000:]}")

    def random_search(self, cell: Path, winner: dict, budget, seed: int) -> dict:
        supernet = self.trained_supernet(cell, budget, seed)
        out = cell / "random"
        n = winner["evaluated_subnets"]
        # Another seed than the evolution's: its initial population would otherwise be these draws' first.
        args = ["search", "--estimator", "supernet", "--supernet", str(supernet), "--data", DATA, "--board",
                self.board, "--sram", budget[0], "--flash", budget[1], "--seed", str(seed + 1000), "--population", str(n),
                "--parents", "1", "--generations", "0", "--resolution-window", "1", "--out", str(out),
                "--json"] + SCHEDULE + self.eval_images()
        if (out / "checkpoint.json").exists():  # a bench stopped in this step: the draws scored so far stay
            args = ["search", "--resume", str(out), "--json"]
        found = json.loads(self.run(args))
        measured = self.final_model(out / "best.json", supernet, cell / "random.model", budget, seed,
                                    self.final_training)
        measured["evaluated_subnets"] = found["evaluations"]
        measured["inherited_val"] = found["best"]["score"]
        return measured

    def no_stage1(self, cell: Path, budget, seed: int) -> dict:
        space = json.loads((ROOT / "configs" / "spaces" / f"{SPACE}.json").read_text())
        space["width_mults"] = [max(space["width_mults"])]
        space["resolutions"] = [max(space["resolutions"])]
        path = cell / "largest_space.json"
        path.write_text(json.dumps(space, indent=2))
        result = self.pipeline(cell / "no-stage1", budget, seed, ["--resolution-window", "0"], space=str(path))
        result["space"] = f"width {space['width_mults'][0]:g}, resolution {space['resolutions'][0]} only"
        return result

    def equal_latency(self, cell: Path, baseline: dict, budget, seed: int) -> dict:
        if "measured_ms" not in baseline:
            return {"infeasible": "no S-MbV2 to match"}
        latency = f"{baseline['measured_ms']:.3f}ms"
        result = self.pipeline(cell / "eq-latency", budget, seed, ["--latency", latency])
        result["latency_budget"] = latency
        return result

    def auto_schedule(self, budget, seed: int) -> dict:
        """The pipeline as a user runs it today: the search's default schedule, auto (patch-based inference where a
        subnet does not fit in place), so stage 1 and stage 2 may pick what the in-place rows cannot run. After
        every cell: the comparison the issue asks for comes first."""
        cell = self.cell_dir(budget, seed)
        tag = f"{budget[0]}/{budget[1]} seed {seed}"

        def run() -> dict:
            result = self.pipeline(cell / "pipeline-auto", budget, seed, [], cli=self.auto_cli, schedule=AUTO)
            result["product"] = source_commit(self.auto_cli)
            return result

        return self.step(cell / "auto.json", f"{tag}: the pipeline with --schedule auto", run)

    def auto_baseline(self, budget, seed: int) -> dict:
        """The `auto` row's baseline: S-MbV2 at the largest width and resolution that fit under --schedule auto, so
        the auto winner is compared with a MobileNetV2 that may use patches too."""
        cell = self.cell_dir(budget, seed)
        tag = f"{budget[0]}/{budget[1]} seed {seed}"

        def run() -> dict:
            result = self.scaled_mobilenetv2(cell, budget, seed, cli=self.auto_cli, schedule=AUTO)
            result["product"] = source_commit(self.auto_cli)
            return result

        return self.step(cell / "smbv2_auto.json", f"{tag}: scaled MobileNetV2 under --schedule auto", run)

    def kendall_tau(self, cell: Path, count: int, budget, seed: int, history: str = "pipeline/search",
                    folder: str = "tau") -> dict:
        """Tau over `count` subnets spread by inherited accuracy across a search's history (stage 2's, or with
        history="random" the random search's draws: the space as a whole rather than stage 2's near-equals)."""
        run = self.first_pipeline(cell, budget, seed)
        scores = {}
        for line in (cell / history / "history.jsonl").read_text().splitlines():
            h = json.loads(line)
            scores.setdefault(h["id"], h["score"])
        ranked = sorted(scores.items(), key=lambda item: item[1])
        count = max(2, min(count, len(ranked)))
        chosen = [ranked[round(i * (len(ranked) - 1) / (count - 1))] for i in range(count)]
        chosen = list(dict(chosen).items())  # distinct ids
        pairs = self.tau_finetunes(cell, run, folder, [{"arch": a, "inherited_val": v} for a, v in chosen], 0)
        tau = kendall([p["inherited_val"] for p in pairs], [p["finetuned_test"] for p in pairs])
        return {"subnets": pairs, "tau": tau[0], "p_value": tau[1], "finetune_epochs": self.tau_epochs,
                "history": history}

    def tau_finetunes(self, cell: Path, run: Path, folder: str, subnets: list[dict], seed: int) -> list[dict]:
        """Each subnet fine-tuned from the supernet with `seed` and scored on the test split (one result file
        each, so a killed run resumes at the subnet it was on)."""
        pairs = []
        for i, subnet in enumerate(subnets):
            model = cell / folder / f"{i:02d}.model"
            model.parent.mkdir(exist_ok=True)
            done = cell / folder / f"{i:02d}.json"
            if self.load(done) is None:
                self.run(["finetune", subnet["arch"], "--supernet", str(run / "supernet.supernet"), "--data", DATA,
                          "--epochs", str(self.tau_epochs), "--seed", str(seed), "--out", str(model)]
                         + (["--resume"] if model.exists() else []))
                tuned = json.loads(self.run(["eval", "--model", str(model), "--split", "test", "--data", DATA,
                                             "--json"]))["accuracy"]
                self.save(done, {"arch": subnet["arch"], "inherited_val": subnet["inherited_val"],
                                 "finetuned_test": tuned})
            pairs.append(self.load(done))
        return pairs

    def tau_retest(self, cell: Path, tau: dict, budget, seed: int) -> dict:
        """The tau's subnets fine-tuned again with another seed: how well the fine-tuned accuracy ranks itself.
        No ranker can agree with a measurement better than the measurement agrees with its own repeat, so the tau
        between the two fine-tunes is the ceiling the supernet's tau is read against."""
        run = self.first_pipeline(cell, budget, seed)
        again = self.tau_finetunes(cell, run, "tau-retest", tau["subnets"], 1)
        first = [p["finetuned_test"] for p in tau["subnets"]]
        second = [p["finetuned_test"] for p in again]
        inherited = [p["inherited_val"] for p in tau["subnets"]]
        mean = [(a + b) / 2 for a, b in zip(first, second)]
        # One fine-tune's own noise: the spread of the two runs' difference over sqrt(2).
        noise = statistics.stdev(a - b for a, b in zip(first, second)) / 2**0.5
        accuracy = statistics.mean(mean)
        return {"subnets": [dict(p, finetuned_test_first=a) for p, a in zip(again, first)],
                "finetune_seeds": [0, 1], "finetune_epochs": self.tau_epochs,
                "tau_first_vs_repeat": kendall(first, second)[0],
                "tau_inherited_vs_repeat": kendall(inherited, second)[0],
                "tau_inherited_vs_mean": kendall(inherited, mean)[0],
                "finetune_noise_sd": noise, "subnet_spread_sd": statistics.stdev(mean),
                # The test split's own sampling error at that accuracy (10,000 images), shared by both runs.
                "test_split_se": (accuracy * (1 - accuracy) / 10000) ** 0.5}

    # ---- the whole bench ----

    def finished(self, budget, seed: int) -> dict:
        """The results of a cell that exist (--report: nothing runs)."""
        cell = self.cell_dir(budget, seed)
        found = {key: self.load(cell / f"{key}.json") for key, _ in VARIANTS}
        return {key: value for key, value in found.items() if value is not None}

    def cell(self, budget, seed: int, tau_subnets: int = 0) -> dict:
        """One budget and seed. With tau_subnets (the first cell), the tau follows the pipeline at once: it needs
        the pipeline's supernet, and it is what tells whether the supernet's ranking loses points."""
        cell = self.cell_dir(budget, seed)
        cell.mkdir(parents=True, exist_ok=True)
        tag = f"{budget[0]}/{budget[1]} seed {seed}"
        r = {"winner": self.step(cell / "winner.json", f"{tag}: the pipeline",
                                 lambda: self.pipeline(cell / "pipeline", budget, seed, []))}
        # Steps on the winner's run: none when it is infeasible; with --only, skipped while it is not here.
        won = r["winner"] is None or "infeasible" not in r["winner"]
        if tau_subnets and won:
            tau = self.step(cell / "tau.json", f"{tag}: Kendall's tau over {tau_subnets} subnets",
                            lambda: self.kendall_tau(cell, tau_subnets, budget, seed), needs=(r["winner"],))
            self.step(cell / "tau_retest.json", f"{tag}: the tau's subnets fine-tuned again (another seed)",
                      lambda: self.tau_retest(cell, tau, budget, seed), needs=(tau,))
        r["smbv2"] = self.step(cell / "smbv2.json", f"{tag}: scaled MobileNetV2 from scratch",
                               lambda: self.scaled_mobilenetv2(cell, budget, seed))
        if won:
            r["random"] = self.step(cell / "random.json", f"{tag}: random search",
                                    lambda: self.random_search(cell, r["winner"], budget, seed), needs=(r["winner"],))
        if tau_subnets and won:
            self.step(cell / "tau_random.json", f"{tag}: Kendall's tau over {tau_subnets} random subnets",
                      lambda: self.kendall_tau(cell, tau_subnets, budget, seed, "random", "tau-random"),
                      needs=(r["winner"], r["random"]))
        if won and (tau_subnets or self.scale["other_way_everywhere"]):
            # The same architecture trained the other way (--final-training): what the choice is worth.
            other = "finetune" if self.final_training == "scratch" else "scratch"
            r["winner_other"] = self.step(
                cell / "winner_other.json", f"{tag}: the winner trained the other way ({other})",
                lambda: dict(self.final_model(self.first_pipeline(cell, budget, seed) / "search" / "best.json",
                                              cell / "pipeline" / "supernet.supernet", cell / f"winner_{other}.model",
                                              budget, seed, other), final_training=other), needs=(r["winner"],))
        r["no_stage1"] = self.step(cell / "no_stage1.json", f"{tag}: stage 2 without stage 1",
                                   lambda: self.no_stage1(cell, budget, seed))
        r["eq_latency"] = self.step(cell / "eq_latency.json", f"{tag}: the pipeline at S-MbV2's measured latency",
                                    lambda: self.equal_latency(cell, r["smbv2"], budget, seed), needs=(r["smbv2"],))
        return {key: result for key, result in r.items() if result is not None}


VARIANTS = [("winner", "TinyNAS winner"),
            ("winner_other", "TinyNAS winner, trained the other way"),
            ("smbv2", "scaled MobileNetV2 (S-MbV2)"),
            ("random", "random search, its best trained as the winner"), ("no_stage1", "stage 2 without stage 1"),
            ("eq_latency", "TinyNAS at S-MbV2's latency"),
            ("auto", "TinyNAS winner, `--schedule auto` (patches where in place does not fit)"),
            ("smbv2_auto", "scaled MobileNetV2 under `--schedule auto`")]


AUTO_ROWS = ("auto", "smbv2_auto")  # run at the tighter budget by --auto-cli, in the plan auto resolves to


def source_commit(cli: str) -> str:
    """The commit of the source tree `cli` was built in (its build directory lies inside it), or "unknown"."""
    done = subprocess.run(["git", "-C", str(Path(cli).resolve().parent), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def kendall(x: list[float], y: list[float]) -> tuple[float, float]:
    """Kendall's tau-b and its p-value."""
    from scipy.stats import kendalltau  # Debian's python3-scipy

    tau = kendalltau(x, y)
    return (tau.statistic if hasattr(tau, "statistic") else tau.correlation), tau.pvalue


def mean_spread(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    if not values:
        return "-"
    m = statistics.mean(values) * scale
    if len(values) == 1:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ± {statistics.stdev(values) * scale:.{digits}f}"


def table(results: dict, meta: dict) -> str:
    lines = [f"Board `{meta['board']}` ({meta['board_kind']}), scale `{meta['scale']}` "
             f"({meta['scale_note']}), seeds {meta['seeds']}; {meta['machine']}; {meta['minutes']:.0f} min of "
             f"compute for the steps shown; tinynas at {meta['products']['rows']}"
             + (f", the `auto` row at {meta['products']['auto']}" if meta['products']['auto'] else "") + ".", ""]
    for budget, cells in results["budgets"].items():
        lines += [f"### SRAM / flash budget {budget}", "",
                  "| model | test top-1 float (%) | int8 (%) | MACs (M) | peak SRAM (KiB) | flash (KiB) "
                  "| measured (M instr.) | = ms at clock | runs |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for key, name in VARIANTS:
            rows = [c[key] for c in cells.values() if key in c and "infeasible" not in c[key]]
            shapes = sorted({f"w{r['width']:g}-r{r['resolution']}" for r in rows if "width" in r})
            if shapes:
                name += " " + ", ".join(shapes)
            ways = sorted({r["final_training"] for r in rows if "final_training" in r})
            if ways:
                name += f" ({', '.join(ways)})"
            if key in AUTO_ROWS and rows:  # the plans the auto models run
                name += ": " + ", ".join(sorted({f"{r['patch']['patches']}x{r['patch']['patches']} patches to block "
                                                 f"{r['patch']['split_block']}" if r.get("patch") else r["schedule"]
                                                 for r in rows}))
            infeasible = [c[key]["infeasible"] for c in cells.values() if key in c and "infeasible" in c[key]]
            if not rows:
                lines.append(f"| {name} | {'; '.join(sorted(set(infeasible))) or 'not run'} | | | | | | | |")
                continue
            lines.append("| " + " | ".join([
                name, mean_spread([r["test_float"] for r in rows], 100), mean_spread([r["test_int8"] for r in rows], 100),
                mean_spread([r["macs"] for r in rows], 1e-6), mean_spread([r["peak_sram_bytes"] for r in rows], 1 / 1024, 1),
                mean_spread([r["flash_bytes"] for r in rows], 1 / 1024, 1),
                mean_spread([r["measured_instructions"] for r in rows], 1e-6, 1),
                mean_spread([r["measured_ms"] for r in rows], 1, 1), str(len(rows))]) + " |")
        lines.append("")
    if "tau" in results:
        t = results["tau"]
        lines += [f"Kendall's tau between inherited-weight validation accuracy (stage 2's ranking) and test accuracy "
                  f"after {t['finetune_epochs']} epoch(s) of fine-tuning, over {len(t['subnets'])} subnets of the "
                  f"first cell's stage-2 history: **{t['tau']:.3f}** (p = {t['p_value']:.2g}).", ""]
    if "tau_retest" in results:
        r = results["tau_retest"]
        lines += [f"The same subnets fine-tuned again with another seed: tau between the two fine-tunes (the most a "
                  f"ranker can agree with one) **{r['tau_first_vs_repeat']:.3f}**; inherited accuracy against the "
                  f"repeat {r['tau_inherited_vs_repeat']:.3f}, against the two runs' mean "
                  f"{r['tau_inherited_vs_mean']:.3f}. One fine-tune's noise: {100 * r['finetune_noise_sd']:.2f} "
                  f"points (SD), the test split's sampling error {100 * r['test_split_se']:.2f}; the subnets' own "
                  f"spread: {100 * r['subnet_spread_sd']:.2f} points (SD).", ""]
    if "tau_random" in results:
        t = results["tau_random"]
        lines += [f"Over {len(t['subnets'])} subnets spread across random search's draws instead (the space as a "
                  f"whole, not stage 2's near-equals): **{t['tau']:.3f}** (p = {t['p_value']:.2g}).", ""]
    return "\n".join(lines)


def plot(results: dict, meta: dict, path: Path) -> None:
    """Test accuracy against the time measured on the board, one panel per budget: each seed a small dot, the seeds'
    mean a large marker. What the table says about cost and accuracy at once (a winner can be slower)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import ScalarFormatter

    budgets = results["budgets"]
    figure, axes = plt.subplots(1, len(budgets), figsize=(6.5 * len(budgets), 4.8), squeeze=False)
    for ax, (budget, cells) in zip(axes[0], budgets.items()):
        ax.set_title(f"SRAM / flash {budget}")
        if not any("infeasible" not in r for c in cells.values() for r in c.values()):
            ax.text(0.5, 0.5, "not run yet", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            continue
        for (key, name), color in zip(VARIANTS, plt.get_cmap("tab10").colors):
            rows = [c[key] for c in cells.values() if key in c and "infeasible" not in c[key]]
            if not rows:
                continue
            ms, top1 = [r["measured_ms"] for r in rows], [100 * r["test_int8"] for r in rows]
            ax.scatter(ms, top1, s=14, color=color, alpha=0.5)
            ax.scatter([statistics.mean(ms)], [statistics.mean(top1)], s=90, color=color, edgecolor="black",
                       label=f"{name} ({len(rows)})")
        ax.set(xlabel=f"measured on {meta['board']} (ms at clock)", ylabel="int8 test top-1 (%)", xscale="log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(ScalarFormatter())
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    figure.suptitle(f"bench/search_quality, scale {meta['scale']}, seeds {meta['seeds']} ({meta['board_kind']})",
                    fontsize=10)
    save_figure(figure, path)


def save_figure(figure, path: Path) -> None:
    """A bench's figure as a PNG (one size and resolution for every bench), its memory released."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="directory for every run and result (resumable)")
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--budgets", default="40K/160K,96K/256K", help="SRAM/flash pairs, comma-separated")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--board", default="qemu-mps2-an500")
    parser.add_argument("--tau-subnets", type=int, default=15)
    parser.add_argument("--final-training", choices=["scratch", "finetune"],
                        help="the pipeline's --final-training (default: the product's)")
    parser.add_argument("--cli", default=str(ROOT / "build" / "bin" / "tinynas"))
    parser.add_argument("--auto-cli", help="tinynas for the `auto` rows (a build with --schedule auto; default --cli)")
    parser.add_argument("--keep", help="also keep every step's result here, and skip the steps it holds (commit it)")
    parser.add_argument("--only", help="run only these steps (result names: winner, smbv2, random, no_stage1, "
                        "eq_latency, auto, smbv2_auto, tau, tau_retest, tau_random, winner_other), comma-separated; "
                        "the others are read where they exist. For a session that can fit one step but not the next")
    parser.add_argument("--report", action="store_true", help="only tabulate the results already in --out (and --keep)")
    args = parser.parse_args()
    bench = Bench(args)
    budgets = [tuple(b.split("/")) for b in args.budgets.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    results = {"budgets": {}}
    first = (budgets[0], seeds[0])
    for budget in budgets:
        cells = results["budgets"][f"{budget[0]}/{budget[1]}"] = {}
        for s in seeds:
            tau = args.tau_subnets if (budget, s) == first else 0
            cells[f"seed{s}"] = bench.finished(budget, s) if args.report else bench.cell(budget, s, tau)
    if not args.report:  # the auto rows, at the tighter budget
        tighter = results["budgets"][f"{budgets[0][0]}/{budgets[0][1]}"]
        for s in seeds:
            for key, row in (("auto", bench.auto_schedule), ("smbv2_auto", bench.auto_baseline)):
                found = row(budgets[0], s)
                if found is not None:
                    tighter[f"seed{s}"][key] = found
    first_cell = bench.cell_dir(*first)
    tau = bench.load(first_cell / "tau.json")
    if tau is not None:
        results["tau"] = tau
    for key in ("tau_retest", "tau_random"):
        found = bench.load(first_cell / f"{key}.json")
        if found is not None:
            results[key] = found
    # The steps' own compute time (a resumed run's earlier steps included).
    seconds = sum(v.get("seconds", 0) for cells in results["budgets"].values() for c in cells.values()
                  for v in c.values())
    seconds += sum(results.get(key, {}).get("seconds", 0) for key in ("tau", "tau_retest", "tau_random"))
    board = json.loads((ROOT / "configs" / "boards" / f"{args.board}.json").read_text())
    meta = {"board": args.board,
            "board_kind": "emulated by QEMU: instructions, not cycles" if board.get("link", {}).get("kind") == "qemu"
            else "real board",
            "scale": args.scale,
            "scale_note": "the product's defaults" if args.scale == "full" else
            f"{SCALES[args.scale]['limit']} training images, {bench.supernet_epochs} supernet + "
            f"{bench.finetune_epochs} fine-tuning epochs, final training {bench.final_training}, "
            f"{' '.join(SCALES[args.scale]['search'])} "
            f"--eval-images {SCALES[args.scale]['eval_images']}",
            "seeds": args.seeds,
            # The builds that ran the rows: --cli's, and the one each auto row names.
            "products": {"rows": source_commit(bench.cli),
                         "auto": ", ".join(sorted({c[key]["product"] for cells in results["budgets"].values()
                                                   for c in cells.values() for key in AUTO_ROWS
                                                   if "product" in c.get(key, {})}))},
            "machine": f"{platform.node()}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}",
            "minutes": seconds / 60}
    results["meta"] = meta
    (bench.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = table(results, meta)
    (bench.out / "search_quality.md").write_text(text + "\n")
    plot(results, meta, bench.out / "search_quality.png")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

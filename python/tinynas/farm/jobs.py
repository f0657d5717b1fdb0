"""Jobs and suites. A job is one model on one board kind: it carries the model itself (as a net config, so a
worker on another host needs no file of the submitter's) and is known by a key over everything that decides its
result: the model's content, the firmware build, the board kind, runs and seed. A key already in the results is
not measured again.

A suite (SUITE.json, docs/FORMATS.md) is models x board kinds:

    {"format": "tinynas-farm-suite", "name": "nightly", "runs": 3, "seed": 0,
     "boards": ["qemu-mps2-an500", "qemu-netduinoplus2"],
     "models": ["models/mcunet-in0.json",                          a path (relative to the suite file)
                {"arch": "w1-r28-k3e3-k3e3-k3e3-k3e3", "space": "fashion_mnist"},
                {"model": "models/mcunet-in3.json", "patches": 4, "split_block": 2},  patch-based (MCUNetV2)
                {"search": "runs/fm", "top": 3},                   a search's finalists (its pareto.json)
                {"trained": "runs/fm/best.model"},                 a trained model with its own int8 weights
                {"accuracy": "runs/fm/best.model", "images": 1000}],  its top-1 on the board
     "thresholds": {"latency_pct": 2.0, "prediction_pct": 5.0}}

A model runs in place unless it names a patch plan ("patches": N, "split_block": K, K omitted: the cost model's
split); a search's finalists run in the schedule the search chose for them. The plan is part of what is measured:
the same net in place and with patches are two models to the farm (two hashes, two rows).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import pathlib
from dataclasses import dataclass, field
from typing import Optional

from .config import FarmConfigError, integer_field, read_json_file, refuse_unknown_fields, text_field

SUITE_FORMAT = "tinynas-farm-suite"
DEFAULT_THRESHOLDS = {"latency_pct": 2.0, "prediction_pct": 5.0}
MAX_MODELS = 10000
MAX_SEED = 2**63 - 1  # the results database keeps it in a signed 64-bit column


@dataclass(frozen=True)
class Model:
    model_id: str    # the arch id, or the net config's file name / name
    netconfig: dict  # what the board runs
    space: str = ""  # the arch's space ("" for a plain net config)
    # A trained model's own weights (_core.trained_model_task: blob, arena_bytes, one int8 test image); None: the
    # board runs the net with the profiler's seeded random weights (time and memory are the same).
    trained: Optional[dict] = field(default=None, compare=False, hash=False)
    # The patch plan it runs with: (patches, split_block), split_block -1 for the cost model's split; () in place.
    patch: tuple = ()

    @property
    def content_hash(self) -> str:
        net = content_hash(self.netconfig)
        if not self.patch and self.trained is None:
            return net  # in place with random weights: the net's hash alone, as before schedules (older rows match)
        h = hashlib.sha256(net.encode())
        if self.patch:
            h.update(json.dumps(["patch", *self.patch]).encode())
        if self.trained is not None:
            for name in _TRAINED_BYTES:
                h.update(len(self.trained[name]).to_bytes(8, "little"))
                h.update(self.trained[name])
        return h.hexdigest()


_TRAINED_BYTES = ("blob", "input")


@dataclass(frozen=True)
class Job:
    model: Model
    board_kind: str
    runs: int = 3
    seed: int = 0

    def key(self, firmware_build_id: str) -> str:
        """The deduplication key: (model content, firmware build, board kind, runs, seed)."""
        text = json.dumps([self.model.content_hash, firmware_build_id, self.board_kind, self.runs, self.seed])
        return hashlib.sha256(text.encode()).hexdigest()

    kind = "profile"

    def to_message(self) -> dict:
        """What travels through the broker (plain JSON; a trained model's bytes in base64)."""
        m = {"kind": self.kind, "model_id": self.model.model_id, "netconfig": self.model.netconfig,
             "space": self.model.space, "board_kind": self.board_kind, "runs": self.runs, "seed": self.seed}
        if self.model.patch:
            m["patch"] = list(self.model.patch)
        if self.model.trained is not None:
            m["trained"] = {k: (base64.b64encode(v).decode("ascii") if k in _TRAINED_BYTES else v)
                            for k, v in self.model.trained.items()}
        return m

    @staticmethod
    def from_message(m: dict):
        if m.get("kind") == AccuracyJob.kind:
            return AccuracyJob.from_message(m)
        trained = None
        if m.get("trained") is not None:
            trained = {k: (base64.b64decode(v, validate=True) if k in _TRAINED_BYTES else v)
                       for k, v in m["trained"].items()}
        patch = tuple(int(v) for v in m.get("patch", ()))
        return Job(Model(m["model_id"], m["netconfig"], m.get("space", ""), trained, patch), m["board_kind"],
                   int(m["runs"]), int(m["seed"]))


@dataclass(frozen=True)
class _AccuracyModel:
    model_id: str
    content_hash: str


_TASK_BYTES = ("blob", "inputs", "host_out")


def task_hash(task: dict) -> str:
    """SHA-256 over what decides an accuracy job's result: the blob, the inputs, the labels."""
    h = hashlib.sha256()
    for name in _TASK_BYTES:
        h.update(len(task[name]).to_bytes(8, "little"))
        h.update(task[name])
    h.update(json.dumps([task["labels"], task["input_bytes"], task["output_bytes"]]).encode())
    return h.hexdigest()


@dataclass(frozen=True, eq=False)
class AccuracyJob:
    """A trained model's int8 accuracy on a board kind: `images` images of the split streamed through the firmware,
    its top-1 stored next to the host runtime's. The job carries everything the board needs (the int8 blob, the
    int8 inputs, the labels and the host runtime's answers: _core.accuracy_task, made by the submitter), so a worker
    on another host needs neither the model file nor the dataset. About 1 KB per 28x28 image through the broker."""
    model_file: str    # where the submitter read it (informative)
    model_id: str      # the model's arch id
    file_hash: str     # SHA-256 of the model file
    board_kind: str
    split: str
    images: int
    task: dict         # _core.accuracy_task(): bytes and lists
    kind = "accuracy"

    @functools.cached_property
    def model(self):
        """What the run bookkeeping needs: an id and a hash over the task's content (hashed once: megabytes)."""
        return _AccuracyModel(self.model_id, task_hash(self.task))

    def key(self, firmware_build_id: str) -> str:
        return hashlib.sha256(json.dumps([self.kind, self.model.content_hash, firmware_build_id,
                                          self.board_kind]).encode()).hexdigest()

    def to_message(self) -> dict:
        task = {k: (base64.b64encode(v).decode("ascii") if k in _TASK_BYTES else v) for k, v in self.task.items()}
        return {"kind": self.kind, "model_file": self.model_file, "model_id": self.model_id,
                "file_hash": self.file_hash, "board_kind": self.board_kind, "split": self.split,
                "images": self.images, "task": task}

    @staticmethod
    def from_message(m: dict) -> "AccuracyJob":
        task = dict(m["task"])
        for k in _TASK_BYTES:
            task[k] = base64.b64decode(task[k], validate=True)
        return AccuracyJob(m["model_file"], m["model_id"], m["file_hash"], m["board_kind"], m["split"],
                           int(m["images"]), task)


def accuracy_jobs(entry: dict, base: pathlib.Path, kinds: list, where: str) -> list:
    """{"accuracy": MODEL_FILE, "images": N, "split": "test", "data": DIR, "calibration_images": C} on each kind:
    the task is made here, once, from the model file and the dataset."""
    from .. import _core
    refuse_unknown_fields(entry, {"accuracy", "images", "split", "data", "calibration_images"}, where)
    path = (base / text_field(where, entry, "accuracy")).resolve()
    images = integer_field(where, entry, "images", 1000, 1, 100000)
    calibration = integer_field(where, entry, "calibration_images", 500, 1, 100000)
    split = entry.get("split", "test")
    if split not in ("test", "val"):
        raise FarmConfigError(f"{where}/split: expected test or val")
    data = _data_dir(entry, base, where)
    try:
        model_id = _core._model_arch_id(str(path))
        task = _core.accuracy_task(str(path), split=split, limit=images, data_dir=data,
                                   calibration_images=calibration)
    except ValueError as e:
        raise FarmConfigError(f"{where}/accuracy: {e}") from None
    return [AccuracyJob(str(path), model_id, file_sha256(path), k, split, len(task["labels"]), task) for k in kinds]


def trained_model(entry: dict, base: pathlib.Path, where: str) -> Model:
    """{"trained": MODEL_FILE, "data": DIR, "calibration_images": C, "seed": S}: the model profiled with its own int8
    weights (quantised on C training images picked by S, as `tinynas export` and the pipeline do) on one test image
    of the data. Made here, once: the job carries them (the blob plus ~1 KB)."""
    from .. import _core
    refuse_unknown_fields(entry, {"trained", "data", "calibration_images", "seed", *_PATCH_FIELDS}, where)
    calibration = integer_field(where, entry, "calibration_images", 500, 1, 100000)
    seed = integer_field(where, entry, "seed", 0, 0, MAX_SEED, "a non-negative integer")
    path = (base / text_field(where, entry, "trained")).resolve()
    data = _data_dir(entry, base, where)
    patches, split_block = patch_of(entry, where) or (0, -1)
    try:
        task = _core.trained_model_task(str(path), data_dir=data, calibration_images=calibration, seed=seed,
                                        patches=patches, split_block=split_block)
    except ValueError as e:
        raise FarmConfigError(f"{where}/trained: {e}") from None
    netconfig = task.pop("netconfig")
    patch = tuple(task.pop("patch", ()))  # the split the blob's plan was written with
    # Named apart from the same arch's random-weight job, which tables and plots show next to it.
    return _with_patch(Model(f"{task.pop('arch')} (trained)", netconfig, "", task), patch)


_PATCH_FIELDS = ("patches", "split_block")


def _data_dir(entry: dict, base: pathlib.Path, where: str) -> str:
    """An entry's "data" directory, resolved against the suite's folder; "" when it names none (absent, null or "",
    as `search --hil farm` writes it: the default dataset)."""
    if entry.get("data") in (None, ""):
        return ""
    return str((base / text_field(where, entry, "data")).resolve())


def _space(entry: dict, where: str) -> str:
    return text_field(where, entry, "space", "a space's name") if "space" in entry else "mcunet"


def patch_of(entry: dict, where: str) -> tuple:
    """(patches, split_block) of a suite entry's "patches" and "split_block" (omitted: -1, the cost model's split);
    () when it names none (in place)."""
    if "patches" not in entry:
        if "split_block" in entry:
            raise FarmConfigError(f"{where}/split_block: only with \"patches\" (the patch schedule's grid)")
        return ()
    patches = integer_field(where, entry, "patches", 0, 1, 16, "an integer in [1, 16] (an n x n grid)")
    split = integer_field(where, entry, "split_block", -1, -1, 1 << 20, "a block index (0 or more)")
    return patches, split


def _with_patch(model: Model, patch: tuple) -> Model:
    """The model with a patch plan, named apart from the same net in place (tables list both)."""
    if not patch:
        return model
    name = f"{model.model_id} (patch {patch[0]}x{patch[0]}" + (f" to block {patch[1]})" if patch[1] >= 0 else ")")
    return Model(name, model.netconfig, model.space, model.trained, patch)


@dataclass(frozen=True)
class Suite:
    name: str
    jobs: tuple
    thresholds: dict = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    path: Optional[pathlib.Path] = None

    @property
    def kinds(self) -> list:
        return sorted({j.board_kind for j in self.jobs})


def content_hash(netconfig: dict) -> str:
    canonical = json.dumps(netconfig, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def file_sha256(path) -> str:
    """SHA-256 of a file: a firmware image's build id (any rebuild that changes code or data changes it), a trained
    model's identity."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


firmware_build_id = file_sha256


def _is_arch_id(text: str) -> bool:
    """Whether `text` is written as an arch id (w1-r28-k3e3-...) rather than a path to a file."""
    return text.startswith("w") and "/" not in text and not text.endswith(".json")


def model_from(value, space: str = "mcunet", where: str = "model") -> Model:
    """A Model from a path to an arch file or net config, an Arch, a Net, or an arch id with its space."""
    from .. import _core
    try:
        if isinstance(value, str) and _is_arch_id(value):
            loaded = _core.Arch.from_id(value, space)
        elif isinstance(value, (str, pathlib.Path)):
            loaded = _core.load_arch(str(value), space)
        else:
            loaded = value
    except ValueError as e:
        raise FarmConfigError(f"{where}: {e}") from None
    if isinstance(loaded, _core.Arch):
        return Model(loaded.id, loaded.to_netconfig(), loaded.space)
    if isinstance(loaded, _core.Net):
        name = pathlib.Path(value).stem if isinstance(value, (str, pathlib.Path)) else loaded.name
        return Model(name, loaded.to_netconfig())
    raise FarmConfigError(f"{where}: expected a model file, an arch id, an Arch or a Net")


def _search_finalists(run: pathlib.Path, top: int, where: str) -> list:
    """A search's best `top` subnets: RUN/pareto.json (or RUN/search/pareto.json of a pipeline run)."""
    for candidate in (run / "pareto.json", run / "search" / "pareto.json"):
        if candidate.is_file():
            try:
                front = json.loads(candidate.read_text())
                points = sorted(front["points"], key=lambda p: -float(p["score"]))[:top]
                # Each in the schedule the search chose for it: a point that needed patches names its plan.
                return [_with_patch(model_from(p["arch"]["id"], p["arch"]["space"], str(candidate)),
                                    (int(p["patch"]["patches"]), int(p["patch"]["split_block"]))
                                    if "patch" in p else ()) for p in points]
            except FarmConfigError:
                raise
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise FarmConfigError(f"{candidate}: not a search's Pareto front ({e!r})") from None
    raise FarmConfigError(f"{where}: {run} has no pareto.json (a `tinynas search --out` directory)")


def parse_suite(obj, path: Optional[pathlib.Path] = None) -> Suite:
    where = str(path) if path else "suite"
    base = path.parent if path else pathlib.Path.cwd()
    if not isinstance(obj, dict) or obj.get("format") != SUITE_FORMAT:
        raise FarmConfigError(f"{where}: not a suite (expected an object with \"format\": \"{SUITE_FORMAT}\")")
    refuse_unknown_fields(obj, {"format", "name", "runs", "seed", "boards", "models", "thresholds"}, where)
    name = obj.get("name", path.stem if path else "suite")
    if not isinstance(name, str) or not name:  # the runs table's suite column, and what reports are grouped by
        raise FarmConfigError(f"{where}/name: expected the suite's name (a string), got {json.dumps(name)}")
    runs = integer_field(where, obj, "runs", 3, 1, 1000)
    seed = integer_field(where, obj, "seed", 0, 0, MAX_SEED, "a non-negative integer")
    from .. import _core
    kinds = obj.get("boards")
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        raise FarmConfigError(f"{where}/boards: expected a non-empty list of board kinds (configs/boards/ names)")
    for i, k in enumerate(kinds):
        if k not in _core.list_boards():
            raise FarmConfigError(f"{where}/boards/{i}: unknown board kind {k!r}")
    thresholds = dict(DEFAULT_THRESHOLDS)
    given = obj.get("thresholds", {})
    if not isinstance(given, dict) or set(given) - set(DEFAULT_THRESHOLDS):
        raise FarmConfigError(f"{where}/thresholds: expected an object with {', '.join(DEFAULT_THRESHOLDS)}")
    for key, value in given.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1000:
            raise FarmConfigError(f"{where}/thresholds/{key}: expected a percentage in [0, 1000]")
        thresholds[key] = float(value)
    entries = obj.get("models")
    if not isinstance(entries, list) or not entries:
        raise FarmConfigError(f"{where}/models: expected a non-empty list of models")
    models, accuracy = [], []
    for i, entry in enumerate(entries):
        at = f"{where}/models/{i}"
        if isinstance(entry, str):
            models.append(model_from(str(base / entry), "mcunet", at))
        elif isinstance(entry, dict) and "arch" in entry:
            refuse_unknown_fields(entry, {"arch", "space", *_PATCH_FIELDS}, at)
            arch = text_field(at, entry, "arch", "an arch id or path")
            if not _is_arch_id(arch):
                arch = str(base / arch)  # a file, relative to the suite file as every path in a suite is
            models.append(_with_patch(model_from(arch, _space(entry, at), at), patch_of(entry, at)))
        elif isinstance(entry, dict) and "model" in entry:
            refuse_unknown_fields(entry, {"model", "space", *_PATCH_FIELDS}, at)
            models.append(_with_patch(model_from(str(base / text_field(at, entry, "model")), _space(entry, at), at),
                                      patch_of(entry, at)))
        elif isinstance(entry, dict) and "trained" in entry:
            models.append(trained_model(entry, base, at))
        elif isinstance(entry, dict) and "accuracy" in entry:
            accuracy.extend(accuracy_jobs(entry, base, kinds, at))
            continue
        elif isinstance(entry, dict) and "search" in entry:
            refuse_unknown_fields(entry, {"search", "top"}, at)
            top = integer_field(at, entry, "top", 3, 1, 100)
            models.extend(_search_finalists(base / text_field(at, entry, "search"), top, at))
        else:
            raise FarmConfigError(f"{at}: expected a path, {{\"arch\": ID, \"space\": S}}, {{\"model\": PATH}}, "
                                  "{\"trained\": MODEL}, {\"accuracy\": MODEL} or {\"search\": RUN, \"top\": K}")
        if len(models) > MAX_MODELS:
            raise FarmConfigError(f"{where}/models: more than {MAX_MODELS} models")
    unique = list({m.content_hash: m for m in models}.values())  # a model listed twice is measured once
    jobs = tuple(Job(m, k, runs, seed) for k in kinds for m in unique) + tuple(accuracy)
    return Suite(name=name, jobs=jobs, thresholds=thresholds, path=path)


def load_suite(path) -> Suite:
    path = pathlib.Path(path)
    return parse_suite(read_json_file(path, 16 << 20, "a suite file"), path.resolve())

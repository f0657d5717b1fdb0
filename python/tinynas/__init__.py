"""TinyNAS: hardware-aware neural architecture search for microcontrollers.

The compiled core (``tinynas._core``) does the work; this package gives it Python conventions::

    import tinynas
    space = tinynas.SearchSpace.load("mcunet")
    arch = tinynas.load_arch("configs/models/mcunet-in3.netconfig.json")
    report = tinynas.analyze(arch, board="stm32f746g-disco", schedule="inplace-dw")
    result = tinynas.search(sram="320K", flash="1M")
    tinynas.plot.stage1_cdf(result.stage1)

Errors from bad input raise ``ValueError`` with the file and field the C++ core names;
``InfeasibleError`` (a ``ValueError``) when no subnet can meet the budgets; ``BoardError`` (an
``OSError``) when a board, emulator or debug probe fails after the retries.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Optional, Sequence, Union

from . import _core
from ._core import (  # noqa: F401  (re-exported API)
    Analysis,
    Arch,
    Board,
    BoardError,
    InfeasibleError,
    LayerCost,
    Net,
    Profiler,
    SearchResult,
    SearchSpace,
    Stage1Result,
    analyze,
    calibrate,
    evaluate,
    list_boards,
    list_estimators,
    list_schedules,
    list_spaces,
    load_arch,
    profile,
    set_log_level,
)

__all__ = [
    "Analysis", "Arch", "Board", "BoardError", "InfeasibleError", "LayerCost", "Net", "Profiler", "SearchResult",
    "SearchSpace",
    "Stage1Result", "analyze", "list_boards", "list_estimators", "list_schedules", "list_spaces",
    "load_arch", "search", "set_log_level", "stage1", "plot", "train", "finetune", "evaluate", "profile",
    "calibrate",
]

Size = Union[str, int, None]
Data = Union[str, "os.PathLike[str]", tuple, dict, None]
Estimator = Union[str, Callable[[Sequence[Arch]], Sequence[float]]]


# Every search option's default, from the C++ core (search/search_options.hpp), which ``tinynas
# search`` shares: the keyword arguments below default to these, never to values restated here.
_DEFAULTS = _core.SearchOptions()
_PIPELINE_DEFAULTS = _core._pipeline_defaults()


def _search_options(arguments: dict) -> "_core.SearchOptions":
    """The core's SearchOptions with the search options among ``arguments`` (a function's locals)."""
    options = _core.SearchOptions()
    for name in _core.SEARCH_OPTION_NAMES & arguments.keys():
        setattr(options, name, arguments[name])
    return options


def stage1(sram: Size = _DEFAULTS.sram, flash: Size = _DEFAULTS.flash, *,
           latency: Union[str, float, None] = _DEFAULTS.latency, board: str = _DEFAULTS.board,
           space: Optional[str] = _DEFAULTS.space, schedule: str = _DEFAULTS.schedule,
           patches: int = _DEFAULTS.patches, split_block: Optional[int] = _DEFAULTS.split_block,
           seed: int = _DEFAULTS.seed, samples: int = _DEFAULTS.samples, stage1_rule: str = _DEFAULTS.stage1_rule,
           stage1_quantile: float = _DEFAULTS.stage1_quantile, min_fit: float = _DEFAULTS.min_fit,
           threads: int = _DEFAULTS.threads) -> Stage1Result:
    """Stage 1 alone: scan every (width, resolution) pair of the space.

    For each pair, ``samples`` random subnets are costed; those within ``sram``/``flash`` (sizes such
    as ``"320K"`` or a byte count; default: the board's) and ``latency`` (``"500ms"`` or ms) fit.
    Returns a :class:`Stage1Result` whose ``chosen`` pair has the largest mean MACs of fitting
    subnets (``stage1_rule="quantile"``: the largest ``stage1_quantile``-quantile). Bit-identical for
    a seed at any ``threads`` (0: all cores). Unset, ``space`` is :func:`search`'s default space.
    """
    return _core._stage1(_search_options(locals()))


def search(sram: Size = _DEFAULTS.sram, flash: Size = _DEFAULTS.flash, *,
           latency: Union[str, float, None] = _DEFAULTS.latency, board: str = _DEFAULTS.board,
           space: Optional[str] = _DEFAULTS.space, schedule: str = _DEFAULTS.schedule,
           patches: int = _DEFAULTS.patches, split_block: Optional[int] = _DEFAULTS.split_block,
           estimator: Estimator = _DEFAULTS.estimator, estimator_is_proxy: bool = False, seed: int = _DEFAULTS.seed,
           samples: int = _DEFAULTS.samples, stage1_rule: str = _DEFAULTS.stage1_rule,
           stage1_quantile: float = _DEFAULTS.stage1_quantile, min_fit: float = _DEFAULTS.min_fit,
           population: int = _DEFAULTS.population, parents: int = _DEFAULTS.parents,
           generations: int = _DEFAULTS.generations, mutation_prob: float = _DEFAULTS.mutation_prob,
           mutation_ratio: float = _DEFAULTS.mutation_ratio, max_attempts: int = _DEFAULTS.max_attempts,
           resolution_window: int = _DEFAULTS.resolution_window, out: Optional[str] = _DEFAULTS.out, resume: Optional[str] = _DEFAULTS.resume,
           overwrite: bool = _DEFAULTS.overwrite, threads: int = _DEFAULTS.threads,
           progress: Union[bool, Callable[[dict], None]] = True, supernet: Optional[str] = _DEFAULTS.supernet,
           data_dir: Optional[str] = _DEFAULTS.data_dir, eval_images: int = _DEFAULTS.eval_images,
           data: Data = None, supernet_epochs: int = _PIPELINE_DEFAULTS["supernet_epochs"],
           finetune_epochs: int = _PIPELINE_DEFAULTS["finetune_epochs"],
           final_training: str = _PIPELINE_DEFAULTS["final_training"], limit: int = _PIPELINE_DEFAULTS["limit"],
           time_budget: str = _PIPELINE_DEFAULTS["time_budget"], hil: Optional[str] = None) -> Union[SearchResult, dict]:
    """The two-stage TinyNAS search, as ``tinynas search`` runs it (same options, same defaults, same
    result for a seed).

    Stage 1 picks the (width, resolution) pair; stage 2 evolves subnets there (``population``,
    ``parents``, ``generations``, ``mutation_prob``, ``mutation_ratio``) under the SRAM, flash and
    optional latency budgets, ranking them by ``estimator`` (default: ``"supernet"`` when ``supernet``
    is given, else ``"macs"``):

    - ``"macs"``: the MACs proxy (fast; not an accuracy);
    - ``"supernet"``: top-1 accuracy on the validation split of subnets inheriting weights from the
      trained supernet file ``supernet`` (``tinynas train``; ``data_dir``: the dataset, default
      Fashion-MNIST; ``eval_images``: images per subnet, 0 = all). ``space`` defaults to the
      supernet's; stage 1 then chooses among the supernet's width's resolutions only;
    - a callable ``f(archs: list[Arch]) -> list[float]`` (higher is better), called with up to 20
      subnets at a time, e.g. your own PyTorch evaluation. It must be deterministic; exceptions it raises
      come back to you unchanged. Set ``estimator_is_proxy=True`` if its score is not an accuracy.

    With ``out`` (a directory) the search writes its files and a checkpoint every generation (and
    about every minute within a long one);
    ``resume=dir`` continues one, given the same options (only ``generations`` may grow). ``progress=True``
    shows a tqdm bar where tqdm is installed, counting the subnets scored within a generation too (or pass a
    callable receiving a dict per generation: ``generation``, ``generations``, ``evaluations``, ``best_score``,
    ``best_id``, ``evaluations_per_second``, ``seconds`` and ``seconds_left``, the search's time left at its pace so
    far).
    Ctrl-C (KeyboardInterrupt) stops at the next checkpoint, after the subnets being scored. Raises
    :class:`InfeasibleError` when nothing fits, ``ValueError`` naming the keyword of a bad option.

    With ``data`` (what :func:`train` takes) and no ``supernet``, the whole pipeline runs, as
    ``tinynas search --data`` does: stage 1, a supernet trained for its choice (``supernet_epochs``;
    ``limit`` > 0 trains on the first N images), stage 2 ranked by that supernet searching
    ``resolution_window`` resolutions either side (-1, the default: 1 here, 0 for a plain search), the winner
    trained for deployment (``final_training``: ``"scratch"``, the default, from random weights for
    ``supernet_epochs + finetune_epochs`` epochs; ``"finetune"``, its inherited weights for ``finetune_epochs``),
    with ``time_budget`` (``"45min"``, ``"1.5h"``, ``"none"``) those counts and ``generations`` cut, after a probe
    of this machine's speed, until the whole run is predicted to fit (``time_plan.json`` in ``out``),
    its test accuracy (float and int8), its int8 export, with ``hil`` (a board
    with profiling firmware, e.g. ``"qemu-mps2-an500"``) the int8 model measured on that board, and
    ``report.md`` and ``report.html`` (with plots), all in ``out`` (default ``"tinynas-search"``).
    Calling it again with the same arguments, or ``search(resume=out)`` alone, continues an
    interrupted run. ``progress=True`` prints each phase, epoch and generation with the time left in
    the phase; a callable receives a dict per event instead, its kind in ``"event"``: ``"phase"``
    (``phase``), ``"note"`` (``text``), ``"epoch"`` (a report as :func:`train` returns them),
    ``"generation"`` (as the search's progress dicts) and ``"evaluating"`` (``generation``,
    ``generations``, ``done``, ``total``, ``seconds``, ``seconds_left`` in the generation: within one, after every
    20 subnets).
    Returns a dict: ``run``, ``model``, ``report``, ``report_html``, ``accuracy`` (as
    :func:`evaluate` returns it), ``winner`` (its id, arch, MACs, SRAM, flash, latency and, when it runs in
    patches, its ``patch`` plan, as ``SearchResult.to_dict()["best"]``) and ``board`` (the measurement, or None).
    """
    arguments = dict(locals())
    if progress is True and (data is not None or (resume and _core._is_pipeline_run(resume))):
        progress = _PipelinePrinter()
    if resume and _core._is_pipeline_run(resume):
        return _core._resume_pipeline(resume, hil, threads, progress or None)
    if data is not None and supernet is None:
        options = _search_options(arguments)
        options.out = out or "tinynas-search"
        os.makedirs(options.out, exist_ok=True)
        options.data_dir = _data_source(data, os.path.join(options.out, "arrays"))
        return _core._pipeline(options, supernet_epochs, finetune_epochs, final_training, limit, time_budget, hil,
                               progress or None)
    del arguments["estimator"]  # a name or a callable: the core takes it apart
    callback, scored, bar = _progress_callback(progress, generations)
    try:
        return _core._search(_search_options(arguments), estimator, estimator_is_proxy, callback, scored)
    finally:
        if bar is not None:
            bar.close()


def train(out: str, *, space: str = "fashion_mnist", width: float = 1.0, epochs: Optional[int] = None,
          largest_epochs: Optional[int] = None, limit: int = 0, seed: int = 0, data: Data = None,
          data_dir: Optional[str] = None, classes_from_data: bool = False, resume: bool = False,
          progress: Union[bool, Callable[[dict], None]] = True) -> dict:
    """Train a weight-shared supernet, as ``tinynas train`` does, writing ``out`` after every epoch
    and every two minutes inside one.

    ``epochs`` in total (default 20), ``largest_epochs`` of them on the largest subnet first (default
    30%), then the sandwich rule with in-place distillation. ``limit`` > 0 trains on the first N images
    (quick runs). ``data`` is what ``tinynas train --data`` takes (an IDX folder, an image folder, an
    ``.npz``), or arrays: ``(x, y)`` with ``x`` N x H x W (x 1 or 3) uint8 or float32 and ``y`` integer
    labels, or a dict of Keras's ``x_train``/``y_train``/``x_test``/``y_test``; arrays are saved next to
    ``out`` as ``<out>.data.npz``, the file to pass to ``evaluate`` and ``search`` later. Default:
    Debian's Fashion-MNIST (``data_dir`` is the older name of ``data``). ``classes_from_data=True``
    gives the space as many classes as the data has.
    ``resume=True`` continues the run checkpointed in ``out``. ``progress=True`` prints one line per
    epoch (or pass a callable receiving a dict per epoch). Ctrl-C stops after the current batch, checkpointed.
    Returns a dict: ``supernet`` (the path), ``seconds`` and ``epochs``, the per-epoch reports as the
    checkpoint records them: ``epoch``, ``epochs``, ``phase``, ``loss``, ``train_accuracy``,
    ``images_per_second``, ``seconds``, and ``val_largest`` / ``val_smallest`` (validation accuracy of
    the largest and smallest subnets, -1 when not measured; ``val_subnet`` is :func:`finetune`'s), and
    ``seconds_left``, the training's time left after that epoch at its pace (a supernet's sandwich epochs
    cost more than its first ones, which it accounts for).
    """
    if progress is True:
        def progress(report: dict) -> None:
            print(f"epoch {report['epoch']}/{report['epochs']} {report['phase']}: loss {report['loss']:.4f}, "
                  f"val largest {report['val_largest']:.2%}, smallest {report['val_smallest']:.2%}, "
                  f"~{report['seconds_left']:.0f} s left", flush=True)
    source = _data_source(data if data is not None else data_dir, out)
    return _core._train(space, out, width, epochs, largest_epochs, limit, seed, source, classes_from_data, resume,
                        progress or None)


def _data_source(data: Data, out: str) -> str:
    """The path the core reads for ``data``: a path as given, arrays saved to ``<out>.data.npz``."""
    if data is None:
        return ""
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    import numpy as np
    if isinstance(data, dict):
        arrays = dict(data)
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        arrays = {"x": data[0], "y": data[1]}
    else:
        raise ValueError("data: give a path, (x, y) arrays, or a dict of x_train, y_train, x_test, y_test arrays")
    path = os.fspath(out) + ".data.npz"
    # Written whole, then renamed: a crash never leaves a half-written archive the next run would read.
    partial = path + ".partial.npz"
    np.savez(partial, **{key: np.asarray(value) for key, value in arrays.items()})
    os.replace(partial, path)
    return path


def finetune(supernet: str, arch: Union[Arch, str], out: str, *, data: Data = None, data_dir: Optional[str] = None,
             epochs: int = 5,
             lr: float = 0.0, distill: bool = False, from_scratch: bool = False, batch_size: int = 0, seed: int = 0,
             resume: bool = False, progress: Union[bool, Callable[[dict], None]] = True) -> dict:
    """Fine-tune one subnet of a supernet on its own into a model file, as ``tinynas finetune`` does.

    ``arch`` is an :class:`Arch` of the supernet (e.g. a search's best) or ``"largest"`` /
    ``"smallest"``. It starts from the inherited weights (``from_scratch=True``: random ones) and trains
    ``epochs`` epochs at the arch's resolution on the supernet's training split, SGD with its optimiser
    settings and a cosine learning rate from ``lr`` (0: the supernet's elastic-phase rate, or its
    largest-phase rate from scratch). ``distill=True`` mixes the supernet's largest subnet's softmax into the targets, half and
    half with the labels. ``out`` is written after every epoch and every two minutes inside one, and is
    also the checkpoint ``resume=True`` continues from (Ctrl-C stops after the current batch,
    checkpointed); pass it as ``model=`` to :func:`evaluate`. Returns a dict:
    ``model`` (the path), ``seconds`` and ``epochs``, the per-epoch reports as :func:`train` returns
    them, with ``val_subnet`` the fine-tuned subnet's validation accuracy after BN recalibration.
    """
    if progress is True:
        def progress(report: dict) -> None:
            print(f"epoch {report['epoch']}/{report['epochs']} fine-tune: loss {report['loss']:.4f}, "
                  f"val {report['val_subnet']:.2%}, ~{report['seconds_left']:.0f} s left", flush=True)
    source = _data_source(data if data is not None else data_dir, out)
    return _core._finetune(supernet, arch, out, source, epochs, lr, distill, from_scratch, batch_size, seed,
                           resume, progress or None)


class _PipelinePrinter:
    """``search(data=..., progress=True)``: the pipeline's phases, epochs and generations, one line each, with the
    time left in the phase (a generation that scores for long also says how far it is, about once a minute)."""

    def __init__(self) -> None:
        self.last_line = time.monotonic()

    def __call__(self, event: dict) -> None:
        kind = event["event"]
        if kind == "phase":
            self.print(f"tinynas: {event['phase']}")
        elif kind == "note":
            self.print(f"  {event['text']}")
        elif kind == "epoch":
            if event["val_subnet"] >= 0:
                val = f"val {event['val_subnet']:.2%}"
            else:
                val = f"val largest {event['val_largest']:.2%}, smallest {event['val_smallest']:.2%}"
            self.print(f"epoch {event['epoch']}/{event['epochs']} {event['phase']}: loss {event['loss']:.4f}, {val}, "
                       f"{event['seconds']:.0f} s, ~{event['seconds_left']:.0f} s left")
        elif kind == "generation":
            self.print(f"generation {event['generation']}/{event['generations']}: best {event['best_score']:.2%}, "
                       f"{event['evaluations']} evaluated, ~{event['seconds_left']:.0f} s left")
        elif kind == "evaluating" and time.monotonic() - self.last_line >= 60 and event["done"] < event["total"]:
            self.print(f"generation {event['generation']}/{event['generations']}: {event['done']}/{event['total']} "
                       f"subnets scored, ~{event['seconds_left']:.0f} s left in it")

    def print(self, line: str) -> None:
        print(line, flush=True)
        self.last_line = time.monotonic()


def _progress_callback(progress, generations):
    """search()'s progress: the callable given, or a tqdm bar over the generations whose caption also follows
    the subnets being scored within one (generation 0 of a large population can take half an hour)."""
    if callable(progress):
        return progress, None, None
    if not progress:
        return None, None, None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: no bar, Ctrl-C still works
        return None, None, None
    bar = tqdm(total=generations + 1, desc="tinynas search", unit="gen")

    def update(p: dict) -> None:
        bar.n = p["generation"] + 1
        bar.set_postfix(best=f"{p['best_score']:.4g}", evals=p["evaluations"], refresh=False)
        bar.refresh()

    def scored(p: dict) -> None:
        bar.set_postfix(scored=f"{p['done']}/{p['total']}", refresh=False)
        bar.refresh()

    return update, scored, bar


from . import plot  # noqa: E402  (plot imports matplotlib lazily, inside its functions)

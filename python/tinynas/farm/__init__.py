"""The board farm: suites of models measured on many boards and hosts, results in a database, regression
reports (docs/FARM.md). With a broker in farm.json, jobs go through Celery + Redis to one worker process per board;
without one, `run_local` drives this host's boards directly. Both store the same rows in the same database."""
from .config import Farm, FarmBoard, FarmConfigError, load_farm, local_farm, parse_farm  # noqa: F401
from .jobs import Job, Model, Suite, firmware_build_id, load_suite, model_from, parse_suite  # noqa: F401
from .local import run_local  # noqa: F401
from .results import Results  # noqa: F401
from .session import BoardSession, revision  # noqa: F401


def measure(models, board_kind: str, farm=None, runs: int = 3) -> list:
    """Measures models (Arch, Net or model file paths) on the farm's boards of `board_kind` in parallel, e.g. a
    search's five best: ``measure([e["arch"] for e in sorted(result.history, key=lambda e: -e["score"])[:5]],
    "qemu-mps2-an500")``.
    `farm`: a farm.json path (its broker, or its boards on this host); None = this host's QEMU boards. Returns
    one dict per model as ``tinynas.profile`` does; raises tinynas.BoardError naming the models that failed."""
    from .. import _core
    from .runner import measure_models
    described = [m if isinstance(m, Model) else model_from(m) for m in models]
    where = load_farm(farm) if farm else local_farm([board_kind])
    measured, failures = measure_models(described, board_kind, where, runs=runs)
    if failures:
        raise _core.BoardError("; ".join(f"{model_id}: {reason}" for model_id, reason in failures))
    return measured

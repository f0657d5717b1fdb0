"""The board farm: suites of models measured on many boards and hosts, results in a database, regression
reports (docs/FARM.md). With a broker in farm.json, jobs go through Celery + Redis to one worker process per board;
without one, `run_local` drives this host's boards directly. Both store the same rows in the same database."""
from .config import Farm, FarmBoard, FarmConfigError, load_farm, local_farm, parse_farm  # noqa: F401
from .jobs import Job, Model, Suite, firmware_build_id, load_suite, model_from, parse_suite  # noqa: F401
from .local import run_local  # noqa: F401
from .results import Results  # noqa: F401
from .session import BoardSession, revision  # noqa: F401

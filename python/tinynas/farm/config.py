"""The farm description, farm.json (docs/FORMATS.md): the boards, how each is reached, and where jobs and
results go. One process per board serves it (`tinynas farm worker --board NAME`); with no broker, `tinynas
farm run` drives the boards itself.

    {"format": "tinynas-farm",
     "broker": "redis://10.0.0.5:6379/0",          optional: without it jobs run on this host's boards
     "results": "sqlite:///farm.db",                optional: SQLAlchemy URL; a relative SQLite path is
                                                    relative to farm.json (default: farm.db beside it)
     "visibility_timeout_s": 3600,                  optional: longer than the longest job
     "boards": [{"name": "m7-a", "kind": "qemu-mps2-an500", "link": {"type": "qemu"}, "tags": ["emulated"]},
                {"name": "disco-1", "kind": "stm32f746g-disco",
                 "link": {"type": "openocd", "probe_serial": "066DFF535"}, "host": "lab-2"},
                {"name": "h7-1", "kind": "nucleo-h743zi",
                 "link": {"type": "openocd", "remote": "lab-3:3333", "reset": "reset halt"}}]}

A link with "remote" reaches a GDB server already running on another host: for openocd, the OpenOCD on the host the
probe is plugged into; for qemu, a QEMU started there (with the board kind's -icount, or its counts differ). The
worker may then run on any host; the firmware is loaded through that port, and "reset" is the monitor command that
resets and halts the board ("reset halt" for OpenOCD, "system_reset" for QEMU, the defaults).
"""
from __future__ import annotations

import json
import os
import pathlib
import re
from dataclasses import dataclass, field
from typing import Optional

FORMAT = "tinynas-farm"
DEFAULT_VISIBILITY_TIMEOUT_S = 3600
LINK_TYPES = ("qemu", "openocd")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class FarmConfigError(ValueError):
    """A farm.json (or suite) that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class FarmBoard:
    name: str               # unique in the farm: the worker's --board and the results' board_name
    kind: str               # a configs/boards/ name: the queue this board serves
    link: str = "qemu"      # "qemu" (an emulator this host starts) or "openocd" (a probe, here or at `remote`)
    probe_serial: str = ""  # openocd: which probe, when several are attached
    remote: str = ""        # "host:port": a GDB server already running on another host; "" = start QEMU/OpenOCD here
    reset: str = ""         # with remote: the monitor command that resets and halts ("" = the link kind's default)
    host: str = ""          # informative: where the board is plugged in
    tags: tuple = ()

    @property
    def queue(self) -> str:
        return queue_of(self.kind)

    def board_config(self) -> Optional[dict]:
        """The board file this board is profiled with: its kind's, with this board's link settings over it;
        None when the kind's file serves as it is."""
        overrides = {k: v for k, v in (("probe_serial", self.probe_serial), ("remote", self.remote),
                                       ("reset", self.reset)) if v}
        if not overrides:
            return None
        from .. import _core
        config = _core.Board.load(self.kind).to_dict()
        config["link"].update(overrides)
        return config


@dataclass(frozen=True)
class Farm:
    path: Optional[pathlib.Path]
    boards: tuple
    broker: Optional[str] = None
    results: str = ""
    visibility_timeout_s: int = DEFAULT_VISIBILITY_TIMEOUT_S
    kinds: tuple = field(default=())

    def board(self, name: str) -> FarmBoard:
        for b in self.boards:
            if b.name == name:
                return b
        raise FarmConfigError(f"{self.path}: no board named {name!r} (boards: {', '.join(b.name for b in self.boards)})")

    def boards_of(self, kind: str) -> list:
        return [b for b in self.boards if b.kind == kind]


def queue_of(kind: str) -> str:
    """One Celery queue per board kind: a job goes only to a board of the kind it names."""
    return f"board.{kind}"


def _board_kinds() -> set:
    from .. import _core
    return set(_core.list_boards())


def refuse_unknown_fields(obj: dict, allowed: set, where: str) -> None:
    """Every field of a farm.json or suite object must be known: a misspelt one ("patchs") would silently configure
    something else."""
    unknown = set(obj) - allowed
    if unknown:
        raise FarmConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")


def _expected(where: str, key: str, what: str, value) -> FarmConfigError:
    """The one shape of a bad field's message: where, what it should be, what it is (shortened)."""
    return FarmConfigError(f"{where}/{key}: expected {what}, got {json.dumps(value)[:60]}")


def _field(where: str, obj: dict, key: str, kind, default=None, required=False):
    if key not in obj:
        if required:
            raise FarmConfigError(f"{where}: missing \"{key}\"")
        return default
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise _expected(where, key, kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind),
                        value)
    return value


def integer_field(where: str, obj: dict, key: str, default: int, lo: int, hi: int, what: str = "") -> int:
    """obj[key] (default when absent), an integer (not a bool, not 2.0) in [lo, hi]; `what` says what it is when
    the range alone would not."""
    value = obj.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise _expected(where, key, what or f"an integer in [{lo}, {hi}]", value)
    return value


def text_field(where: str, obj: dict, key: str, what: str = "a path") -> str:
    """obj[key], which must be a non-empty string (a path, an arch id, a space's name)."""
    value = obj[key]
    if not isinstance(value, str) or not value:
        raise _expected(where, key, what, value)
    return value


def _board(where: str, obj, kinds: set) -> FarmBoard:
    if not isinstance(obj, dict):
        raise FarmConfigError(f"{where}: a board is an object with name, kind and link")
    refuse_unknown_fields(obj, {"name", "kind", "link", "host", "tags"}, where)
    name = _field(where, obj, "name", str, required=True)
    if not _NAME.match(name):
        raise FarmConfigError(f"{where}/name: {name!r} is not a board name (letters, digits, _.-; at most 64)")
    kind = _field(where, obj, "kind", str, required=True)
    if kind not in kinds:
        raise FarmConfigError(f"{where}/kind: unknown board kind {kind!r} (configs/boards/: {', '.join(sorted(kinds))})")
    link = _field(where, obj, "link", dict, default={"type": "qemu"})
    link_type = _field(f"{where}/link", link, "type", str, required=True)
    if link_type not in LINK_TYPES:
        raise FarmConfigError(f"{where}/link/type: {link_type!r} is not one of {', '.join(LINK_TYPES)}")
    refuse_unknown_fields(link, {"type", "remote", "reset"} | ({"probe_serial"} if link_type == "openocd" else set()),
                          f"{where}/link")
    from .. import _core
    emulated = _core.Board.load(kind).emulated
    if emulated != (link_type == "qemu"):
        raise FarmConfigError(f"{where}/link/type: {kind} is {'an emulated' if emulated else 'a real'} board, "
                              f"reached through {'qemu' if emulated else 'openocd'}, not {link_type}")
    tags = _field(where, obj, "tags", list, default=[])
    if not all(isinstance(t, str) for t in tags):
        raise FarmConfigError(f"{where}/tags: expected a list of strings")
    board = FarmBoard(name=name, kind=kind, link=link_type,
                      probe_serial=_field(f"{where}/link", link, "probe_serial", str, default=""),
                      remote=_field(f"{where}/link", link, "remote", str, default=""),
                      reset=_field(f"{where}/link", link, "reset", str, default=""),
                      host=_field(where, obj, "host", str, default=""), tags=tuple(tags))
    config = board.board_config()
    if config is not None:  # the board file's own checks (host:port, a reset command), naming this board
        try:
            _core.Board.from_json(json.dumps(config), f"{where}")
        except ValueError as e:
            raise FarmConfigError(str(e)) from None
    return board


def parse_farm(obj, path: Optional[pathlib.Path] = None) -> Farm:
    where = str(path) if path else "farm"
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise FarmConfigError(f"{where}: not a farm description (expected an object with \"format\": \"{FORMAT}\")")
    refuse_unknown_fields(obj, {"format", "broker", "results", "visibility_timeout_s", "boards"}, where)
    kinds = _board_kinds()
    boards_json = _field(where, obj, "boards", list, required=True)
    if not boards_json:
        raise FarmConfigError(f"{where}/boards: a farm needs at least one board")
    boards = tuple(_board(f"{where}/boards/{i}", b, kinds) for i, b in enumerate(boards_json))
    names = [b.name for b in boards]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise FarmConfigError(f"{where}/boards: board name(s) used twice: {', '.join(duplicated)}")
    broker = _field(where, obj, "broker", str, default=None) or None
    if broker and not re.match(r"^(redis|rediss|amqp|memory)://", broker):
        raise FarmConfigError(f"{where}/broker: {broker!r} is not a broker URL (redis://host:port/db)")
    results = _field(where, obj, "results", str, default="")
    results = results_url(results, path)
    timeout = integer_field(where, obj, "visibility_timeout_s", DEFAULT_VISIBILITY_TIMEOUT_S, 2, 7 * 24 * 3600,
                            "seconds in [2, 604800]")
    return Farm(path=path, boards=boards, broker=broker, results=results, visibility_timeout_s=timeout,
                kinds=tuple(sorted({b.kind for b in boards})))


def results_url(results: str, farm_path: Optional[pathlib.Path]) -> str:
    """The SQLAlchemy URL of the results: a relative SQLite path is taken relative to farm.json."""
    base = farm_path.parent if farm_path else pathlib.Path.cwd()
    if not results:
        return f"sqlite:///{(base / 'farm.db').resolve()}"
    if results.startswith("sqlite:///") and not results.startswith("sqlite:////"):
        relative = results[len("sqlite:///"):]
        if relative and relative != ":memory:":
            return f"sqlite:///{(base / relative).resolve()}"
    if "://" not in results:
        raise FarmConfigError(f"{farm_path}/results: {results!r} is not a database URL (sqlite:///farm.db, "
                              "postgresql://user@host/db)")
    return results


def read_json_file(path: pathlib.Path, max_bytes: int, what: str):
    """The JSON in `path`, bounded in size; FarmConfigError naming the file otherwise."""
    try:
        if path.stat().st_size > max_bytes:
            raise FarmConfigError(f"{path}: larger than {max_bytes >> 20} MiB; not {what}")
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FarmConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FarmConfigError(f"{path}: is a directory, not {what}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FarmConfigError(f"{path}: malformed JSON ({e})") from None


def load_farm(path) -> Farm:
    path = pathlib.Path(path)
    return parse_farm(read_json_file(path, 1 << 20, "a farm description (farm.json)"), path.resolve())


def local_farm(kinds, boards_per_kind: Optional[int] = None, results: str = "") -> Farm:
    """The embedded default: QEMU boards on this host, one per core (at least one per kind)."""
    n = boards_per_kind or max(1, (os.cpu_count() or 1) // max(1, len(kinds)))
    boards = [{"name": f"local-{kind}-{i}", "kind": kind, "link": {"type": "qemu"}, "tags": ["local"]}
              for kind in kinds for i in range(n)]
    return parse_farm({"format": FORMAT, "boards": boards, "results": results})

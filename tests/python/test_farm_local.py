"""The farm without a broker (the embedded default): farm.json and suite validation, the results database, and a
suite run on this host's QEMU boards, every row checked against a direct `tinynas profile` of the same model."""
import json
import pathlib
import shutil
import sqlite3
import subprocess

import pytest

from farm_services import FASHION_IDS, fake_qemu_dir, free_port, profile_directly, write_farm, write_suite

KINDS = ["qemu-mps2-an500", "qemu-netduinoplus2"]


def farm_cli(cli, *args, env=None, cwd=None):
    return subprocess.run([cli, "farm", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


# ---- farm.json and suites: bad input is exit 2 with the file and field ----

BAD_FARMS = [
    ({"format": "tinynas-farm"}, "missing \"boards\""),
    ({"format": "tinynas-farm", "boards": []}, "at least one board"),
    ({"format": "x", "boards": []}, "not a farm description"),
    ({"format": "tinynas-farm", "boards": [{"name": "a", "kind": "nope"}]}, "/boards/0/kind: unknown board kind 'nope'"),
    ({"format": "tinynas-farm", "boards": [{"name": "a", "kind": "qemu-mps2-an500"},
                                          {"name": "a", "kind": "qemu-mps2-an500"}]}, "used twice: a"),
    ({"format": "tinynas-farm", "boards": [{"name": "a", "kind": "stm32f746g-disco", "link": {"type": "qemu"}}]},
     "a real board, reached through openocd"),
    ({"format": "tinynas-farm", "boards": [{"name": "a b", "kind": "qemu-mps2-an500"}]}, "is not a board name"),
    ({"format": "tinynas-farm", "broker": "http://x", "boards": [{"name": "a", "kind": "qemu-mps2-an500"}]},
     "/broker: 'http://x' is not a broker URL"),
    ({"format": "tinynas-farm", "visibility_timeout_s": 1, "boards": [{"name": "a", "kind": "qemu-mps2-an500"}]},
     "/visibility_timeout_s: expected seconds in [2, 604800], got 1"),
    ({"format": "tinynas-farm", "boards": [{"name": "a", "kind": "qemu-mps2-an500", "colour": 1}]},
     "unknown field(s) colour"),
    ({"format": "tinynas-farm", "boards": [{"name": "a", "kind": "stm32f746g-disco",
                                            "link": {"type": "openocd", "remote": "lab-2"}}]},
     "/boards/0: /link/remote: must be host:port"),
    ({"format": "tinynas-farm", "boards": [{"name": "a", "kind": "qemu-mps2-an500",
                                            "link": {"type": "qemu", "probe_serial": "x"}}]},
     "/boards/0/link: unknown field(s) probe_serial"),
]


@pytest.mark.parametrize("farm,phrase", BAD_FARMS)
def test_bad_farm_is_refused_naming_the_field(cli, tmp_path, farm, phrase):
    (tmp_path / "farm.json").write_text(json.dumps(farm))
    suite = write_suite(tmp_path / "suite.json", KINDS[:1], FASHION_IDS[:1])
    done = farm_cli(cli, "run", str(suite), "--farm", str(tmp_path / "farm.json"))
    assert done.returncode == 2, done.stderr
    assert str(tmp_path / "farm.json") in done.stderr and phrase in done.stderr, done.stderr


BAD_SUITES = [
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": []}, "/models: expected a non-empty list"),
    ({"format": "tinynas-farm-suite", "boards": ["x"], "models": ["a.json"]}, "/boards/0: unknown board kind"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "runs": 0, "models": ["a.json"]}, "/runs: expected an integer"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"arch": "w1-r20-k3e99", "space": "fashion_mnist"}]},
     "/models/0: "),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": ["missing.json"]}, "/models/0: "),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"search": "nowhere"}]}, "has no pareto.json"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [7]}, "/models/0: expected a path"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "thresholds": {"latency_pct": -1}, "models": ["a.json"]},
     "/thresholds/latency_pct"),
    # A field an entry does not take, or a path that is not a string: named, not a TypeError's traceback (they were),
    # and a misspelt patch plan is not measured in place without a word (it was).
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"arch": FASHION_IDS[0], "space": "fashion_mnist",
                                                                   "patchs": 4}]},
     "/models/0: unknown field(s) patchs"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"model": "a.json", "colour": 1}]},
     "/models/0: unknown field(s) colour"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"search": "runs/fm", "tops": 3}]},
     "/models/0: unknown field(s) tops"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"model": 5}]}, "/models/0/model: expected a path"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"search": ["runs"]}]},
     "/models/0/search: expected a path, got [\"runs\"]"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"accuracy": 5}]},
     "/models/0/accuracy: expected a path, got 5"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"accuracy": "m.model", "data": 7}]},
     "/models/0/data: expected a path, got 7"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"arch": FASHION_IDS[0], "space": 3}]},
     "/models/0/space: expected a space's name, got 3"),
    ({"format": "tinynas-farm-suite", "boards": KINDS, "models": [{"search": "runs/fm", "top": True}]},
     "/models/0/top: expected an integer"),
    ({"format": "tinynas-farm-suite", "name": {"a": 1}, "boards": KINDS, "models": ["a.json"]},
     "/name: expected the suite's name (a string), got {\"a\": 1}"),
]


@pytest.mark.parametrize("suite,phrase", BAD_SUITES)
def test_bad_suite_is_refused_naming_the_field(cli, tmp_path, suite, phrase):
    (tmp_path / "suite.json").write_text(json.dumps(suite))
    done = farm_cli(cli, "run", str(tmp_path / "suite.json"), "--results", f"sqlite:///{tmp_path}/r.db")
    assert done.returncode == 2, done.stderr
    assert phrase in done.stderr, done.stderr


SUITE_INTEGERS = [  # (where the field sits, field, a bad value, the range the message must name)
    ("", "runs", True, "an integer in [1, 1000]"),
    ("", "seed", 2**63, "a non-negative integer"),
    ("", "seed", -1, "a non-negative integer"),
    ("models/0/", "top", 2.0, "an integer in [1, 100]"),
    ("models/0/", "images", 0, "an integer in [1, 100000]"),
    ("models/0/", "calibration_images", "500", "an integer in [1, 100000]"),
    ("models/0/", "seed", False, "a non-negative integer"),
    ("models/0/", "patches", 17, "an integer in [1, 16] (an n x n grid)"),
    ("models/0/", "split_block", -2, "a block index (0 or more)"),
]
ENTRY_OF = {"top": {"search": "runs/fm"}, "images": {"accuracy": "m.model"},
            "calibration_images": {"trained": "m.model"}, "seed": {"trained": "m.model"}, "patches": {"arch": FASHION_IDS[0], "space": "fashion_mnist"},
            "split_block": {"arch": FASHION_IDS[0], "space": "fashion_mnist", "patches": 4}}


@pytest.mark.parametrize("at,key,value,expected", SUITE_INTEGERS)
def test_every_integer_in_a_suite_is_checked_alike_naming_the_value(tmp_path, at, key, value, expected):
    """A bool, a float, a string or a value out of range, at the suite's top or in an entry: one message shape, with the
    value given (before, each field had its own check and most messages left the value out)."""
    from tinynas.farm.config import FarmConfigError
    from tinynas.farm.jobs import parse_suite
    suite = {"format": "tinynas-farm-suite", "boards": KINDS, "models": ["a.json"]}
    if at:
        suite["models"] = [dict(ENTRY_OF[key], **{key: value})]
    else:
        suite[key] = value
    path = tmp_path / "suite.json"
    with pytest.raises(FarmConfigError) as refused:
        parse_suite(suite, path)
    assert str(refused.value) == f"{path}/{at}{key}: expected {expected}, got {json.dumps(value)}"


def test_an_entrys_data_directory_is_a_path_or_none(tmp_path):
    """`search --hil farm` writes "data": "" for a winner trained on the default dataset: none, as absent or null."""
    from tinynas.farm.config import FarmConfigError
    from tinynas.farm.jobs import _data_dir
    for none in ({}, {"data": ""}, {"data": None}):
        assert _data_dir(none, tmp_path, "suite/models/0") == ""
    assert _data_dir({"data": "fm"}, tmp_path, "suite/models/0") == str((tmp_path / "fm").resolve())
    with pytest.raises(FarmConfigError, match="suite/models/0/data: expected a path, got 7"):
        _data_dir({"data": 7}, tmp_path, "suite/models/0")


def test_an_arch_entrys_file_is_read_relative_to_the_suite(tmp_path, monkeypatch):
    """Every path in a suite is relative to the suite file; an `arch` entry given a file was read from the cwd."""
    from tinynas import _core
    from tinynas.farm import jobs
    (tmp_path / "suites" / "archs").mkdir(parents=True)
    _core.Arch.from_id(FASHION_IDS[1], "fashion_mnist").save(str(tmp_path / "suites" / "archs" / "a.json"))
    suite = write_suite(tmp_path / "suites" / "suite.json", KINDS[:1], FASHION_IDS[:1],
                        extra=[{"arch": "archs/a.json", "space": "fashion_mnist"}])
    monkeypatch.chdir(tmp_path)  # not the suite's folder: archs/a.json is not here
    assert [job.model.model_id for job in jobs.load_suite(suite).jobs] == FASHION_IDS[:2]


def test_suite_that_is_a_directory_or_not_json(cli, tmp_path):
    done = farm_cli(cli, "run", str(tmp_path))
    assert done.returncode == 2 and "is a directory" in done.stderr
    (tmp_path / "s.json").write_bytes(b"{\xff")
    done = farm_cli(cli, "run", str(tmp_path / "s.json"))
    assert done.returncode == 2 and "malformed JSON" in done.stderr


# ---- the results database ----

def test_a_job_stored_twice_is_stored_once(tinynas, tmp_path):
    from tinynas.farm import Results, model_from
    from tinynas.farm.jobs import Job
    results = Results(f"sqlite:///{tmp_path}/r.db")
    job = Job(model_from(FASHION_IDS[0], "fashion_mnist"), "qemu-mps2-an500", 2, 0)
    key = job.key("firmware-a")
    assert key != job.key("firmware-b") and key != Job(job.model, "qemu-netduinoplus2", 2, 0).key("firmware-a")
    row = {"model_hash": job.model.content_hash, "model_id": job.model.model_id, "board_kind": job.board_kind,
           "board_name": "b1", "host": "h", "firmware_build_id": "firmware-a", "tinynas_revision": "r", "runs": 2,
           "seed": 0, "latency_value": 10.0, "latency_unit": "ticks", "latency_source": "qemu-icount-ticks",
           "sram_measured": 5, "sram_predicted": 5, "flash_bytes": 1, "flash_predicted": 1, "bit_exact": True,
           "runs_identical": True, "layers": [], "netconfig": job.model.netconfig,
           "started_at": tinynas.farm.results.now(),
           "finished_at": tinynas.farm.results.now()}
    first, stored = results.store_measurement(key, row)
    assert stored
    second, stored = results.store_measurement(key, dict(row, board_name="b2", latency_value=99.0))
    assert not stored and second == first and second["board_name"] == "b1"
    assert len(results.measurements()) == 1


def test_a_database_of_an_older_tinynas_gains_the_patch_columns(tinynas, tmp_path):
    from tinynas.farm import Results
    url = f"sqlite:///{tmp_path}/old.db"
    Results(url).close()
    db = sqlite3.connect(tmp_path / "old.db")
    db.execute("alter table measurements drop column patches")
    db.execute("alter table measurements drop column split_block")
    db.commit()
    db.close()
    results = Results(url)  # opened by this TinyNAS: the columns are added, old rows ran in place
    columns = {r[1]: r for r in sqlite3.connect(tmp_path / "old.db").execute("pragma table_info(measurements)")}
    assert columns["patches"][4] == "0" and columns["split_block"][4] == "-1"
    results.close()


# ---- a suite on local QEMU boards ----

def test_local_run_equals_direct_profile_and_is_not_measured_twice(cli, tmp_path):
    suite = write_suite(tmp_path / "suite.json", KINDS, FASHION_IDS, runs=2)
    done = farm_cli(cli, "run", str(suite), "--local-boards", "1", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["engine"] == "local" and summary["done"] == 2 * len(FASHION_IDS) and summary["failed"] == 0
    db = sqlite3.connect(tmp_path / "farm.db")
    db.row_factory = sqlite3.Row
    rows = db.execute("select * from measurements").fetchall()
    assert len(rows) == 2 * len(FASHION_IDS)
    for row in rows:
        direct = profile_directly(cli, row["model_id"], row["board_kind"], runs=2)
        assert row["latency_value"] == direct["latency"]["value"], row["model_id"]
        assert row["sram_measured"] == direct["peak_sram_bytes_measured"]
        assert row["sram_predicted"] == direct["peak_sram_bytes_predicted"]
        assert row["flash_bytes"] == direct["flash_bytes"] and row["bit_exact"] == 1
        assert [layer["ticks"] for layer in json.loads(row["layers"])] == [layer["ticks"] for layer in direct["layers"]]
        assert row["latency_source"] == "qemu-icount-ticks" and row["firmware_build_id"]
    # The same suite again: every job's key is stored, nothing runs again.
    again = farm_cli(cli, "run", str(suite), "--local-boards", "1", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    run = json.loads(again.stdout)["run"]
    assert db.execute("select count(*) from measurements").fetchone()[0] == 2 * len(FASHION_IDS)
    assert db.execute("select count(*) from run_jobs where run_id=? and reused=1", (run,)).fetchone()[0] == \
        2 * len(FASHION_IDS)


def test_a_patch_plan_is_measured_as_its_own_model_and_as_tinynas_profile_measures_it(cli, tmp_path):
    arch = FASHION_IDS[1]
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps({"format": "tinynas-farm-suite", "runs": 1, "boards": ["qemu-mps2-an500"], "models": [
        {"arch": arch, "space": "fashion_mnist"},
        {"arch": arch, "space": "fashion_mnist", "patches": 4, "split_block": 1}]}))
    done = farm_cli(cli, "run", str(suite), "--local-boards", "1", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    db = sqlite3.connect(tmp_path / "farm.db")
    db.row_factory = sqlite3.Row
    rows = {r["patches"]: r for r in db.execute("select * from measurements")}
    assert sorted(rows) == [0, 4] and rows[0]["model_hash"] != rows[4]["model_hash"]
    assert rows[4]["model_id"] == f"{arch} (patch 4x4 to block 1)" and rows[4]["split_block"] == 1
    assert rows[0]["model_id"] == arch and rows[0]["split_block"] == -1
    direct = json.loads(subprocess.run(
        [cli, "profile", arch, "--space", "fashion_mnist", "--board", "qemu-mps2-an500", "--runs", "1", "--schedule",
         "patch", "--patches", "4", "--split-block", "1", "--json"], capture_output=True, text=True, check=True).stdout)
    assert direct["patch"] == {"patches": 4, "split_block": 1}
    assert rows[4]["latency_value"] == direct["latency"]["value"] and rows[4]["bit_exact"] == 1
    assert rows[4]["sram_measured"] == rows[4]["sram_predicted"] == direct["peak_sram_bytes_measured"]
    assert rows[4]["sram_measured"] < rows[0]["sram_measured"]  # what the patches are for
    assert rows[4]["latency_value"] > rows[0]["latency_value"]  # and what they cost: the halo recomputed


@pytest.mark.parametrize("entry,phrase", [
    ({"patches": 0}, "/models/0/patches: expected an integer in [1, 16]"),
    ({"patches": 4, "split_block": "1"}, "/models/0/split_block: expected a block index"),
    ({"split_block": 1}, "/models/0/split_block: only with \"patches\""),
])
def test_a_bad_patch_plan_in_a_suite_is_refused_naming_the_field(cli, tmp_path, entry, phrase):
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps({"format": "tinynas-farm-suite", "runs": 1, "boards": ["qemu-mps2-an500"],
                                 "models": [dict({"arch": FASHION_IDS[1], "space": "fashion_mnist"}, **entry)]}))
    done = farm_cli(cli, "run", str(suite), "--local-boards", "1", "--json", cwd=tmp_path)
    assert done.returncode == 2 and phrase in done.stderr, done.stderr


def test_a_split_block_the_net_does_not_have_fails_its_job_with_the_reason(cli, tmp_path):
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps({"format": "tinynas-farm-suite", "runs": 1, "boards": ["qemu-mps2-an500"], "models": [
        {"arch": FASHION_IDS[1], "space": "fashion_mnist", "patches": 4, "split_block": 99}]}))
    done = farm_cli(cli, "run", str(suite), "--local-boards", "1", "--json", cwd=tmp_path)
    assert done.returncode == 1 and "split block 99 is not a block of this network" in done.stderr, done.stderr


def test_a_board_behind_a_remote_gdb_port_measures_what_a_local_one_does(cli, tinynas, tmp_path):
    """A bare QEMU started here stands for one on another host (and for an OpenOCD where a probe is plugged in: the
    same link): the worker launches nothing, loads the firmware through host:port and measures what a local board
    measures, to the tick."""
    kind = KINDS[0]
    link = tinynas._core.Board.load(kind).to_dict()["link"]
    port = free_port()
    qemu = subprocess.Popen(["qemu-system-arm", "-M", link["machine"], "-nographic", "-monitor", "none", "-serial",
                             "null", "-S", "-gdb", f"tcp:127.0.0.1:{port}", "-icount",
                             f"shift={link['icount_shift']},sleep=off"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        farm = {"format": "tinynas-farm", "results": "sqlite:///farm.db",
                "boards": [{"name": "far", "kind": kind, "link": {"type": "qemu", "remote": f"127.0.0.1:{port}"}}]}
        (tmp_path / "farm.json").write_text(json.dumps(farm))
        suite = write_suite(tmp_path / "suite.json", [kind], FASHION_IDS[:2], runs=2)
        done = farm_cli(cli, "run", str(suite), "--farm", str(tmp_path / "farm.json"), "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["done"] == 2
        db = sqlite3.connect(tmp_path / "farm.db")
        db.row_factory = sqlite3.Row
        for row in db.execute("select * from measurements").fetchall():
            assert row["board_name"] == "far"
            direct = profile_directly(cli, row["model_id"], kind, runs=2)
            assert row["latency_value"] == direct["latency"]["value"], row["model_id"]
            assert row["sram_measured"] == direct["peak_sram_bytes_measured"] and row["bit_exact"] == 1
    finally:
        qemu.kill()
        qemu.wait()


def test_model_too_large_for_the_firmware_fails_once_with_the_reason(cli, tmp_path):
    from conftest import MCUNET_IN3
    suite = write_suite(tmp_path / "suite.json", ["qemu-netduinoplus2"], FASHION_IDS[:1],
                        extra=[str(MCUNET_IN3)])
    done = farm_cli(cli, "run", str(suite), "--json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert summary["done"] == 1 and summary["failed"] == 1
    db = sqlite3.connect(tmp_path / "farm.db")
    failures = db.execute("select kind, reason from failures").fetchall()
    assert len(failures) == 1 and failures[0][0] == "model" and "arena" in failures[0][1], failures


def test_boards_that_never_answer_are_quarantined_and_their_jobs_fail_with_the_reason(cli, tmp_path):
    import os
    env = dict(os.environ, PATH=f"{fake_qemu_dir(tmp_path)}:{os.environ['PATH']}")
    farm = write_farm(tmp_path / "farm.json", None, [("dead-1", "qemu-netduinoplus2")])
    suite = write_suite(tmp_path / "suite.json", ["qemu-netduinoplus2"], FASHION_IDS[:2])
    # A 1 s boot timeout x 3 attempts x 2 health checks, then quarantine.
    done = farm_cli(cli, "run", str(suite), "--farm", str(farm), "--json", "--boot-timeout-ms", "1000", env=env)
    assert done.returncode == 3, done.stderr
    summary = json.loads(done.stdout)
    assert summary["quarantined"] == ["dead-1"] and summary["failed"] == 2
    db = sqlite3.connect(tmp_path / "farm.db")
    state, reason = db.execute("select state, reason from boards where name='dead-1'").fetchone()
    assert state == "quarantined" and "health check" in reason
    reasons = [r[0] for r in db.execute("select reason from run_jobs")]
    assert reasons == ["no healthy board of kind qemu-netduinoplus2 left (all quarantined)"] * 2


# ---- regression reports ----

def chromium_body(page, profile_dir):
    dom = subprocess.run(["timeout", "120", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          f"--user-data-dir={profile_dir}", "--virtual-time-budget=20000", "--dump-dom",
                          f"file://{page}"], capture_output=True, text=True).stdout
    start = dom.find("<body")
    return dom[start:dom.find(">", start) + 1]


def test_a_slower_depthwise_kernel_is_reported_with_model_layer_and_percentage(cli, tmp_path):
    import re
    import xml.etree.ElementTree as ET
    suite = write_suite(tmp_path / "suite.json", ["qemu-mps2-an500"], FASHION_IDS[:3], runs=2, name="nightly")
    assert farm_cli(cli, "run", str(suite), cwd=tmp_path).returncode == 0
    first = farm_cli(cli, "report", "--json", cwd=tmp_path)
    assert first.returncode == 0 and json.loads(first.stdout)["verdict"] == "pass", first.stderr
    # The same suite on a firmware whose depthwise kernel is slower (the -slowdw test image).
    import tinynas
    firmware = tinynas.Profiler("qemu-mps2-an500").firmware.replace(".elf", "-slowdw.elf")
    assert farm_cli(cli, "run", str(suite), "--firmware", firmware, cwd=tmp_path).returncode == 0
    done = farm_cli(cli, "report", "--json", "--html", "report.html", "--junit", "report.xml", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "fail" and report["regressed_models"] == 3
    for m in report["models"]:
        assert m["latency_change_pct"] > 2 and m["worst_layer"]["type"] == "depthwise", m
        assert re.search(r"latency \+\d+\.\d\d% \(threshold 2%\) \(layer blocks\.\d+\.depthwise: \+\d", m["regressions"][0])
    junit = ET.parse(tmp_path / "report.xml").getroot()
    assert junit.get("failures") == "3" and len(junit.findall("testcase/failure")) == 3
    body = chromium_body(tmp_path / "report.html", tmp_path / "chromium")
    assert 'data-regressed="3"' in body, body
    images = re.search(r'data-images="(\d+)"', body).group(1)
    assert images == "5" and f'data-images-loaded="{images}"' in body, body  # 2 overview plots + 3 per-layer
    # Back on the normal firmware: compared with the last good run (the first), nothing regressed.
    assert farm_cli(cli, "run", str(suite), cwd=tmp_path).returncode == 0
    again = farm_cli(cli, "report", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stdout
    assert json.loads(again.stdout)["baseline"] == json.loads(first.stdout)["run"]


# ---- latency tables from the farm ----

def test_calibrate_from_farm_fits_the_stored_measurements_without_measuring(cli, tmp_path):
    out = subprocess.run([cli, "space", "sample", "--space", "fashion_mnist", "-n", "14", "--seed", "3"],
                         capture_output=True, text=True, check=True).stdout
    ids = list(dict.fromkeys(json.loads(line)["id"] for line in out.splitlines()))[:12]
    # Each net also in the cost model's 4x4 patch plan: the pairs fit the per-patch overhead.
    patched = [{"arch": i, "space": "fashion_mnist", "patches": 4} for i in ids]
    suite = write_suite(tmp_path / "suite.json", ["qemu-mps2-an500"], ids, runs=2, extra=patched)
    assert farm_cli(cli, "run", str(suite), cwd=tmp_path).returncode == 0
    results = f"sqlite:///{tmp_path}/farm.db"
    table_path = tmp_path / "table.json"
    done = subprocess.run([cli, "calibrate", "--board", "qemu-mps2-an500", "--from-farm", "--results", results,
                           "--holdout", "4", "--out", str(table_path), "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    table = json.loads(done.stdout)
    assert table["from_farm"]["models"] == 12 and json.loads(table_path.read_text())["board"] == "qemu-mps2-an500"
    held_out = table["holdout"]["subnets"]
    assert len(held_out) == 4
    stored = {r[0]: r[1] for r in sqlite3.connect(tmp_path / "farm.db").execute(
        "select model_id, latency_value from measurements where patches = 0")}
    for h in held_out:  # the held-out models' measurements are the farm's rows, predicted within 10%
        assert h["measured"] == stored[h["arch"]] and abs(h["error_pct"]) < 10, h
    stored_patch = {r[0].split(" (patch")[0]: r[1] for r in sqlite3.connect(tmp_path / "farm.db").execute(
        "select model_id, latency_value from measurements where patches = 4")}
    assert {"depthwise", "pointwise"} <= set(table["patch_overhead"])
    assert [h["arch"] for h in table["patch_holdout"]["subnets"]] == [h["arch"] for h in held_out]
    for h in table["patch_holdout"]["subnets"]:  # the same nets' patch rows, predicted with the fitted overhead
        assert h["measured"] == stored_patch[h["arch"]] and abs(h["error_pct"]) < 10, h
    # Options that only profiling uses are refused with --from-farm; too few models for the hold-out is exit 2.
    bad = subprocess.run([cli, "calibrate", "--board", "qemu-mps2-an500", "--from-farm", "--runs", "3"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--runs excludes --from-farm" in bad.stderr
    few = subprocess.run([cli, "calibrate", "--board", "qemu-mps2-an500", "--from-farm", "--results", results,
                          "--holdout", "11"], capture_output=True, text=True)
    assert few.returncode == 2 and "the fit needs at least 13" in few.stderr, few.stderr


# ---- the search's finalists on the farm ----

SEARCH = ["search", "--space", "fashion_mnist", "--sram", "64K", "--flash", "256K", "--board", "qemu-mps2-an500",
          "--generations", "2", "--population", "16", "--parents", "4", "--latency", "800ms", "--hil-top", "4",
          "--json"]


def search_on_farm_and_on_board(cli, tmp_path, search):
    """The same search with --hil farm (this host's boards) and with --hil qemu-mps2-an500: both hil results."""
    on_farm = subprocess.run([cli, *search, "--hil", "farm", "--out", str(tmp_path / "farm")], capture_output=True,
                             text=True, cwd=tmp_path)
    assert on_farm.returncode == 0, on_farm.stderr
    on_board = subprocess.run([cli, *search, "--hil", "qemu-mps2-an500", "--out", str(tmp_path / "board")],
                              capture_output=True, text=True)
    assert on_board.returncode == 0, on_board.stderr
    return json.loads(on_farm.stdout)["hil"], json.loads(on_board.stdout)["hil"]


def test_search_hil_farm_measures_the_finalists_as_one_board_does(cli, tmp_path):
    farm_hil, board_hil = search_on_farm_and_on_board(cli, tmp_path, SEARCH)
    assert len(farm_hil["candidates"]) == 4 and farm_hil["best"] == board_hil["best"]
    for a, b in zip(farm_hil["candidates"], board_hil["candidates"]):
        assert a["id"] == b["id"] and a["measured_ms"] == b["measured_ms"], (a, b)
    assert (tmp_path / "farm" / "hil.json").exists() and (tmp_path / "farm" / "hil-farm.db").exists()
    assert not (tmp_path / "farm.db").exists()


def test_search_hil_farm_measures_finalists_in_the_schedules_the_search_chose(cli, tmp_path):
    """At 20 KB the auto schedule's best subnets need patches: the farm gets each one's plan and measures what one
    board measures."""
    search = ["search", "--space", "fashion_mnist", "--sram", "20K", "--flash", "256K", "--board", "qemu-mps2-an500",
              "--schedule", "auto", "--generations", "1", "--population", "8", "--parents", "3", "--hil-top", "2",
              "--json"]
    farm_hil, board_hil = search_on_farm_and_on_board(cli, tmp_path, search)
    assert farm_hil["candidates"][0]["schedule"] == "patch"
    sent = json.loads((tmp_path / "farm" / "hil-farm-models.json").read_text())["models"]
    assert sent[0]["patches"] >= 2 and sent[0]["split_block"] >= 0
    for a, b in zip(farm_hil["candidates"], board_hil["candidates"]):
        assert (a["id"], a["schedule"], a["measured_ms"]) == (b["id"], b["schedule"], b["measured_ms"]), (a, b)
        assert a["peak_sram_bytes_measured"] == a["peak_sram_bytes_predicted"]


@pytest.mark.parametrize("args,phrase", [
    (["--hil", "farm:nope"], "nope"),
    (["--hil", "farm", "--farm", "missing.json"], "missing.json: no such file"),
    (["--hil", "qemu-mps2-an500", "--farm", "f.json"], "--farm is for --hil farm"),
])
def test_search_hil_farm_bad_input_fails_before_the_search(cli, tmp_path, args, phrase):
    done = subprocess.run([cli, *SEARCH, *args, "--out", str(tmp_path / "s")], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 2 and phrase in done.stderr, done.stderr
    assert not (tmp_path / "s" / "history.jsonl").exists()


# ---- the --data pipeline's winner on the farm ----

def write_band_dataset(directory, train=240, test=60, side=12):
    """Three classes of grey images told apart by a bright band (IDX files, as Fashion-MNIST ships)."""
    directory.mkdir(parents=True, exist_ok=True)

    def idx(shape, data):
        code = 0x0800 | len(shape)
        return code.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in shape) + bytes(data)

    for prefix, n in (("train", train), ("t10k", test)):
        labels = [i % 3 for i in range(n)]
        pixels = [220 if p // side // 4 == i % 3 else 10 + p % 7 for i in range(n) for p in range(side * side)]
        (directory / f"{prefix}-images-idx3-ubyte").write_bytes(idx([n, side, side], pixels))
        (directory / f"{prefix}-labels-idx1-ubyte").write_bytes(idx([n], labels))


def test_pipeline_hil_farm_measures_the_trained_winner_on_the_farm(cli, tinynas, tmp_path):
    space = str(pathlib.Path(__file__).resolve().parents[1] / "data" / "supernet" / "tiny_space.json")
    write_band_dataset(tmp_path / "data")
    run = tmp_path / "run"
    args = [cli, "search", "--space", space, "--data", str(tmp_path / "data"), "--board", "qemu-mps2-an500",
            "--sram", "320K", "--flash", "1M", "--samples", "20", "--population", "6", "--parents", "2",
            "--generations", "1", "--supernet-epochs", "1", "--finetune-epochs", "1", "--out", str(run), "--json"]
    done = subprocess.run(args + ["--hil", "farm"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "measured by farm on qemu-mps2-an500" in done.stderr, done.stderr
    board = json.loads((run / "board.json").read_text())
    assert (run / "hil-farm.db").exists()  # this host's boards, their results beside the run
    stored = sqlite3.connect(run / "hil-farm.db").execute("select model_id, latency_value from measurements").fetchall()
    winner = json.loads((run / "search" / "best.json").read_text())
    # The farm got the trained model file and quantised it as the export did: its blob is export/best.tnm.
    sent = json.loads((run / "hil-farm-models.json").read_text())["models"]
    assert [(m["id"], m["trained"]) for m in sent] == [(winner["id"], str(run / "best.model"))]
    task = tinynas._core.trained_model_task(str(run / "best.model"), data_dir=str(tmp_path / "data"))
    assert task["blob"] == (run / "export" / "best.tnm").read_bytes()
    assert stored == [(winner["id"] + " (trained)", board["latency"]["value"])] and board["bit_exact"]
    # Its time and memory are the net's with random weights (`tinynas profile --model`) to within data-dependent
    # branches (saturation), and the same peak SRAM.
    direct = json.loads(subprocess.run([cli, "profile", "--model", str(run / "best.model"), "--board",
                                        "qemu-mps2-an500", "--json"], capture_output=True, text=True,
                                       check=True).stdout)
    assert abs(direct["latency"]["value"] / board["latency"]["value"] - 1) < 0.01, (direct["latency"], board)
    assert direct["peak_sram_bytes_measured"] == board["peak_sram_bytes_measured"]
    report = (run / "report.md").read_text()
    assert "measured by `farm`, its runs identical, on one test image" in report and "--hil farm" in report
    assert json.loads((run / "pipeline.json").read_text())["hil"] == "farm"
    # Continued with --resume alone, the run asks the farm again (the measurement is stored: not repeated).
    again = subprocess.run([cli, "search", "--resume", str(run), "--json"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "measured by farm on qemu-mps2-an500" in again.stderr, again.stderr
    assert sqlite3.connect(run / "hil-farm.db").execute("select count(*) from measurements").fetchone() == (1,)
    # A farm that does not exist is refused before any training (exit 2), like a board without firmware.
    bad = subprocess.run(args[:-3] + ["--out", str(tmp_path / "bad"), "--hil", "farm", "--farm", "missing.json"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and "missing.json: no such file" in bad.stderr, bad.stderr
    assert not (tmp_path / "bad" / "supernet.supernet").exists()


def test_python_measure_equals_tinynas_profile(tinynas, tmp_path, monkeypatch):
    import tinynas.farm
    monkeypatch.chdir(tmp_path)  # the local farm's results: ./farm.db
    archs = [tinynas.Arch.from_id(i, "fashion_mnist") for i in FASHION_IDS[:3]]
    measured = tinynas.farm.measure(archs, "qemu-netduinoplus2", runs=2)
    for arch, m in zip(archs, measured):
        direct = tinynas.profile(arch, board="qemu-netduinoplus2", runs=2)
        assert m["latency"]["value"] == direct["latency"]["value"]
        assert m["peak_sram_bytes_measured"] == direct["peak_sram_bytes_measured"]


# ---- accuracy on the board ----

def test_an_accuracy_job_carries_all_the_board_needs(tinynas, tmp_path, trained_model):
    """Through the broker's JSON and with the model file gone, the job measures what `tinynas eval --on-board`
    does: a worker on another host needs no model file and no dataset."""
    import tinynas.farm.jobs as jobs
    model = tmp_path / "m.model"
    shutil.copy(trained_model, model)
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps({"format": "tinynas-farm-suite", "boards": ["qemu-mps2-an500"],
                                 "models": [{"accuracy": "m.model", "images": 30}]}))
    job = jobs.load_suite(suite).jobs[0]
    direct = tinynas.Profiler("qemu-mps2-an500").accuracy(str(model), limit=30)
    model.unlink()
    sent = jobs.Job.from_message(json.loads(json.dumps(job.to_message())))
    assert sent.key("fw") == job.key("fw") and sent.images == 30
    board = tinynas.Profiler("qemu-mps2-an500")
    r = board.accuracy_of_task(sent.task)
    assert r["identical_outputs"] == 30 and r["board_accuracy"] == direct["board_accuracy"]
    # A damaged task is refused with what is wrong, before the board runs it.
    for change, phrase in [({"inputs": sent.task["inputs"][:-1]}, "not rows of"),
                           ({"labels": sent.task["labels"][:-1]}, "30 inputs but 29 labels"),
                           ({"blob": sent.task["blob"][:-4] + b"\0\0\0\0"}, "refuses the model blob"),
                           ({"host_out": b""}, "and 0 host outputs")]:
        with pytest.raises(ValueError, match=phrase):
            board.accuracy_of_task(dict(sent.task, **change))
    board.close()



def test_accuracy_jobs_measure_a_trained_model_on_the_board_next_to_the_host(cli, tmp_path, trained_model):
    model = tmp_path / "m.model"
    shutil.copy(trained_model, model)
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps({"format": "tinynas-farm-suite", "name": "accuracy", "boards": ["qemu-mps2-an500"],
                                 "models": [{"accuracy": "m.model", "images": 40, "split": "test"},
                                            {"arch": FASHION_IDS[0], "space": "fashion_mnist"}]}))
    done = farm_cli(cli, "run", str(suite), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["done"] == 2
    db = sqlite3.connect(tmp_path / "farm.db")
    db.row_factory = sqlite3.Row
    row = db.execute("select * from accuracy_measurements").fetchone()
    direct = json.loads(subprocess.run([cli, "eval", "--model", str(model), "--split", "test", "--limit", "40",
                                        "--on-board", "qemu-mps2-an500", "--json"], capture_output=True, text=True,
                                       check=True).stdout)
    assert row["images"] == 40 and row["identical_outputs"] == 40 and row["model_id"] == direct["arch"]
    assert row["board_accuracy"] == row["host_accuracy"] == direct["board_accuracy"]
    report = farm_cli(cli, "report", "--json", cwd=tmp_path)
    assert report.returncode == 0, report.stdout
    first = json.loads(report.stdout)
    assert len(first["models"]) == 1 and len(first["accuracy"]) == 1
    # Measured once: the same suite again reuses it.
    assert farm_cli(cli, "run", str(suite), cwd=tmp_path).returncode == 0
    assert db.execute("select count(*) from accuracy_measurements").fetchone()[0] == 1
    # On the slower test firmware the profile regresses and the accuracy, measured again, does not: same outputs.
    import tinynas
    slow = tinynas.Profiler("qemu-mps2-an500").firmware.replace(".elf", "-slowdw.elf")
    assert farm_cli(cli, "run", str(suite), "--firmware", slow, cwd=tmp_path).returncode == 0
    assert db.execute("select count(*) from accuracy_measurements").fetchone()[0] == 2
    slow_report = json.loads(farm_cli(cli, "report", "--json", "--against", first["run"], cwd=tmp_path).stdout)
    assert slow_report["regressed_models"] == 1 and slow_report["regressed_accuracy"] == 0
    # A board whose outputs stop matching the host and whose top-1 drops (injected into the stored result) is a
    # regression of the accuracy job, named as such.
    db.execute("update accuracy_measurements set identical_outputs = 35, board_accuracy = board_accuracy - 0.05 "
               "where id = (select max(id) from accuracy_measurements)")
    db.commit()
    broken = farm_cli(cli, "report", "--json", "--against", first["run"], "--html", "r.html", cwd=tmp_path)
    assert broken.returncode == 1
    acc = json.loads(broken.stdout)["accuracy"][0]
    assert acc["regressions"][0] == "board outputs differ from the host runtime's on 5 images"
    assert acc["regressions"][1].startswith("board top-1 ")
    assert "Accuracy on the board" in (tmp_path / "r.html").read_text()
    bad = suite.with_name("bad.json")
    bad.write_text(json.dumps({"format": "tinynas-farm-suite", "boards": ["qemu-mps2-an500"],
                               "models": [{"accuracy": "m.model", "images": 0}]}))
    refused = farm_cli(cli, "run", str(bad), cwd=tmp_path)
    assert refused.returncode == 2 and "/models/0/images" in refused.stderr


# ---- a trained model profiled with its own weights ----

def test_a_trained_model_is_profiled_with_its_own_int8_weights(cli, tinynas, tmp_path, trained_model):
    """{"trained": MODEL}: the job carries the net config, the int8 blob and a test image through the broker's
    JSON; the board runs the trained weights, bit-exact with the host runtime, in the net's time and memory."""
    import tinynas.farm.jobs as jobs
    model = tmp_path / "m.model"
    shutil.copy(trained_model, model)
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps({"format": "tinynas-farm-suite", "boards": ["qemu-mps2-an500"], "runs": 2,
                                 "models": [{"trained": "m.model"},
                                            {"arch": "w0.5-r20-k3e3-k3e3-k3e3-k3e3", "space": "fashion_mnist"}]}))
    trained_job, net_job = jobs.load_suite(suite).jobs
    assert trained_job.model.netconfig == net_job.model.netconfig  # one net, two jobs: the weights differ
    assert trained_job.model.content_hash != net_job.model.content_hash
    model.unlink()  # the worker needs no model file
    sent = jobs.Job.from_message(json.loads(json.dumps(trained_job.to_message())))
    assert sent.key("fw") == trained_job.key("fw") and sent.model.trained["blob"] == trained_job.model.trained["blob"]
    board = tinynas.Profiler("qemu-mps2-an500")
    task = dict(sent.model.trained, netconfig=sent.model.netconfig)
    trained = board.profile_trained(task, runs=2)
    random = board.profile(net_job.model.netconfig, runs=2)
    assert trained["bit_exact"] and trained["runs_identical"]
    assert trained["model_blob_bytes"] == len(task["blob"])
    assert trained["peak_sram_bytes_measured"] == random["peak_sram_bytes_measured"]
    assert abs(trained["latency"]["value"] / random["latency"]["value"] - 1) < 0.01
    # A blob that is not this net's, or damaged, is refused with what is wrong.
    other = jobs.model_from("w0.5-r20-k5e3-k3e3-k3e3-k3e3", "fashion_mnist").netconfig
    for change, phrase in [({"netconfig": other}, "are not one model"),
                           ({"blob": task["blob"][:-4] + b"\0\0\0\0"}, "refuses the model blob"),
                           ({"input": task["input"][:-1]}, "the model expects"),
                           ({"arena_bytes": "many"}, "wrong type")]:
        with pytest.raises(ValueError, match=phrase):
            board.profile_trained(dict(task, **change))
    board.close()
    # Through the farm: stored as its own row, next to the net's with random weights.
    shutil.copy(trained_model, model)
    done = farm_cli(cli, "run", str(suite), "--json", cwd=tmp_path)
    assert done.returncode == 0 and json.loads(done.stdout)["done"] == 2, done.stderr
    rows = sqlite3.connect(tmp_path / "farm.db").execute(
        "select model_hash, latency_value, bit_exact from measurements").fetchall()
    assert {r[0] for r in rows} == {trained_job.model.content_hash, net_job.model.content_hash}
    assert all(r[2] for r in rows) and trained["latency"]["value"] in {r[1] for r in rows}
    # Bad entries are refused naming the field (exit 2).
    for entry, phrase in [({"trained": 5}, "/models/0/trained: expected a path"),
                          ({"trained": "missing.model"}, "/models/0/trained: "),
                          ({"trained": "m.model", "seed": -1}, "/models/0/seed"),
                          ({"trained": "m.model", "colour": 1}, "unknown field(s) colour")]:
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({"format": "tinynas-farm-suite", "boards": ["qemu-mps2-an500"], "models": [entry]}))
        refused = farm_cli(cli, "run", str(bad), cwd=tmp_path)
        assert refused.returncode == 2 and phrase in refused.stderr, (entry, refused.stderr)
    # The report shows them as two models, the trained one named as such, and draws its plots (keyed by content).
    report = farm_cli(cli, "report", "--json", "--html", "r.html", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    ids = sorted(m["model_id"] for m in json.loads(report.stdout)["models"])
    assert ids == ["w0.5-r20-k3e3-k3e3-k3e3-k3e3", "w0.5-r20-k3e3-k3e3-k3e3-k3e3 (trained)"]
    assert "(trained)" in (tmp_path / "r.html").read_text()


def test_a_trained_model_with_a_patch_plan_carries_the_exported_blob(cli, tinynas, tmp_path, trained_model):
    """{"trained": MODEL, "patches": N}: the job's blob is `tinynas export --schedule patch`'s, and the board runs
    it at the patch plan's predicted peak, bit-exact (what `search --data --hil farm` sends for a patch winner)."""
    import tinynas.farm.jobs as jobs
    shutil.copy(trained_model, tmp_path / "m.model")
    suite = tmp_path / "suite.json"
    suite.write_text(json.dumps({"format": "tinynas-farm-suite", "boards": ["qemu-mps2-an500"], "runs": 1,
                                 "models": [{"trained": "m.model", "patches": 2}]}))
    (job,) = jobs.load_suite(suite).jobs
    assert job.model.patch[0] == 2 and job.model.patch[1] >= 0  # the cost model's split, resolved when made
    subprocess.run([cli, "export", "--model", str(tmp_path / "m.model"), "--schedule", "patch", "--patches", "2",
                    "--split-block", str(job.model.patch[1]), "--int8-blob", str(tmp_path / "x.tnm")], check=True,
                   capture_output=True)
    assert job.model.trained["blob"] == (tmp_path / "x.tnm").read_bytes()
    done = farm_cli(cli, "run", str(suite), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = sqlite3.connect(tmp_path / "farm.db").execute(
        "select patches, split_block, sram_measured, sram_predicted, bit_exact from measurements").fetchone()
    assert row == (2, job.model.patch[1], row[3], row[3], 1)

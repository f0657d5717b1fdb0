"""Bindings of search/: stage 1 arrays, Python estimators, equality with the CLI, interrupts."""

import json
import subprocess

import numpy as np
import pytest

SMALL = dict(samples=100, population=16, parents=4, generations=3, progress=False)


def test_stage1_cdf_is_numpy_and_consistent(tinynas):
    result = tinynas.stage1("320K", "1M", samples=200, seed=1)
    chosen = result.chosen
    macs, prob = result.cdf(chosen["width"], chosen["resolution"])
    assert isinstance(macs, np.ndarray) and macs.shape == prob.shape == (chosen["fitting"],)
    assert np.all(np.diff(macs) >= 0) and prob[-1] == pytest.approx(1.0)
    assert macs.mean() == pytest.approx(chosen["mean_macs"])
    assert np.quantile(macs, 0.8) == pytest.approx(chosen["p80_macs"])  # numpy's default quantile
    best_mean = max(p["mean_macs"] for p in result.pairs if p["eligible"])
    assert chosen["mean_macs"] == best_mean


def test_stage1_is_identical_at_any_thread_count(tinynas):
    one = tinynas.stage1("256K", "1M", samples=150, seed=5, threads=1).to_dict()
    two = tinynas.stage1("256K", "1M", samples=150, seed=5, threads=2).to_dict()
    assert one == two


def test_the_default_progress_bar_follows_generations_and_the_subnets_scored_within_one(tinynas, capsys):
    pytest.importorskip("tqdm")
    tinynas.search("320K", "1M", **{**SMALL, "population": 45, "generations": 1, "progress": True})
    bar = capsys.readouterr().err  # tqdm draws on stderr, redrawing with carriage returns
    assert "scored=20/45" in bar and "scored=40/45" in bar, bar
    assert "2/2" in bar and "best=" in bar, bar


def test_python_callable_estimator_is_called_per_generation_in_chunks(tinynas):
    batches = []

    def kernel_sum(archs):
        batches.append(len(archs))
        assert all(isinstance(a, tinynas.Arch) for a in archs)
        return [float(sum(map(sum, a.kernels))) for a in archs]

    result = tinynas.search("320K", "1M", estimator=kernel_sum, **SMALL)
    assert len(batches) == 4  # the initial population and 3 generations
    assert sum(batches) == len(result.history)  # each subnet evaluated once
    batches.clear()
    tinynas.search("320K", "1M", estimator=kernel_sum, **{**SMALL, "population": 30, "generations": 0})
    assert batches == [20, 10]  # a generation goes in chunks of at most 20 subnets, checkpointed between
    assert result.best_score == max(h["score"] for h in result.history)
    assert result.best_score == sum(map(sum, result.best.kernels))
    assert result.estimator == "python:kernel_sum" and not result.proxy
    scores = result.best_score_per_generation
    assert all(b >= a for a, b in zip(scores, scores[1:]))


def test_every_reported_subnet_fits(tinynas):
    result = tinynas.search("256K", "1M", **SMALL)
    for entry in result.pareto:
        # Each in the schedule the (default) auto search chose for it: in place, or its patch plan.
        plan = entry.get("patch")
        report = tinynas.analyze(entry["arch"], schedule="patch" if plan else "inplace-dw",
                                 **({"patches": plan["patches"], "split_block": plan["split_block"]} if plan else {}))
        assert report.total_sram_bytes <= 256 * 1024 and report.flash_bytes <= 1024 * 1024
    assert result.best.id in {e["arch"].id for e in result.pareto}
    # How the best runs, where a notebook shows it: the plan its evaluation records, and its halo in to_dict().
    best = next(e for e in result.history if e["arch"].id == result.best.id)
    plan = best.get("patch")
    runs = f"patch {plan['patches']}x{plan['patches']} up to block {plan['split_block']}" if plan else "in place"
    assert f" score {result.best_score / 1e6:.2f}M MACs (macs), " in repr(result), repr(result)
    assert repr(result).endswith(f", runs {runs}" + (" (auto's choice)>" if plan else " (inplace-dw, auto's choice)>"))
    if plan:
        report = tinynas.analyze(result.best, schedule="patch", patches=plan["patches"],
                                 split_block=plan["split_block"])
        assert result.to_dict()["best"]["patch"]["extra_macs"] == report.patch_extra_macs


def test_estimator_exceptions_surface_unchanged(tinynas):
    class Boom(Exception):
        pass

    def failing(archs):
        raise Boom("raised inside the user's estimator")

    with pytest.raises(Boom, match="inside the user's estimator"):
        tinynas.search("320K", "1M", estimator=failing, **SMALL)


def test_an_estimator_returning_no_numbers_is_told_what_it_returned(tinynas):
    # pybind11 alone said "Unable to cast Python instance of type ..." for these.
    for returned in (None, "0.9", [None]):
        with pytest.raises(ValueError, match=r"must return a list of numbers, one per arch; it returned"):
            tinynas.search("320K", "1M", estimator=lambda archs, r=returned: r, **SMALL)


def test_keyboard_interrupt_in_estimator_stops_the_search(tinynas):
    def interrupted(archs):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tinynas.search("320K", "1M", estimator=interrupted, **SMALL)


def test_wrong_score_count_is_a_clear_error(tinynas):
    with pytest.raises(ValueError, match="returned 1 scores for"):
        tinynas.search("320K", "1M", estimator=lambda archs: [1.0], **SMALL)


def test_infeasible_budget_raises_infeasible_error(tinynas):
    with pytest.raises(tinynas.InfeasibleError, match="fit"):
        tinynas.search("8K", "1M", **SMALL)
    assert issubclass(tinynas.InfeasibleError, ValueError)


def test_same_result_as_the_cli(tinynas, cli, tmp_path):
    out = tmp_path / "cli"
    cmd = [cli, "search", "--sram", "320K", "--flash", "1M", "--seed", "7", "--samples", "100",
           "--population", "16", "--parents", "4", "--generations", "3", "--out", str(out), "--json"]
    printed = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    from_cli = json.loads(printed)
    result = tinynas.search("320K", "1M", seed=7, samples=100, population=16, parents=4, generations=3,
                            out=str(tmp_path / "py"), progress=False)
    from_py = result.to_dict()
    assert from_py["best"]["id"] == from_cli["best"]["id"]
    assert from_py["best"]["score"] == from_cli["best"]["score"]
    assert from_py["stage1"]["chosen"] == from_cli["stage1"]["chosen"]
    assert (tmp_path / "py" / "best.json").read_text() == (out / "best.json").read_text()


def test_resume_continues_to_the_same_result(tinynas, tmp_path):
    full = tinynas.search("320K", "1M", seed=3, out=str(tmp_path / "full"), **SMALL)
    part = dict(SMALL, generations=1)
    tinynas.search("320K", "1M", seed=3, out=str(tmp_path / "part"), **part)
    resumed = tinynas.search("320K", "1M", seed=3, resume=str(tmp_path / "part"), **SMALL)
    assert resumed.best.id == full.best.id
    assert [h["id"] for h in resumed.history] == [h["id"] for h in full.history]


@pytest.mark.parametrize("options, message", [
    (dict(population=0), "population: must be at least 1, found 0"),
    (dict(parents=50, population=20), "parents: must be between 1 and the population (20), found 50"),
    (dict(stage1_rule="median"), 'stage1_rule: "median" is not a stage-1 rule'),
    (dict(sram="12Q"), 'sram: "12Q" is not a size'),
    (dict(estimator="flops"), 'estimator: "flops" is not an estimator'),
])
def test_bad_options_raise_value_error_naming_the_keyword(tinynas, options, message):
    with pytest.raises(ValueError) as raised:
        tinynas.search(**dict(SMALL, **options))
    assert str(raised.value).startswith(message)
    assert "--" not in str(raised.value)  # a keyword argument, not a CLI flag


@pytest.mark.parametrize("function", ["search", "stage1"])
def test_keyword_defaults_come_from_the_core(tinynas, function):
    import inspect

    defaults = tinynas._core.SearchOptions()
    parameters = inspect.signature(getattr(tinynas, function)).parameters
    options = tinynas._core.SEARCH_OPTION_NAMES & parameters.keys()
    assert len(options) > 10
    for name in options:
        assert parameters[name].default == getattr(defaults, name), name
    if function == "search":  # every search option is a keyword of tinynas.search
        assert options == tinynas._core.SEARCH_OPTION_NAMES
    assert defaults.population == 100 and defaults.board == "stm32f746g-disco" and defaults.space is None


def test_resume_elsewhere_than_out_is_a_value_error(tinynas, tmp_path):
    tinynas.search("320K", "1M", seed=3, out=str(tmp_path / "a"), **dict(SMALL, generations=1))
    with pytest.raises(ValueError, match=r"^out: .* a resumed search continues in its own directory"):
        tinynas.search("320K", "1M", seed=3, out=str(tmp_path / "b"), resume=str(tmp_path / "a"), **SMALL)
    with pytest.raises(ValueError, match=r"^resume: the search checkpointed in .* differs") as raised:
        tinynas.search("320K", "1M", seed=4, resume=str(tmp_path / "a"), **SMALL)
    assert "only `generations` may grow" in str(raised.value)

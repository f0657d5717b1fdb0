"""tinynas.plot draws every figure headless and marks what it says it marks."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from conftest import MCUNET_IN3  # noqa: E402


@pytest.fixture(scope="module")
def result(tinynas):
    return tinynas.search("320K", "1M", samples=100, population=16, parents=4, generations=3, progress=False)


def test_stage1_cdf_highlights_the_chosen_pair(tinynas, result):
    ax = tinynas.plot.stage1_cdf(result.stage1)
    chosen = result.stage1.chosen
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(f"w{chosen['width']:g}-r{chosen['resolution']} (chosen" in label for label in labels)


def test_evolution_and_pareto(tinynas, result):
    ax = tinynas.plot.evolution(result)
    assert list(ax.get_lines()[0].get_ydata()) == result.best_score_per_generation
    ax = tinynas.plot.pareto(result, x="peak_sram_bytes")
    assert "SRAM" in ax.get_xlabel()
    with pytest.raises(ValueError):
        tinynas.plot.pareto(result, x="flops")


def test_layer_memory_marks_the_peak(tinynas):
    report = tinynas.analyze(str(MCUNET_IN3), schedule="mcunet-analytic")
    ax = tinynas.plot.layer_memory(report, budget_bytes=320 * 1024)
    assert "blocks.2.depthwise" in ax.get_title()
    bars = ax.patches
    tallest = max(bars, key=lambda b: b.get_height())
    assert tallest.get_height() == pytest.approx(report.peak_sram_bytes / 1024)

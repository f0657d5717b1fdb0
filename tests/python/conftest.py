"""Shared fixtures: the package under test comes from the build tree (PYTHONPATH set by ctest)."""

import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
MCUNET_IN3 = REPO / "tests" / "data" / "mcunet_configs" / "mcunet-320kb-1mb_imagenet.json"
MCUNET_IN0 = REPO / "tests" / "data" / "mcunet_configs" / "mcunet-10fps_imagenet.json"


@pytest.fixture(scope="session")
def tinynas():
    import tinynas as module
    return module


@pytest.fixture(scope="session")
def cli():
    """Path of the tinynas executable of the same build."""
    path = os.environ.get("TINYNAS_CLI")
    if not path:
        pytest.skip("TINYNAS_CLI is not set (run through ctest)")
    return path


@pytest.fixture(scope="session")
def trained_model(cli, tmp_path_factory):
    """A Fashion-MNIST subnet trained from scratch for one epoch on 300 images (a few seconds): a model file
    (`tinynas finetune --out`) with its own weights, for the farm's and deploy's tests."""
    model = tmp_path_factory.mktemp("trained") / "m.model"
    subprocess.run([cli, "finetune", "w0.5-r20-k3e3-k3e3-k3e3-k3e3", "--from-scratch", "--space", "fashion_mnist",
                    "--limit", "300", "--epochs", "1", "--out", str(model)], capture_output=True, check=True)
    return model

"""Shared fixtures: the package under test comes from the build tree (PYTHONPATH set by ctest)."""

import os
import pathlib

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

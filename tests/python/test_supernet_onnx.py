"""ONNX export of supernet subnets, checked outside TinyNAS: onnx.checker accepts every exported
model, and the same subnet built in PyTorch from the arch alone (tests/python/torch_reference.py),
with the exported initializers loaded by name, reproduces the C++ engine's logits (max abs
difference < 1e-4). BN both folded into the convs and kept as BatchNormalization nodes.

The C++ side (the supernet_onnx_fixture program, found through $TINYNAS_ONNX_FIXTURE) writes the
models, inputs and its own logits.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
torch = pytest.importorskip("torch")
from onnx import numpy_helper  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
import torch_reference  # noqa: E402


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    fixture = os.environ.get("TINYNAS_ONNX_FIXTURE")
    if not fixture:
        pytest.skip("TINYNAS_ONNX_FIXTURE is not set (run through ctest)")
    out = tmp_path_factory.mktemp("onnx")
    subprocess.run([fixture, str(out)], check=True)
    with open(out / "cases.json") as f:
        return out, json.load(f)


def load_case(out, case):
    base = out / case["name"]
    model = onnx.load(str(base) + ".onnx")
    space = torch_reference.load_json(str(base) + ".space.json")
    arch = torch_reference.load_json(str(base) + ".arch.json")
    shape = (case["batch"], case["channels"], case["resolution"], case["resolution"])
    x = np.fromfile(str(base) + ".input.bin", dtype=np.float32).reshape(shape)
    logits = np.fromfile(str(base) + ".logits.bin", dtype=np.float32).reshape(case["batch"], case["classes"])
    return base, model, space, arch, x, logits


def test_checker_accepts_every_model(cases):
    out, listed = cases
    assert len(listed) == 5
    for case in listed:
        base, model, *_ = load_case(out, case)
        onnx.checker.check_model(model)
        onnx.checker.check_model(str(base) + ".onnx")
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        dims = [d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim[1:]]
        assert dims == [case["classes"]]
        meta = {p.key: p.value for p in model.metadata_props}
        assert json.loads(meta["tinynas.arch"])["id"] == case["arch_id"]
        assert meta["tinynas.batch_norm"] == ("folded" if case["fold_bn"] else "nodes")
        ops = {n.op_type for n in model.graph.node}
        assert ("BatchNormalization" in ops) != case["fold_bn"]


def test_pytorch_rebuild_matches_engine_logits(cases):
    out, listed = cases
    for case in listed:
        _, model, space, arch, x, expected = load_case(out, case)
        net = torch_reference.SubnetModel(space, arch, fold_bn=case["fold_bn"])
        weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
        state = net.state_dict()
        wanted = {k for k in state if not k.endswith("num_batches_tracked")}
        exported = {k for k in weights if not k.startswith("relu6.")}
        assert exported == wanted, case["name"]
        for k in wanted:
            assert tuple(weights[k].shape) == tuple(state[k].shape), (case["name"], k)
        net.load_state_dict({k: weights[k] for k in wanted}, strict=False)
        net.eval()
        with torch.no_grad():
            got = net(torch.from_numpy(x)).numpy()
        diff = float(np.max(np.abs(got - expected)))
        assert diff < 1e-4, f"{case['name']}: max abs difference {diff}"
        assert float(np.max(np.abs(expected))) > 1e-2, "degenerate logits would hide mistakes"

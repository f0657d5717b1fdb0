"""An independent PyTorch build of a TinyNAS subnet (an arch of a search space), for checks and
benchmarks of the C++ supernet engine.

The network is derived here from the space and arch JSON files alone (MobileNetV2 / MCUNet
layout, the channel rounding of the space), not from anything the C++ code computes. Parameter
names equal the initializer names of TinyNAS's ONNX export, so `load_state_dict` takes the
exported weights directly:

  first_conv.conv.weight            [C0, Cin, k, k]   (+ .conv.bias when BN is folded,
  first_conv.bn.{weight,bias,running_mean,running_var}  or these when it is not)
  blocks.{i}.expand / .depthwise / .project  (same pattern; block 0 has no expand)
  feature_mix (optional), classifier.weight [K, C], classifier.bias [K]
"""

import json
import math

import torch
import torch.nn as nn


def round_channels(exact, divisor=8, min_ratio=0.9):
    """MobileNetV2's make_divisible, as configs/spaces/*.json's channel_rounding describes it."""
    rounded = max(divisor, int(exact + divisor / 2.0) // divisor * divisor)
    if rounded < min_ratio * exact:
        rounded += divisor
    return rounded


class ConvBn(nn.Module):
    def __init__(self, cin, cout, kernel, stride, groups, relu6, fold_bn):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=fold_bn)
        self.bn = None if fold_bn else nn.BatchNorm2d(cout, eps=1e-5)
        self.act = nn.ReLU6() if relu6 else None

    def forward(self, x):
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        if self.act is not None:
            x = self.act(x)
        return x


class MbBlock(nn.Module):
    def __init__(self, cin, mid, cout, kernel, stride, expand, residual, fold_bn):
        super().__init__()
        self.expand = ConvBn(cin, mid, 1, 1, 1, True, fold_bn) if expand != 1 else None
        self.depthwise = ConvBn(mid, mid, kernel, stride, mid, True, fold_bn)
        self.project = ConvBn(mid, cout, 1, 1, 1, False, fold_bn)
        self.residual = residual

    def forward(self, x):
        y = x if self.expand is None else self.expand(x)
        y = self.project(self.depthwise(y))
        return x + y if self.residual else y


def block_specs(space, arch):
    """(cin, mid, cout, kernel, stride, expand, residual) per block, as TinyNAS's lower_to_net."""
    rc = space.get("channel_rounding", {})
    rnd = lambda x: round_channels(x, rc.get("divisor", 8), rc.get("min_ratio", 0.9))
    width = arch["width"]
    c0 = rnd(space["first_conv"]["base_width"] * width)
    c1 = rnd(space["first_block"]["base_width"] * width)
    specs = [(c0, c0, c1, space["first_block"]["kernel"], 1, 1, False)]
    cin = c1
    for stage, genes in zip(space["stages"], arch["stages"]):
        cout = rnd(stage["base_width"] * width)
        for i in range(genes["depth"]):
            e, k = genes["expands"][i], genes["kernels"][i]
            stride = stage["stride"] if i == 0 else 1
            mid = cin if e == 1 else rnd(round(cin * e))
            specs.append((cin, mid, cout, k, stride, e, stride == 1 and cin == cout))
            cin = cout
    return c0, specs, cin


class SubnetModel(nn.Module):
    def __init__(self, space, arch, fold_bn=True):
        super().__init__()
        c0, specs, last = block_specs(space, arch)
        fc = space["first_conv"]
        self.first_conv = ConvBn(space["input_channels"], c0, fc["kernel"], fc["stride"], 1, True, fold_bn)
        self.blocks = nn.ModuleList(MbBlock(*s, fold_bn=fold_bn) for s in specs)
        fm = space.get("feature_mix_base_width", 0)
        self.feature_mix = None
        if fm > 0:
            rc = space.get("channel_rounding", {})
            fm_c = round_channels(fm * arch["width"], rc.get("divisor", 8), rc.get("min_ratio", 0.9)) if arch["width"] > 1 else fm
            self.feature_mix = ConvBn(last, fm_c, 1, 1, 1, True, fold_bn)
            last = fm_c
        self.classifier = nn.Linear(last, space["num_classes"])

    def forward(self, x):
        x = self.first_conv(x)
        for b in self.blocks:
            x = b(x)
        if self.feature_mix is not None:
            x = self.feature_mix(x)
        return self.classifier(x.mean(dim=(2, 3)))


def load_json(path):
    with open(path) as f:
        return json.load(f)


def largest_arch(space, width, resolution):
    return {
        "width": width,
        "resolution": resolution,
        "stages": [
            {"depth": max(s["depths"]), "kernels": [max(s["kernels"])] * max(s["depths"]),
             "expands": [max(s["expands"])] * max(s["depths"])}
            for s in space["stages"]
        ],
    }

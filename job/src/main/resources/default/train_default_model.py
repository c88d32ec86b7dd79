#!/usr/bin/env python3
"""Train and export the embedded default model of adversarial-prune.

A small BasicBlock ResNet (3 stages of 2 blocks, widths 16/32/64, batch norm) on the
Fashion-MNIST training set, exported as TorchScript in eval mode.

The exported module takes NORMALIZED input [N, 1, 28, 28]; the job applies the normalization
((x - MEAN) / STD with x in [0, 1]) itself, from `sweep.model.mean` / `sweep.model.std`, so the
PGD attack works in pixel space. The constants below are what conf must say for this model.

Needs only Debian packages: python3-torch, python3-torchvision (1.13) and dataset-fashion-mnist.
    python3 job/src/main/resources/default/train_default_model.py \
        --data /usr/share/datasets/fashion-mnist --out job/src/main/resources/default
Writes fashion-mnist-resnet.pt and fashion-mnist-resnet.json (accuracy, parameter count,
correct count on the first 1,000 test images as the Java side computes them).

The exported file carries, besides forward, the probe methods of SmallResNet (probe_names,
features, forward_clamped, forward_clamped_st, features_clamped; see its class doc and
deploy/models/export_model.py). The committed model was trained by this script before those
methods existed and then re-exported with them from its own weights, its forward unchanged
(bit-identical logits on all 10,000 test images, identical parameters and buffers, checked by
--reference against the file as trained, git show 03e3ea3:<this directory>/fashion-mnist-resnet.pt):
    /usr/bin/python3 deploy/models/export_model.py --arch fashion-mnist-default \
        --weights job/src/main/resources/default/fashion-mnist-resnet.pt \
        --reference job/src/main/resources/default/fashion-mnist-resnet.pt \
        --out job/src/main/resources/default/fashion-mnist-resnet.pt
Training from scratch with this script writes the methods directly: they add no parameters and
are not used in training, so training is unchanged.
"""
import argparse
import gzip
import json
import os
import time
from typing import List

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = 0.2860
STD = 0.3530
SEED = 20221027


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, stem):
    for name in (stem, stem + ".gz"):
        p = os.path.join(data_dir, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(os.path.join(data_dir, stem) + "[.gz]")


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


def clamp_to(a: torch.Tensor, lower: torch.Tensor, upper: torch.Tensor,
             straight_through: bool = False, nonnegative: bool = False) -> torch.Tensor:
    """clamp(a, lower, upper) for forward_clamped: a bound is a 0-d or [1] tensor (the whole
    layer) or [C] (per channel, dim 1 of a); +-inf leaves that side unclamped; lower <= upper.
    Values are torch.clamp's, bit for bit. Gradients pass where lower <= a <= upper and are 0
    elsewhere (torch.clamp's, ties at a bound passing), or, straight_through, pass everywhere as
    through the identity (BPDA), with the same values. nonnegative: a is never below 0 (it follows
    a ReLU), so a lower bound <= 0 everywhere clamps nothing.

    Each case takes few passes over a, each with one of ATen's vectorized CPU kernels (a PGD step
    through the clamp is mostly such passes on a small model). Not torch.where, nor a comparison
    into a bool tensor (torch.clamp's backward uses both): their CPU kernels are not vectorized,
    and on a [64, 16, 28, 28] map a where took 15x a multiply (docs/CLAMP.md):
      - a side that clamps nothing (bounds all infinite; nonnegative and lower <= 0) is left out,
        both sides: a is returned as it is, no pass forward or backward;
      - exact: a float mask, 1 where the gradient passes (lower <= a <= upper: a <= upper or
        a >= lower for one side, clamped == a for both) and 0 elsewhere, the comparison written
        into a float tensor (vectorized, unlike a bool result); out = a * mask, whose gradient is
        the mask's multiple of out's: torch.clamp's; then out's values are overwritten with the
        clamp's through a detached view, which autograd does not record. Three passes forward
        and one backward for one side, five and one for both;
      - straight-through: a copy of a (the copy's gradient is the identity) clamped in place
        through a detached view, two or three passes forward, none backward.
    Where the gradient is 0 it is a multiple of 0: -0.0 where out's gradient is negative, equal
    to torch.clamp's 0.0 as a number."""
    lower_side = not bool(torch.all(lower == float("-inf")))
    if nonnegative and bool(torch.all(lower <= 0)):
        lower_side = False
    upper_side = not bool(torch.all(upper == float("inf")))
    if not lower_side and not upper_side:
        return a  # this probe is not clamped: no pass over its activations, forward or backward
    if lower.dim() == 1 and a.dim() > 2:
        lower = lower.reshape([-1] + [1] * (a.dim() - 2))
    if upper.dim() == 1 and a.dim() > 2:
        upper = upper.reshape([-1] + [1] * (a.dim() - 2))
    if straight_through:
        out = a.clone()
        values = out.detach()
        if lower_side:
            values.clamp_min_(lower)
        if upper_side:
            values.clamp_max_(upper)
        return out
    values = a.detach()
    mask = torch.empty_like(values)
    if not lower_side:
        torch.le(values, upper, out=mask)
        out = a * mask
        torch.clamp_max(values, upper, out=out.detach())
    elif not upper_side:
        torch.ge(values, lower, out=mask)
        out = a * mask
        torch.clamp_min(values, lower, out=out.detach())
    else:
        clamped = torch.clamp_min(values, lower)
        clamped.clamp_max_(upper)
        torch.eq(clamped, values, out=mask)
        out = a * mask
        out.detach().copy_(clamped)
    return out


def clamp_relu(a: torch.Tensor, lower: torch.Tensor, upper: torch.Tensor,
               relu_lower: torch.Tensor, relu_upper: torch.Tensor) -> torch.Tensor:
    """clamp_to(relu(clamp_to(a, lower, upper)), relu_lower, relu_upper, nonnegative=True): a
    probe, the ReLU after it and the ReLU's own probe, clamped with the exact gradient, in one
    clamp where the bounds allow: with relu_lower <= 0 and relu_upper >= 0 everywhere (always, for
    bounds calibrated at S > 0 on a ReLU's output) and lower <= h = min(upper, relu_upper), it is
    clamp_to(relu(a), lower, max(h, 0), nonnegative=True), one-sided where lower <= 0 (as
    calibrated bounds on a batch norm's output mostly are). The same values: for h >= 0 both are
    a clamped to [max(lower, 0), h] (min and max commute so), for h < 0 both are 0. The same
    gradient: both pass it exactly where a > 0 and lower <= a <= h, and are 0 elsewhere."""
    merged = torch.minimum(upper, relu_upper)
    if (bool(torch.all(relu_lower <= 0)) and bool(torch.all(relu_upper >= 0))
            and bool(torch.all(lower <= merged))):
        return clamp_to(torch.relu(a), lower, torch.clamp_min(merged, 0), False, True)
    return clamp_to(torch.relu(clamp_to(a, lower, upper)), relu_lower, relu_upper, False, True)


def check_bounds(lower: List[torch.Tensor], upper: List[torch.Tensor], probes: int):
    if len(lower) != probes or len(upper) != probes:
        raise ValueError("forward_clamped needs one lower and one upper bound per probe")


class SmallResNet(nn.Module):
    """The embedded default. Besides forward (the classifier), TorchScript exports three probe
    methods for layer anatomy and the feature-map clamp (the convention of
    deploy/models/export_model.py, which documents it):
      probe_names()                    the probed layers in order: conv1, bn1, relu (after bn1),
                                       layer1, layer2, layer3, avgpool (flattened, the fc input),
                                       logits
      features(x)                      their activations, a list in that order
      forward_clamped(x, lower, upper) forward with clamp_to(a, lower[i], upper[i]) after probe i
      forward_clamped_st(x, lower, upper)  the same values, with a straight-through gradient
      features_clamped(x, lower, upper)    features of the clamped network: each probe's
                                       activation after its clamp, what the next layer sees
                                       (the last one is forward_clamped's output)
    They use the same modules and functions as forward, so they add no parameters and leave
    forward, the parameter names and training unchanged."""

    def __init__(self, widths=(16, 32, 64), blocks=2, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        layers, cin = [], widths[0]
        for i, w in enumerate(widths):
            stage = []
            for b in range(blocks):
                stage.append(BasicBlock(cin, w, 2 if (i > 0 and b == 0) else 1))
                cin = w
            layers.append(nn.Sequential(*stage))
        self.layer1, self.layer2, self.layer3 = layers
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.fc(out)

    @torch.jit.export
    def probe_names(self) -> List[str]:
        return ["conv1", "bn1", "relu", "layer1", "layer2", "layer3", "avgpool", "logits"]

    @torch.jit.export
    def features(self, x: torch.Tensor) -> List[torch.Tensor]:
        conv1 = self.conv1(x)
        bn1 = self.bn1(conv1)
        relu = F.relu(bn1)
        layer1 = self.layer1(relu)
        layer2 = self.layer2(layer1)
        layer3 = self.layer3(layer2)
        avgpool = F.adaptive_avg_pool2d(layer3, 1).flatten(1)
        return [conv1, bn1, relu, layer1, layer2, layer3, avgpool, self.fc(avgpool)]

    @torch.jit.export
    def forward_clamped(self, x: torch.Tensor, lower: List[torch.Tensor],
                        upper: List[torch.Tensor]) -> torch.Tensor:
        return self.clamped(x, lower, upper, False)

    @torch.jit.export
    def forward_clamped_st(self, x: torch.Tensor, lower: List[torch.Tensor],
                           upper: List[torch.Tensor]) -> torch.Tensor:
        return self.clamped(x, lower, upper, True)

    @torch.jit.export
    def features_clamped(self, x: torch.Tensor, lower: List[torch.Tensor],
                         upper: List[torch.Tensor]) -> List[torch.Tensor]:
        check_bounds(lower, upper, 8)
        # clamp_to's straight-through branch: the values of the exact one, in fewer passes.
        conv1 = clamp_to(self.conv1(x), lower[0], upper[0], True)
        bn1 = clamp_to(self.bn1(conv1), lower[1], upper[1], True)
        relu = clamp_to(F.relu(bn1), lower[2], upper[2], True, True)
        layer1 = clamp_to(self.layer1(relu), lower[3], upper[3], True, True)
        layer2 = clamp_to(self.layer2(layer1), lower[4], upper[4], True, True)
        layer3 = clamp_to(self.layer3(layer2), lower[5], upper[5], True, True)
        avgpool = clamp_to(F.adaptive_avg_pool2d(layer3, 1).flatten(1), lower[6], upper[6], True,
                           True)
        logits = clamp_to(self.fc(avgpool), lower[7], upper[7], True)
        return [conv1, bn1, relu, layer1, layer2, layer3, avgpool, logits]

    def clamped(self, x: torch.Tensor, lower: List[torch.Tensor], upper: List[torch.Tensor],
                st: bool) -> torch.Tensor:
        check_bounds(lower, upper, 8)
        out = clamp_to(self.conv1(x), lower[0], upper[0], st)
        if st:
            out = clamp_to(self.bn1(out), lower[1], upper[1], st)
            out = clamp_to(F.relu(out), lower[2], upper[2], st, True)
        else:
            out = clamp_relu(self.bn1(out), lower[1], upper[1], lower[2], upper[2])
        out = clamp_to(self.layer1(out), lower[3], upper[3], st, True)
        out = clamp_to(self.layer2(out), lower[4], upper[4], st, True)
        out = clamp_to(self.layer3(out), lower[5], upper[5], st, True)
        out = clamp_to(F.adaptive_avg_pool2d(out, 1).flatten(1), lower[6], upper[6], st, True)
        return clamp_to(self.fc(out), lower[7], upper[7], st)


def to_input(images_u8):
    # Exactly what the Java side does: float32 pixels / 255, then (x - mean) / std.
    x = torch.from_numpy(images_u8.astype(np.float32)).unsqueeze(1) / 255.0
    return (x - MEAN) / STD


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(args.threads)

    xtr = read_idx(find(args.data, "train-images-idx3-ubyte"))
    ytr = torch.from_numpy(read_idx(find(args.data, "train-labels-idx1-ubyte")).astype(np.int64))
    xte = read_idx(find(args.data, "t10k-images-idx3-ubyte"))
    yte = torch.from_numpy(read_idx(find(args.data, "t10k-labels-idx1-ubyte")).astype(np.int64))
    xtr_t, xte_t = to_input(xtr), to_input(xte)

    model = SmallResNet()
    params = sum(p.numel() for p in model.parameters())
    batch = 128
    steps_per_epoch = (len(xtr_t) + batch - 1) // batch
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                          weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, epochs=args.epochs,
                                                steps_per_epoch=steps_per_epoch)
    pad_value = (0.0 - MEAN) / STD
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr_t))
        t0, seen, loss_sum = time.time(), 0, 0.0
        for i in range(steps_per_epoch):
            idx = perm[i * batch:(i + 1) * batch]
            xb, yb = xtr_t[idx], ytr[idx]
            # Light augmentation: random horizontal flip and +-2 px random crop.
            flip = torch.rand(len(xb)) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            xb = F.pad(xb, (2, 2, 2, 2), value=pad_value)
            dx, dy = np.random.randint(0, 5, size=2)
            xb = xb[:, :, dy:dy + 28, dx:dx + 28]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            seen += len(xb)
            loss_sum += loss.item() * len(xb)
        acc = evaluate(model, xte_t, yte)
        print(f"epoch {epoch + 1}/{args.epochs} loss {loss_sum / seen:.4f} "
              f"test acc {acc:.4f} ({time.time() - t0:.0f}s)", flush=True)

    model.eval()
    scripted = torch.jit.script(model)
    scripted.eval()
    pt = os.path.join(args.out, "fashion-mnist-resnet.pt")
    scripted.save(pt)
    loaded = torch.jit.load(pt)
    loaded.eval()
    with torch.no_grad():
        pred = torch.cat([loaded(xte_t[i:i + 500]).argmax(1) for i in range(0, len(xte_t), 500)])
    correct = (pred == yte)
    info = {
        "architecture": "BasicBlock ResNet, 3 stages x 2 blocks, widths 16/32/64, batch norm",
        "input": "[N, 1, 28, 28] normalized: (x - mean) / std with x in [0, 1]",
        "mean": [MEAN],
        "std": [STD],
        "classes": 10,
        "parameters": params,
        "epochs": args.epochs,
        "seed": SEED,
        "test_images": int(len(yte)),
        "test_correct": int(correct.sum()),
        "test_accuracy": float(correct.float().mean()),
        "first_1000_correct": int(correct[:1000].sum()),
        "torch_version": torch.__version__,
        "command": "python3 job/src/main/resources/default/train_default_model.py "
                   "--data /usr/share/datasets/fashion-mnist "
                   "--out job/src/main/resources/default",
    }
    with open(os.path.join(args.out, "fashion-mnist-resnet.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print(json.dumps(info, indent=2))


def evaluate(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    return float((pred == y).float().mean())


if __name__ == "__main__":
    main()

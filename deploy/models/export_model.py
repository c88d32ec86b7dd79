#!/usr/bin/env python3
"""Export a classifier as TorchScript with probes: layer anatomy and the feature-map clamp.

Architectures (--arch):
  resnet18, resnet34, resnet50   torchvision's ResNets, input [N, 3, 224, 224], 1000 classes
                                 (--classes to change); random init unless --weights
  fashion-mnist-default          the embedded default: SmallResNet of
                                 job/src/main/resources/default/train_default_model.py, input
                                 [N, 1, 28, 28]; --weights is required (its committed .pt)

--weights: a state dict saved with torch.save, or a TorchScript file (its state_dict() is used);
the names must be the architecture's own, every one of them (strict load).

The file is torch.jit.script of the architecture's own class (a subclass for torchvision's), in
eval mode. It takes NORMALIZED input, as every model of this project: the job applies the
normalization (sweep.model.mean / std) itself, so attacks work in pixel space. Its methods:

  forward(x) -> Tensor             the classifier, the architecture's own code, unchanged
  probe_names() -> List[str]       the probed layers, in network order
  features(x) -> List[Tensor]      their activations, in probe_names() order; the last probe is
                                   always "logits", bit-identical to forward(x)
  forward_clamped(x, lower: List[Tensor], upper: List[Tensor]) -> Tensor
                                   forward with clamp(a, lower[i], upper[i]) applied to probe i's
                                   output a before the network goes on; one bound per probe and
                                   side. A bound is a 0-d or [1] tensor (the whole layer), or
                                   [C] (per channel: dim 1 of the activation, for [N, C, H, W]
                                   and [N, C] alike); -inf / +inf leave that side unclamped, and
                                   with all bounds infinite the result is forward(x) exactly.
                                   lower <= upper. A probe whose bounds are all infinite is
                                   skipped (no pass over its activations), so unselected layers
                                   cost nothing; on a probe that follows a ReLU (never below 0)
                                   a lower bound <= 0 everywhere clamps nothing and is left out.
                                   Differentiable: torch.clamp's gradient, 0 where a is outside
                                   its bounds. Computed with few passes over the activations,
                                   all by vectorized ATen kernels (clamp_to and clamp_relu in
                                   job/src/main/resources/default/train_default_model.py: the
                                   exact gradient as a multiply by a float mask, no torch.where;
                                   bn1's clamp, the ReLU and the relu probe's clamp as the ReLU
                                   and one clamp), with torch.clamp's values and gradient
  forward_clamped_st(x, lower, upper) -> Tensor
                                   the same values as forward_clamped, bit for bit, with a
                                   straight-through gradient: each clamp passes the gradient on
                                   as the identity would (BPDA, Athalye et al. 2018), so that an
                                   attack is not stopped by the zero gradient of a clamp
  features_clamped(x, lower, upper) -> List[Tensor]
                                   features() of the clamped network: each probe's activation
                                   after its clamp, what the next layer sees, so that layer
                                   anatomy of a clamped config describes the network that was
                                   attacked; the last entry is forward_clamped(x, ...) bit for bit

Probes:
  resnet18/34/50          conv1, bn1, relu, maxpool, layer1, layer2, layer3, layer4,
                          avgpool (flattened: the fc input [N, C]), logits
  fashion-mnist-default   conv1, bn1, relu, layer1, layer2, layer3, avgpool (flattened), logits

Parameter (and buffer) names are the architecture's own: the probes add no modules, so weight
pruning, which addresses parameters by name, sees the same model. ResNet's ReLU module is in-place;
features() and forward_clamped() apply torch.relu out of place instead, with the same values, so
the returned bn1 activation is not overwritten.

After writing, the file is loaded back and checked (and the script exits 1 if a check fails):
the parameter names are the eager model's; forward is the eager model's output (to 1e-5);
features()'s last entry and both clamped forwards with infinite bounds equal forward bit for bit
(features_clamped with infinite bounds equals features);
forward_clamped_st equals forward_clamped bit for bit with finite bounds, and so does
features_clamped's last entry; features() equals what forward hooks on the eager model record; and
with finite bounds features_clamped and both clamped forwards' values and input gradients equal
those of the eager model with torch.clamp applied by hooks (the
straight-through one through an autograd function with the identity's backward). With --reference OLD.pt, forward
of the new file must also give bit-identical logits to OLD.pt's (on the first 10,000
Fashion-MNIST test images for fashion-mnist-default, batches of 500, read from --data; on 8
random inputs otherwise) and the same parameters and buffers, names and values.

Needs Debian's python3-torch and python3-torchvision (1.13) only. The embedded default was
re-exported, with its numbers unchanged, by
    /usr/bin/python3 deploy/models/export_model.py --arch fashion-mnist-default \\
        --weights job/src/main/resources/default/fashion-mnist-resnet.pt \\
        --reference job/src/main/resources/default/fashion-mnist-resnet.pt \\
        --out job/src/main/resources/default/fashion-mnist-resnet.pt
A ResNet-18 (random init) for an end-to-end run:
    /usr/bin/python3 deploy/models/export_model.py --arch resnet18 --out /tmp/resnet18-probes.pt
"""
import argparse
import importlib.util
import os
import sys
from typing import List

import torch
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_DIR = os.path.join(ROOT, "job", "src", "main", "resources", "default")


def default_module():
    """train_default_model.py, imported from its place in the repository."""
    path = os.path.join(DEFAULT_DIR, "train_default_model.py")
    spec = importlib.util.spec_from_file_location("train_default_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The clamp's helpers live with the embedded default's class, whose script must stay self-contained
# (it trains the model); every architecture here clamps through the same code.
DEFAULT = default_module()
clamp_to = DEFAULT.clamp_to
clamp_relu = DEFAULT.clamp_relu
check_bounds = DEFAULT.check_bounds


class ProbedResNet(ResNet):
    """torchvision's ResNet with the probe methods; forward and the modules are ResNet's own."""

    @torch.jit.export
    def probe_names(self) -> List[str]:
        return ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                "avgpool", "logits"]

    @torch.jit.export
    def features(self, x: torch.Tensor) -> List[torch.Tensor]:
        conv1 = self.conv1(x)
        bn1 = self.bn1(conv1)
        relu = torch.relu(bn1)  # self.relu is in-place: it would overwrite bn1
        maxpool = self.maxpool(relu)
        layer1 = self.layer1(maxpool)
        layer2 = self.layer2(layer1)
        layer3 = self.layer3(layer2)
        layer4 = self.layer4(layer3)
        avgpool = torch.flatten(self.avgpool(layer4), 1)
        return [conv1, bn1, relu, maxpool, layer1, layer2, layer3, layer4, avgpool,
                self.fc(avgpool)]

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
        check_bounds(lower, upper, 10)
        # clamp_to's straight-through branch: the values of the exact one, in fewer passes.
        conv1 = clamp_to(self.conv1(x), lower[0], upper[0], True)
        bn1 = clamp_to(self.bn1(conv1), lower[1], upper[1], True)
        relu = clamp_to(torch.relu(bn1), lower[2], upper[2], True, True)
        maxpool = clamp_to(self.maxpool(relu), lower[3], upper[3], True, True)
        layer1 = clamp_to(self.layer1(maxpool), lower[4], upper[4], True, True)
        layer2 = clamp_to(self.layer2(layer1), lower[5], upper[5], True, True)
        layer3 = clamp_to(self.layer3(layer2), lower[6], upper[6], True, True)
        layer4 = clamp_to(self.layer4(layer3), lower[7], upper[7], True, True)
        avgpool = clamp_to(torch.flatten(self.avgpool(layer4), 1), lower[8], upper[8], True, True)
        logits = clamp_to(self.fc(avgpool), lower[9], upper[9], True)
        return [conv1, bn1, relu, maxpool, layer1, layer2, layer3, layer4, avgpool, logits]

    def clamped(self, x: torch.Tensor, lower: List[torch.Tensor], upper: List[torch.Tensor],
                st: bool) -> torch.Tensor:
        check_bounds(lower, upper, 10)
        x = clamp_to(self.conv1(x), lower[0], upper[0], st)
        if st:
            x = clamp_to(self.bn1(x), lower[1], upper[1], st)
            x = clamp_to(torch.relu(x), lower[2], upper[2], st, True)
        else:
            x = clamp_relu(self.bn1(x), lower[1], upper[1], lower[2], upper[2])
        x = clamp_to(self.maxpool(x), lower[3], upper[3], st, True)
        x = clamp_to(self.layer1(x), lower[4], upper[4], st, True)
        x = clamp_to(self.layer2(x), lower[5], upper[5], st, True)
        x = clamp_to(self.layer3(x), lower[6], upper[6], st, True)
        x = clamp_to(self.layer4(x), lower[7], upper[7], st, True)
        x = clamp_to(torch.flatten(self.avgpool(x), 1), lower[8], upper[8], st, True)
        return clamp_to(self.fc(x), lower[9], upper[9], st)


RESNETS = {
    "resnet18": (BasicBlock, [2, 2, 2, 2]),
    "resnet34": (BasicBlock, [3, 4, 6, 3]),
    "resnet50": (Bottleneck, [3, 4, 6, 3]),
}


def build(arch, classes):
    """The eager model and its input shape [C, H, W]."""
    if arch in RESNETS:
        block, layers = RESNETS[arch]
        return ProbedResNet(block, layers, num_classes=classes), (3, 224, 224)
    if arch == "fashion-mnist-default":
        return DEFAULT.SmallResNet(), (1, 28, 28)
    raise SystemExit("unknown --arch " + arch + "; one of " + ", ".join(list(RESNETS) +
                                                                        ["fashion-mnist-default"]))


def read_weights(path):
    try:
        return torch.jit.load(path, map_location="cpu").state_dict()
    except RuntimeError:
        return torch.load(path, map_location="cpu")


def hooked_features(model, x, names):
    """Activations recorded by forward hooks on the eager model, independent of features()."""
    seen = {}
    handles = []

    def keep(name, flatten=False):
        def hook(module, inputs, output):
            seen[name] = (torch.flatten(output, 1) if flatten else output).clone()
        return hook

    def keep_input(name):
        def hook(module, inputs):
            seen[name] = inputs[0].clone()
        return hook

    for name in names:
        if name == "logits":
            handles.append(model.fc.register_forward_hook(keep(name)))
        elif name == "avgpool":
            handles.append(model.fc.register_forward_pre_hook(keep_input(name)))
        elif name == "relu" and not hasattr(model, "relu"):
            # SmallResNet applies F.relu after bn1: its output is layer1's input.
            handles.append(model.layer1.register_forward_pre_hook(keep_input(name)))
        else:
            handles.append(getattr(model, name).register_forward_hook(keep(name)))
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return [seen[n] for n in names]


class StraightThroughClamp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, lower, upper):
        return torch.clamp(a, lower, upper)

    @staticmethod
    def backward(ctx, grad):
        return grad, None, None


def hooked_clamped(model, x, names, lower, upper, straight_through=False, record=None):
    """The eager model's output with torch.clamp applied to each probe by forward hooks, the
    reference for forward_clamped's values and input gradient (independent of clamp_to); or, with
    straight_through, an autograd function with torch.clamp's values and the identity's gradient,
    for forward_clamped_st's. With a list as record, each probe's clamped activation is appended
    to it in network order (features_clamped's reference)."""
    def clamp(a, i):
        lo, hi = lower[i], upper[i]
        if lo.dim() == 1 and a.dim() > 2:
            lo, hi = (b.reshape([-1] + [1] * (a.dim() - 2)) for b in (lo, hi))
        if straight_through:
            out = StraightThroughClamp.apply(a, lo, hi)
        else:
            out = torch.clamp(a, lo, hi)
        if record is not None:
            record.append(out.detach().clone())
        return out

    def on_output(i):
        return lambda module, inputs, output: clamp(output, i)

    def on_input(i):
        return lambda module, inputs: (clamp(inputs[0], i),)

    handles = []
    for i, name in enumerate(names):
        if name == "logits":
            handles.append(model.fc.register_forward_hook(on_output(i)))
        elif name == "avgpool":
            handles.append(model.fc.register_forward_pre_hook(on_input(i)))
        elif name == "relu" and not hasattr(model, "relu"):
            handles.append(model.layer1.register_forward_pre_hook(on_input(i)))
        else:
            handles.append(getattr(model, name).register_forward_hook(on_output(i)))
    try:
        return model(x)
    finally:
        for h in handles:
            h.remove()


def input_gradient(f, x):
    x = x.clone().requires_grad_(True)
    out = f(x)
    (grad,) = torch.autograd.grad((out * torch.linspace(-1, 1, out.shape[1])).sum(), x)
    return out.detach(), grad


def verify(eager, path, shape, failures):
    loaded = torch.jit.load(path)
    loaded.eval()
    names = list(loaded.probe_names())
    eager_params = [n for n, _ in eager.named_parameters()]
    if [n for n, _ in loaded.named_parameters()] != eager_params:
        failures.append("parameter names differ from the eager model's")
    gen = torch.Generator().manual_seed(19)
    x = torch.randn((2,) + tuple(shape), generator=gen)
    with torch.no_grad():
        out = loaded(x)
        expected = eager(x)
        feats = loaded.features(x)
        inf = torch.tensor(float("inf"))
        clamped = loaded.forward_clamped(x, [-inf] * len(names), [inf] * len(names))
        clamped_st = loaded.forward_clamped_st(x, [-inf] * len(names), [inf] * len(names))
        feats_clamped = loaded.features_clamped(x, [-inf] * len(names), [inf] * len(names))
    if not torch.allclose(out, expected, rtol=1e-5, atol=1e-5):
        failures.append("forward differs from the eager model's by %g"
                        % (out - expected).abs().max().item())
    if len(feats) != len(names) or names[-1] != "logits" or not torch.equal(feats[-1], out):
        failures.append("features()'s last entry is not forward(x)")
    if not torch.equal(clamped, out) or not torch.equal(clamped_st, out):
        failures.append("forward_clamped(_st) with infinite bounds is not forward(x)")
    if len(feats_clamped) != len(feats) or not all(
            torch.equal(a, b) for a, b in zip(feats_clamped, feats)):
        failures.append("features_clamped with infinite bounds is not features(x)")
    # Finite per-channel bounds, mean -+ S std of each channel: S = 0.5 clamps about 60 % of
    # values on both sides; S = 3 leaves the lower bounds of the probes after a ReLU <= 0, so
    # their clamp takes the upper side only.
    for multiple in (0.5, 3.0):
        verify_clamp(eager, loaded, names, feats, x, out, multiple, failures)
    for name, mine, hooked in zip(names, feats, hooked_features(eager, x, names)):
        if mine.shape != hooked.shape or not torch.allclose(mine, hooked, rtol=1e-5, atol=1e-5):
            failures.append("features()[%s] differs from the hooked activation" % name)
    for name, a in zip(names, feats):
        print("  %-8s %s" % (name, list(a.shape)))
    return loaded


def verify_clamp(eager, loaded, names, feats, x, out, multiple, failures):
    """Both clamped forwards with bounds mean -+ multiple std per channel against torch.clamp by
    hooks: values, and input gradients (exact: zero where a probe is clipped; straight-through:
    the identity's at each clamp)."""
    lower, upper = [], []
    for a in feats:
        dims = [0] + list(range(2, a.dim()))
        mu, sd = a.mean(dim=dims), a.std(dim=dims)
        lower.append(mu - multiple * sd)
        upper.append(mu + multiple * sd)
    hooked = []
    with torch.no_grad():
        finite = loaded.forward_clamped(x, lower, upper)
        finite_st = loaded.forward_clamped_st(x, lower, upper)
        finite_feats = loaded.features_clamped(x, lower, upper)
        hooked_clamped(eager, x, names, lower, upper, record=hooked)
    if not torch.equal(finite, finite_st) or torch.equal(finite, out):
        failures.append("S=%g: forward_clamped_st's values are not forward_clamped's, or the "
                        "bounds of the check did not change the output" % multiple)
    if not torch.equal(finite_feats[-1], finite):
        failures.append("S=%g: features_clamped's last entry is not forward_clamped's output"
                        % multiple)
    for name, mine, ref in zip(names, finite_feats, hooked):
        if mine.shape != ref.shape or not torch.allclose(mine, ref, rtol=1e-5, atol=1e-6):
            failures.append("S=%g: features_clamped()[%s] differs from torch.clamp by hooks"
                            % (multiple, name))
    if len(hooked) != len(names) or len(finite_feats) != len(names):
        failures.append("S=%g: features_clamped or the hooks did not give one activation per probe"
                        % multiple)
    out_c, grad_c = input_gradient(lambda v: loaded.forward_clamped(v, lower, upper), x)
    out_h, grad_h = input_gradient(lambda v: hooked_clamped(eager, v, names, lower, upper), x)
    _, grad_st = input_gradient(lambda v: loaded.forward_clamped_st(v, lower, upper), x)
    _, grad_hst = input_gradient(
        lambda v: hooked_clamped(eager, v, names, lower, upper, True), x)
    for what, mine, ref in (("forward_clamped's values", out_c, out_h),
                            ("forward_clamped's input gradient", grad_c, grad_h),
                            ("forward_clamped_st's input gradient", grad_st, grad_hst)):
        if not torch.allclose(mine, ref, rtol=1e-5, atol=1e-6):
            failures.append("S=%g: %s differs from torch.clamp by hooks by %g"
                            % (multiple, what, (mine - ref).abs().max().item()))
    if torch.equal(grad_c, grad_st):
        failures.append("S=%g: the exact and straight-through gradients are equal: the check's "
                        "bounds clipped nothing" % multiple)


def compare_reference(new, reference_module, arch, data, shape, failures):
    """Bit-identical forward and identical parameters/buffers against the reference file."""
    new_state, old_state = new.state_dict(), reference_module.state_dict()
    if list(new_state) != list(old_state):
        failures.append("parameter/buffer names differ from the reference")
    else:
        different = [k for k in new_state if not torch.equal(new_state[k], old_state[k])]
        if different:
            failures.append("values differ from the reference: " + ", ".join(different))
        print("reference: %d parameters and buffers, identical names and values: %s"
              % (len(new_state), not different))
    if arch == "fashion-mnist-default":
        tdm = DEFAULT
        images = tdm.read_idx(tdm.find(data, "t10k-images-idx3-ubyte"))
        labels = tdm.read_idx(tdm.find(data, "t10k-labels-idx1-ubyte")).astype("int64")
        labels = torch.from_numpy(labels)
        x = tdm.to_input(images)
        batches = [x[i:i + 500] for i in range(0, len(x), 500)]
    else:
        gen = torch.Generator().manual_seed(20)
        batches = [torch.randn((8,) + tuple(shape), generator=gen)]
        labels = None
    same = 0
    preds = []
    with torch.no_grad():
        for b in batches:
            a, r = new(b), reference_module(b)
            same += int(torch.equal(a, r))
            preds.append(a.argmax(1))
    print("reference: forward bit-identical on %d of %d batches (%d inputs)"
          % (same, len(batches), sum(len(b) for b in batches)))
    if same != len(batches):
        failures.append("forward is not bit-identical to the reference")
    if labels is not None:
        correct = (torch.cat(preds) == labels.long())
        print("reference: correct on the first 1,000: %d; on all %d: %d"
              % (int(correct[:1000].sum()), len(correct), int(correct.sum())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", required=True,
                    help="resnet18, resnet34, resnet50 or fashion-mnist-default")
    ap.add_argument("--weights", help="state dict (torch.save) or TorchScript file")
    ap.add_argument("--classes", type=int, default=1000, help="ResNets only (default 1000)")
    ap.add_argument("--out", required=True, help="the TorchScript file to write")
    ap.add_argument("--reference", help="a TorchScript file whose numbers must not change")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                    help="Fashion-MNIST IDX files, for --reference with fashion-mnist-default")
    ap.add_argument("--seed", type=int, default=0, help="random init of a ResNet")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    model, shape = build(args.arch, args.classes)
    if args.weights:
        model.load_state_dict(read_weights(args.weights))
    elif args.arch == "fashion-mnist-default":
        raise SystemExit("--arch fashion-mnist-default needs --weights (its committed .pt)")
    model.eval()
    # Loaded before the output is written, so --reference may name the same file.
    reference = torch.jit.load(args.reference) if args.reference else None
    if reference is not None:
        reference.eval()

    scripted = torch.jit.script(model)
    scripted.eval()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    scripted.save(args.out)
    print("wrote %s (%s, %d parameters, input %s)"
          % (args.out, args.arch, sum(p.numel() for p in model.parameters()), list(shape)))

    failures = []
    loaded = verify(model, args.out, shape, failures)
    if reference is not None:
        compare_reference(loaded, reference, args.arch, args.data, shape, failures)
    for f in failures:
        print("FAILED: " + f, file=sys.stderr)
    if failures:
        sys.exit(1)
    print("checks passed")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The default sweep (conf/default.conf) as one plain, tuned PyTorch eager loop: the reference the
bench (deploy/local/bench-vs-torch) times the project against, and a second implementation of the
same numbers.

    /usr/bin/python3 deploy/local/torch_sweep.py [--limit 1000] [--threads 2] [...]

Same work as `adversarial-prune run --config conf/default.conf`:
- model: the embedded TorchScript default (job/src/main/resources/default/fashion-mnist-resnet.pt),
  eval mode, weights frozen, (x - mean) / std in front of its forward;
- images: the first LIMIT Fashion-MNIST test images. The job reads them as PNG from its embedded
  Parquet file, which `ingest idx` made from Debian's dataset-fashion-mnist IDX files (id = index);
  this script reads those IDX files (no Parquet reader in Debian's Python), the same pixels;
- grid: baseline, E, S, R (the conf's values), one seed, applied to every parameter as
  docs/PRUNING.md says (E: |w| < E -> 0; S: clamp to mean +- S*std (unbiased) of tensors whose
  D'Agostino-Pearson p < 1e-5; R: w + U[-R, R] from a SplitMix64 stream seeded by (seed, name));
- PGD L-inf: eps, alpha, 10 steps, the job's per-sample random start (SplitMix64 seeded by (seed,
  sample id), re-implemented here bit for bit), projection, 8-bit rounding, batch 100;
- per batch and config: clean and adversarial predictions, and (for pruned configs) the
  predictions on the baseline's adversarial images (transfer from baseline), as the job judges.
The random streams are the job's, so the table should agree with the project's to within what two
libtorch builds (1.13 here, 2.7.1 there) round differently: a gradient sign flipped at a tie.

Prints the results table (the project's columns) and `wall_s` (from this process's start, as the
kernel recorded it, to the end: interpreter and `import torch` included).
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def process_start():
    """This process's start as time.time() would have read it (from /proc, so Python's own
    start-up counts)."""
    with open("/proc/self/stat") as f:
        start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return time.time() - uptime + start_ticks / os.sysconf("SC_CLK_TCK")


def read_idx(path, n):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    return arr[:n] if n else arr


# ---- java.util.SplittableRandom (SplitMix64), vectorized: the job's random streams ----


def mix64(z):
    with np.errstate(over="ignore"):  # Java's long arithmetic wraps; so does uint64's
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def next_doubles(seeds, count):
    """`count` nextDouble() values of `new SplittableRandom(seed)` for each seed: [len, count]."""
    with np.errstate(over="ignore"):
        k = np.arange(1, count + 1, dtype=np.uint64)
        states = np.asarray(seeds, dtype=np.uint64)[:, None] + GOLDEN * k[None, :]
        return (mix64(states) >> np.uint64(11)).astype(np.float64) * (2.0**-53)


def sample_seed(seed, ids):
    """SampleNoise.mix(seed, id): restart 0's generator seed of each sample."""
    with np.errstate(over="ignore"):
        s = mix64(np.uint64(seed & 0xFFFFFFFFFFFFFFFF) ^ np.uint64(0x2545F4914F6CDD1D))
        return mix64(s + np.asarray(ids, dtype=np.uint64) * GOLDEN)


def noise_seed(seed, name):
    """WeightPruner.noiseSeed(seed, name): FNV-1a of the UTF-8 name, mixed with the seed."""
    h = 0xCBF29CE484222325
    for b in name.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    z = ((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF) ^ h
    return int(mix64(np.uint64(z)))


def random_start(seed, ids, clean, eps):
    """clamp(clean + (float) ((2u - 1) eps), 0, 1) per pixel, u from the sample's stream."""
    per = clean[0].size
    u = next_doubles(sample_seed(seed, ids), per)
    noise = ((2 * u - 1) * eps).astype(np.float32).reshape(clean.shape)
    return np.minimum(np.float32(1), np.maximum(np.float32(0), clean + noise))


# ---- pruning (docs/PRUNING.md), on host copies of the parameters ----


class Pruner:
    def __init__(self, model):
        import warnings

        from scipy.stats import normaltest

        self.params = list(model.named_parameters())
        self.original = [p.detach().numpy().copy() for _, p in self.params]
        self.total = sum(w.size for w in self.original)
        # S's gate: D'Agostino-Pearson on each original tensor (>= 8 elements, scipy's minimum).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kurtosistest only valid for n>=20": as the job
            self.p_values = [
                normaltest(w.ravel().astype(np.float64)).pvalue if w.size >= 8 else None
                for w in self.original
            ]

    def apply(self, kind, value, seed):
        """Restores the originals, applies one step, returns the prune ratio."""
        changed = 0
        with torch.no_grad():
            for (name, p), w0, pv in zip(self.params, self.original, self.p_values):
                w = w0
                if kind == "E":
                    mask = np.abs(w0).astype(np.float64) < value
                    w = np.where(mask, np.float32(0), w0)
                    changed += int(mask.sum())
                elif kind == "S" and pv is not None and pv < 1e-5:
                    d = w0.astype(np.float64)
                    mean, std = d.mean(), d.std(ddof=1)
                    lo, hi = np.float32(mean - value * std), np.float32(mean + value * std)
                    w = np.minimum(np.maximum(w0, lo), hi)
                    changed += int((w != w0).sum())
                elif kind == "R" and value != 0:
                    u = next_doubles([noise_seed(seed, name)], w0.size)[0]
                    w = w0 + ((2 * u - 1) * value).astype(np.float32).reshape(w0.shape)
                    changed += int((w != w0).sum())
                p.copy_(torch.from_numpy(np.ascontiguousarray(w)))
        return changed / self.total


def grid(args):
    configs = [("baseline", None, None)] if args.baseline else []
    for kind, values in (("E", args.E), ("S", args.S), ("R", args.R)):
        configs += [(kind, kind, v) for v in values]
    return configs


def label(kind, value):
    return "baseline" if kind is None else f"prune {kind}={value:g}"


def main():
    started = process_start()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data = "/usr/share/datasets/fashion-mnist"
    ap.add_argument("--model", default=f"{REPO}/job/src/main/resources/default/fashion-mnist-resnet.pt")
    ap.add_argument("--images", default=f"{data}/t10k-images-idx3-ubyte.gz")
    ap.add_argument("--labels", default=f"{data}/t10k-labels-idx1-ubyte.gz")
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--mean", type=float, default=0.2860)
    ap.add_argument("--std", type=float, default=0.3530)
    ap.add_argument("--eps", type=float, default=0.03)
    ap.add_argument("--alpha", type=float, default=0.003)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--baseline", type=int, default=1)
    ap.add_argument("--E", type=float, nargs="*", default=[1e-3, 1e-2, 2e-2, 5e-2])
    ap.add_argument("--S", type=float, nargs="*", default=[5, 3, 2])
    ap.add_argument("--R", type=float, nargs="*", default=[1e-3, 1e-2, 5e-2])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels-last", type=int, default=0, help="1: NHWC batches")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    # Tuning, measured here with torch 1.13 on this model (batch 100, 2 threads): the TorchScript
    # profiling executor re-specializes the graph when grad mode and inference mode alternate
    # (15-17 s per 10-step batch for the first three batches, then 0.5 s); with its optimization
    # off every batch costs 0.5 s from the second on. Channels-last batches cost the same
    # 0.5 s at steady state but 8-13 s per batch for the first three, so NCHW (as the model was
    # exported). Inference mode for the evaluation passes.
    torch._C._set_graph_executor_optimize(False)
    model = torch.jit.load(args.model).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    mean = torch.tensor(args.mean, dtype=torch.float32)
    std = torch.tensor(args.std, dtype=torch.float32)
    layout = torch.channels_last if args.channels_last else torch.contiguous_format

    def logits(x):
        return model(((x - mean) / std).contiguous(memory_format=layout))

    images = read_idx(args.images, args.limit).astype(np.float32)[:, None] / np.float32(255)
    labels = read_idx(args.labels, args.limit).astype(np.int64)
    n = len(labels)
    ids = np.arange(n)
    # The random starts depend only on (seed, id): the same for every config, drawn once.
    starts = torch.from_numpy(random_start(args.seed, ids, images, args.eps))
    x_all, y_all = torch.from_numpy(images), torch.from_numpy(labels)
    alpha = torch.tensor(args.alpha, dtype=torch.float32)

    pruner = Pruner(model)
    baseline_adv = None
    rows = []
    for kind, k, value in grid(args):
        ratio = pruner.apply(k, value, args.seed) if k else 0.0
        clean_pred = torch.empty(n, dtype=torch.int64)
        adv_pred = torch.empty(n, dtype=torch.int64)
        advs = []
        for i in range(0, n, args.batch):
            x, y = x_all[i : i + args.batch], y_all[i : i + args.batch]
            lower, upper = (x - args.eps).clamp(0, 1), (x + args.eps).clamp(0, 1)
            adv = starts[i : i + args.batch]
            for _ in range(args.steps):
                adv = adv.detach().requires_grad_(True)
                loss = F.cross_entropy(logits(adv), y, reduction="sum")
                (g,) = torch.autograd.grad(loss, adv)
                adv = torch.min(torch.max(adv.detach() + g.sign() * alpha, lower), upper)
            adv = torch.round(adv * 255) / 255
            with torch.inference_mode():
                clean_pred[i : i + args.batch] = logits(x).argmax(1)
                adv_pred[i : i + args.batch] = logits(adv).argmax(1)
                if baseline_adv is not None:
                    logits(baseline_adv[i // args.batch]).argmax(1)  # transfer from baseline
            advs.append(adv)
        if k is None:
            baseline_adv = advs
        correct = clean_pred == y_all
        rows.append(
            (
                label(k, value),
                ratio,
                correct.float().mean().item(),
                (adv_pred == y_all).float().mean().item(),
                (adv_pred != clean_pred).float().mean().item(),
                (correct & (adv_pred != y_all)).sum().item() / max(1, correct.sum().item()),
                n,
            )
        )

    print("| Model                  | Attack     | prune ratio | Clean Accuracy | Remnant Accuracy"
          " | Prediction Change Rate | Strict Attack Success Rate |  images |")
    print("|------------------------|------------|-------------|----------------|-----------------"
          "-|------------------------|----------------------------|---------|")
    for name, ratio, clean, remnant, change, strict, count in rows:
        print(f"| {name:<22} | {'pgd-linf':<10} | {100 * ratio:10.4f}% | {100 * clean:13.2f}% |"
              f" {100 * remnant:15.2f}% | {100 * change:21.2f}% | {100 * strict:25.2f}% |"
              f" {count:7d} |")
    print(f"torch {torch.__version__}, {args.threads} threads, {n} images, {len(rows)} configs,"
          f" {args.steps} PGD steps, ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', 'unset')}"
          f", GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', 'unset')}")
    print(f"wall_s {time.time() - started:.2f}")


if __name__ == "__main__":
    main()

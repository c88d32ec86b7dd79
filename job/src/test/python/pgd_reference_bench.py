#!/usr/bin/env python3
"""PyTorch eager reference for the benchmark: the same PGD (and clean/adversarial evaluation) on the
same TorchScript model and the same images as the Java side, with the same thread count.

    /usr/bin/python3 job/src/test/python/pgd_reference_bench.py MODEL IDX_IMAGES N THREADS \
        EPS ALPHA STEPS BATCH MEAN STD REPS

Prints one line: `image_steps_per_sec <value>` (best of REPS timed passes after one warm-up).
"""
import gzip
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_idx(path, n):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    return arr[:n]


def main():
    model_path, idx, n, threads, eps, alpha, steps, batch, mean, std, reps = sys.argv[1:12]
    n, threads, steps, batch, reps = int(n), int(threads), int(steps), int(batch), int(reps)
    eps, alpha, mean, std = float(eps), float(alpha), float(mean), float(std)
    torch.set_num_threads(threads)
    model = torch.jit.load(model_path)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x_all = torch.from_numpy(read_idx(idx, n).astype(np.float32)).unsqueeze(1) / 255.0
    y_all = torch.randint(0, 10, (n,))

    def f(x):
        return model((x - mean) / std)

    def one_pass():
        for i in range(0, n, batch):
            x, y = x_all[i:i + batch], y_all[i:i + batch]
            lower, upper = (x - eps).clamp(0, 1), (x + eps).clamp(0, 1)
            adv = (x + torch.empty_like(x).uniform_(-eps, eps)).clamp(0, 1)
            for _ in range(steps):
                adv = adv.detach().requires_grad_(True)
                loss = F.cross_entropy(f(adv), y, reduction="sum")
                g, = torch.autograd.grad(loss, adv)
                adv = torch.min(torch.max(adv.detach() + alpha * g.sign(), lower), upper)
            adv = torch.round(adv * 255) / 255
            with torch.no_grad():
                f(x).argmax(1)
                f(adv).argmax(1)

    one_pass()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        one_pass()
        best = min(best, time.perf_counter() - t0)
    print(f"image_steps_per_sec {n * steps / best:.1f}")


if __name__ == "__main__":
    main()

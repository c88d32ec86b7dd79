#!/usr/bin/env python3
"""float64 reference for ResnetBench.java: same model, input pattern, labels and loss, computed in
float64 by the local PyTorch (Debian's 1.13 here; float64 convolutions do not use oneDNN), then
compared with the logits + input gradient that ResnetBench wrote to each OUT.bin.

    python3 compare_model.py MODEL.pt N C H W OUT.bin [OUT.bin ...]
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

from repro_conv import pattern


def main():
    model_path, n, c, h, w = sys.argv[1], *map(int, sys.argv[2:6])
    model = torch.jit.load(model_path).double().eval()
    x = torch.from_numpy(pattern(n * c * h * w, 1)).double().reshape(n, c, h, w).requires_grad_(True)
    logits = model(x)
    y = torch.arange(n) % logits.shape[1]
    F.cross_entropy(logits, y, reduction="sum").backward()
    ref_l, ref_g = logits.detach().flatten().numpy(), x.grad.flatten().numpy()
    print(f"reference: torch {torch.__version__} float64; max|logit| {np.abs(ref_l).max():.3g}, "
          f"max|grad| {np.abs(ref_g).max():.3g}")
    for f in sys.argv[6:]:
        v = np.fromfile(f, dtype="<f4").astype(np.float64)
        lg, gr = v[:ref_l.size], v[ref_l.size:]
        rel = np.linalg.norm(gr - ref_g) / np.linalg.norm(ref_g)
        print(f"{f}: logits max|err| {np.abs(lg - ref_l).max():.3g}; input grad max|err| "
              f"{np.abs(gr - ref_g).max():.3g}, relative L2 error {rel:.3g}")


if __name__ == "__main__":
    main()

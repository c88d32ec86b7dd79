#!/usr/bin/env python3
"""float32 conv2d (no bias) on CPU vs a float64 reference: forward output and the input gradient
of sum(conv(x, w) * g), for an NCHW-contiguous and a channels-last x.

Same deterministic inputs as ConvRepro.java (values k/2^23 - 1 in [-1, 1), exact in float32), so
the numbers printed by the two programs can be compared directly. The float64 reference is
torch's own conv2d in float64, which does not go through oneDNN (check with ONEDNN_VERBOSE=1).

    python3 repro_conv.py [--threads T] [--reps R] [--layout nchw|nhwc|both] [--dump] N CIN COUT H W K STRIDE PAD
    python3 repro_conv.py [--threads T] [--reps R] --sweep [--quiet]
    python3 repro_conv.py [--threads T] [--reps R] --shapes "N,CIN,COUT,H,W,K,STRIDE,PAD;..."

Set ONEDNN_MAX_CPU_ISA / ONEDNN_VERBOSE in the environment (oneDNN reads them once).
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F


def pattern(n, salt):
    i = np.arange(n, dtype=np.uint64)
    m = np.uint64(0xFFFFFFFF)
    h = (i * np.uint64(2654435761) + np.uint64(salt * 40503 + 12345)) & m
    for _ in range(3):
        h ^= h >> np.uint64(16)
        if _ < 2:
            h = (h * np.uint64(0x45D9F3B)) & m
    return ((h >> np.uint64(8)).astype(np.float64) / 8388608.0 - 1.0).astype(np.float32)


def run(case, channels_last, reps, dump=False):
    n, cin, cout, h, w, k, s, p = case
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    x = torch.from_numpy(pattern(n * cin * h * w, 1)).reshape(n, cin, h, w)
    wt = torch.from_numpy(pattern(cout * cin * k * k, 2)).reshape(cout, cin, k, k)
    g = torch.from_numpy(pattern(n * cout * oh * ow, 3)).reshape(n, cout, oh, ow)

    xd = x.double().requires_grad_(True)
    yd = F.conv2d(xd, wt.double(), None, s, p)
    (yd * g.double()).sum().backward()
    y_ref, dx_ref = yd.detach(), xd.grad

    fwd_err = grad_err = 0.0
    first = None
    varies = [False, False]
    for r in range(reps):
        xf = x.clone()
        if channels_last:
            xf = xf.contiguous(memory_format=torch.channels_last)
        xf.requires_grad_(True)
        gf = g.contiguous(memory_format=torch.channels_last) if channels_last else g
        y = F.conv2d(xf, wt, None, s, p)
        (y * gf).sum().backward()
        y, dx = y.detach().contiguous(), xf.grad.contiguous()
        if dump:
            print(f"  run {r} {'nhwc' if channels_last else 'nchw'} y  = {y.flatten().tolist()}")
            print(f"  run {r} {'nhwc' if channels_last else 'nchw'} dx = {dx.flatten().tolist()}")
        fwd_err = max(fwd_err, (y.double() - y_ref).abs().max().item())
        grad_err = max(grad_err, (dx.double() - dx_ref).abs().max().item())
        if first is None:
            first = (y, dx)
        else:
            varies[0] |= not torch.equal(first[0], y)
            varies[1] |= not torch.equal(first[1], dx)
    if dump:
        print(f"  reference y  = {y_ref.flatten().tolist()}")
        print(f"  reference dx = {dx_ref.flatten().tolist()}")
    return fwd_err, grad_err, varies, y_ref.abs().max().item(), dx_ref.abs().max().item()


def bad(err, scale):
    return not (err <= 1e-4 * max(1.0, scale))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--layout", default="both")
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--dump", action="store_true")
    ap.add_argument("--shapes", help='"N,CIN,COUT,H,W,K,STRIDE,PAD;..."')
    ap.add_argument("case", nargs="*", type=int)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, oneDNN {getattr(torch.backends.mkldnn, 'version', lambda: '?')()}, "
          f"threads {torch.get_num_threads()}, "
          f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', '(unset)')}")
    if a.sweep:
        cases = [(n, cin, cout, hw, hw, k, s, p)
                 for k in (1, 3) for s in (1, 2) for p in (0, 1) for n in (1, 2)
                 for cin in (1, 2, 3, 4, 8, 16) for cout in (1, 2, 4, 8, 16)
                 for hw in (1, 2, 3, 4, 5, 6, 8) if hw + 2 * p >= k and p < k]
    elif a.shapes:
        cases = [tuple(int(v) for v in sh.split(",")) for sh in a.shapes.split(";")]
    else:
        assert len(a.case) == 8, "need N CIN COUT H W K STRIDE PAD"
        cases = [tuple(a.case)]
    layouts = ["nchw", "nhwc"] if a.layout == "both" else [a.layout]
    failing = 0
    for c in cases:
        for lay in layouts:
            fe, ge, var, fs, gs = run(c, lay == "nhwc", a.reps, a.dump)
            fb, gb = bad(fe, fs), bad(ge, gs)
            failing += fb or gb
            if not a.quiet or fb or gb:
                desc = "N=%d Cin=%d Cout=%d H=%d W=%d k=%d stride=%d pad=%d" % c
                print(f"{desc:<52} {lay:<4}  fwd maxerr {fe:.3g} (|ref|max {fs:.3g}) "
                      f"{'WRONG' if fb else 'ok'}{' VARIES' if var[0] else ''}   "
                      f"dgrad maxerr {ge:.3g} (|ref|max {gs:.3g}) "
                      f"{'WRONG' if gb else 'ok'}{' VARIES' if var[1] else ''}")
    print(f"cases run: {len(cases)} x layouts; failing: {failing}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Export torchvision's pretrained ResNet-18 for conf/seed-table.conf: float and int8 TorchScript.

Run where PyTorch, torchvision and the pretrained weights are available (the weights download
from torchvision's model hub on first use, or set TORCH_HOME to a directory that has them):
    python3 deploy/models/export_resnet18.py --out /models

Writes:
  resnet18.pt       float32, eval mode; takes NORMALIZED [N, 3, 224, 224] input: the job applies
                    ImageNet's mean/std itself (sweep.model.mean / std), so attacks stay in pixel space
  resnet18-int8.pt  torchvision's int8-quantized ResNet-18 (fbgemm), eval mode, CPU only, same input;
                    the transfer target of the study's "pretrained-qt" row
"""
import argparse
import os

import torch
import torchvision


def load(builder, **kwargs):
    try:  # torchvision >= 0.13
        return builder(weights="DEFAULT", **kwargs)
    except TypeError:
        return builder(pretrained=True, **kwargs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    example = torch.zeros(1, 3, 224, 224)

    float_model = load(torchvision.models.resnet18).eval()
    torch.jit.trace(float_model, example).save(os.path.join(args.out, "resnet18.pt"))

    torch.backends.quantized.engine = "fbgemm"
    int8 = load(torchvision.models.quantization.resnet18, quantize=True).eval()
    torch.jit.trace(int8, example).save(os.path.join(args.out, "resnet18-int8.pt"))
    print("wrote", os.path.join(args.out, "resnet18.pt"), "and resnet18-int8.pt")


if __name__ == "__main__":
    main()

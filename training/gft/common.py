# SPDX-License-Identifier: GPL-3.0-or-later
"""Small helpers shared by the training stages: device, seeds, logging, image maths."""
import json
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


class Log:
    """Prints to stdout and appends to a log file (flushed each line)."""

    def __init__(self, path=None):
        self.t0 = time.time()
        self.f = open(path, "a", encoding="utf-8") if path else None

    def __call__(self, *parts):
        line = "[%7.1fs] %s" % (time.time() - self.t0, " ".join(str(p) for p in parts))
        print(line, flush=True)
        if self.f:
            self.f.write(line + "\n")
            self.f.flush()


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def start_run(out, seed):
    """The usual start of a CPU-or-GPU stage: its folder, its log (out/train.log), fixed seeds,
    torch threads from GFT_THREADS (default 1). Returns the log."""
    os.makedirs(out, exist_ok=True)
    log = Log(os.path.join(out, "train.log"))
    seed_all(seed)
    torch.set_num_threads(int(os.environ.get("GFT_THREADS", "1")))
    return log


class all_cores:
    """with all_cores(device): inference on every CPU core. Training runs fastest on one torch
    thread here (machine notes), but inference convolutions do not: encoding code grids took
    6.8 ms per image on 2 threads against 11.3 on one. Does nothing on a GPU."""

    def __init__(self, device):
        self.cpu = torch.device(device).type == "cpu"

    def __enter__(self):
        self.saved = torch.get_num_threads()
        if self.cpu:
            torch.set_num_threads(os.cpu_count() or 1)
        return self

    def __exit__(self, *exc):
        torch.set_num_threads(self.saved)
        return False


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def autocast(device):
    """bf16 autocast on CUDA, a no-op context on CPU."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def make_adamw(params, lr, wd, betas, device):
    kw = dict(lr=lr, weight_decay=wd, betas=betas)
    if device.type == "cuda":
        try:
            return torch.optim.AdamW(params, fused=True, **kw)
        except (TypeError, RuntimeError):
            pass
    return torch.optim.AdamW(params, **kw)


def cosine_lr(progress, base, warm_frac, floor_frac=0.1):
    """Warm-up then cosine to floor_frac * base; progress in [0, 1]."""
    if progress < warm_frac:
        return base * max(progress / warm_frac, 1e-3)
    p = min(1.0, (progress - warm_frac) / max(1e-9, 1.0 - warm_frac))
    return base * (floor_frac + (1 - floor_frac) * 0.5 * (1 + np.cos(np.pi * p)))


def premultiply(u8):
    """uint8 straight RGBA [B, H, W, 4] (any device) -> float premultiplied NCHW in [0, 1]."""
    x = u8.permute(0, 3, 1, 2).float() / 255.0
    return torch.cat([x[:, :3] * x[:, 3:4], x[:, 3:4]], 1)


def judge_input(premul128):
    """The judge sees the 64 px box-filtered premultiplied image."""
    return F.avg_pool2d(premul128, 2)


def composite(premul, bg):
    """premul [B,4,H,W], bg [B,3,1,1] or float -> RGB over an opaque background."""
    return premul[:, :3] + (1 - premul[:, 3:4]) * bg


def psnr(a, b):
    """Per-image PSNR (dB) between [B,C,H,W] tensors in [0, 1]."""
    mse = ((a - b) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return 10 * torch.log10(1.0 / mse)


def save_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False, sort_keys=True)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def env_float(name, default):
    v = os.environ.get(name)
    return float(v) if v not in (None, "") else default


def fmt_secs(s):
    return "%dm%02ds" % (s // 60, s % 60)


def die(msg):
    print("error: " + msg, file=sys.stderr)
    sys.exit(1)

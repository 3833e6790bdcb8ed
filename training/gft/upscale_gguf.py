# SPDX-License-Identifier: GPL-3.0-or-later
"""The 2x upscaler (gft.upscaler) in a model file: its optional up.* tensors and gft.upscale.*
keys (docs/model-format.md, "Upscaler"), the reference forward pass over them, and a command that
adds a trained upscaler to an existing model file.

Conv weights are stored flattened to [cout, cin * 9] (ggml dims (cin * 9, cout)) as F16, biases
as F32; up.conv0 is the conv in, up.conv{n_mid + 1} the conv out (16 channels: 4 per sub-pixel).

  cd training && python3 -m gft.upscale_gguf --model ../models/gft-emoji.gguf \\
      --upscaler runs/sr/upscaler.pt -o ../models/gft-emoji.gguf
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from .gguf_writer import T_F16, T_F32, GGUFFile, copy_of, run_file_tool
from .upscaler import Upscaler, clamp_premul


def convs_of(model):
    """(weight [cout, cin, 3, 3], bias [cout]) of every conv, in file order."""
    convs = [model.conv_in, *model.mid, model.conv_out]
    return [(c.weight.detach(), c.bias.detach()) for c in convs]


def random_upscaler(seed, channels=8, n_mid=1, scale=0.3):
    """An upscaler with fixed random weights (numpy RandomState(seed)), for tests: the conv out
    is not zero, so the correction shows."""
    model = Upscaler(channels, n_mid)
    rng = np.random.RandomState(seed)
    sd = {k: torch.from_numpy(np.asarray(scale * rng.standard_normal(tuple(t.shape)), np.float32))
          for k, t in model.state_dict().items()}
    model.load_state_dict(sd)
    return model.eval()


def add_to_writer(w, model):
    w.add_u32("gft.upscale.channels", model.channels)
    w.add_u32("gft.upscale.n_mid", model.n_mid)
    for i, (weight, bias) in enumerate(convs_of(model)):
        w.add_tensor(f"up.conv{i}.weight", weight.float().reshape(weight.shape[0], -1), T_F16)
        w.add_tensor(f"up.conv{i}.bias", bias.float(), T_F32)


class FileUpscaler:
    """The upscaler as a model file holds it (F16 weights as F32): the engine's reference."""

    def __init__(self, f):
        kv = f.kv
        self.channels, self.n_mid = kv["gft.upscale.channels"], kv["gft.upscale.n_mid"]
        self.conv, c_in = [], 4
        for i in range(self.n_mid + 2):
            c_out = 16 if i == self.n_mid + 1 else self.channels
            w = torch.from_numpy(f.tensor(f"up.conv{i}.weight")).reshape(c_out, c_in, 3, 3)
            self.conv.append((w, torch.from_numpy(f.tensor(f"up.conv{i}.bias"))))
            c_in = c_out

    @torch.no_grad()
    def __call__(self, premul_nhwc):
        """clamped premultiplied [n, H, W, 4] -> clamped premultiplied [n, 2H, 2W, 4]."""
        x = premul_nhwc.permute(0, 3, 1, 2).float()
        h = x
        for i, (w, b) in enumerate(self.conv):
            h = F.conv2d(h, w, b, padding=1)
            if i + 1 < len(self.conv):
                h = F.silu(h)
        y = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False) + F.pixel_shuffle(h, 2)
        return clamp_premul(y).permute(0, 2, 3, 1).contiguous()


def load(path_or_file):
    """-> FileUpscaler, or None when the file has no upscaler."""
    f = GGUFFile(path_or_file) if isinstance(path_or_file, str) else path_or_file
    return FileUpscaler(f) if "gft.upscale.channels" in f.kv else None


def embed(src_path, model, out_path, description=None):
    """Copies the model file src_path (every key and tensor byte for byte, but any older
    upscaler) and adds the upscaler; description: a new general.description (its size)."""
    rewrite = {"general.description": lambda w, k: w.add_string(k, description)} if description else None
    w = copy_of(src_path, keep_key=lambda k: not k.startswith("gft.upscale."),
                keep_tensor=lambda n: not n.startswith("up."), rewrite=rewrite)
    if model is not None:
        add_to_writer(w, model)
    w.write_replacing(out_path)


def main(argv=None):
    from .upscaler import load as load_upscaler
    ap = argparse.ArgumentParser(description="Add a trained 2x upscaler (gft.upscaler) to a model file.")
    ap.add_argument("--model", required=True, help="the model file to copy")
    ap.add_argument("--upscaler", help="gft.train_upscaler's output (.pt); without it, the copy has none")
    ap.add_argument("--description", help="a new general.description (the output size changes)")
    ap.add_argument("-o", "--output", required=True, help="the new model file (may be --model)")
    a = ap.parse_args(argv)

    def work():
        embed(a.model, load_upscaler(a.upscaler) if a.upscaler else None, a.output, a.description)
        return f"wrote {a.output}: {os.path.getsize(a.output)} bytes"
    return run_file_tool("upscale_gguf", work)


if __name__ == "__main__":
    sys.exit(main())

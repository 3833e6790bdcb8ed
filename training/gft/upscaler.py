# SPDX-License-Identifier: GPL-3.0-or-later
"""The 2x upscaler: the VQ decoder's 128 px picture -> a sharper 256 px one.

A small residual CNN on the premultiplied RGBA picture (ESPCN-like): a 3x3 conv in, a few 3x3
convs with SiLU, a 3x3 conv out to 4 x 4 numbers per pixel, a pixel shuffle to 2x, plus the
bilinear 2x of the input. Premultiplied RGBA keeps colour from bleeding out of transparent
parts. The output is clamped to 0..1, colour to at most alpha. The engine runs the same maths
(engine/upscale.c); docs/model-format.md, "Upscaler", names the tensors.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

CHANNELS = 32
N_MID = 3


class Upscaler(nn.Module):
    def __init__(self, channels=CHANNELS, n_mid=N_MID):
        super().__init__()
        self.channels, self.n_mid = channels, n_mid
        self.conv_in = nn.Conv2d(4, channels, 3, padding=1)
        self.mid = nn.ModuleList(nn.Conv2d(channels, channels, 3, padding=1) for _ in range(n_mid))
        self.conv_out = nn.Conv2d(channels, 16, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)  # starts as plain bilinear
        nn.init.zeros_(self.conv_out.bias)

    def residual(self, x):
        h = F.silu(self.conv_in(x))
        for conv in self.mid:
            h = F.silu(conv(h))
        return F.pixel_shuffle(self.conv_out(h), 2)

    def forward(self, x):
        """x: premultiplied RGBA [n, 4, H, W] in 0..1 -> [n, 4, 2H, 2W], not clamped."""
        base = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        return base + self.residual(x)


def clamp_premul(y):
    """Alpha to 0..1, colour to 0..alpha (a premultiplied picture's range)."""
    a = y[:, 3:4].clamp(0, 1)
    return torch.cat([torch.minimum(y[:, :3].clamp(min=0), a), a], dim=1)


@torch.inference_mode()
def upscale(model, premul_nhwc):
    """premultiplied [n, H, W, 4] -> clamped premultiplied [n, 2H, 2W, 4]."""
    x = premul_nhwc.permute(0, 3, 1, 2).contiguous()
    return clamp_premul(model(x)).permute(0, 2, 3, 1).contiguous()


def save(model, path):
    torch.save({"channels": model.channels, "n_mid": model.n_mid, "state": model.state_dict()}, path)


def load(path):
    ck = torch.load(path, map_location="cpu")
    model = Upscaler(ck["channels"], ck["n_mid"])
    model.load_state_dict(ck["state"])
    return model.eval()

"""VQ image tokenizer: encoder (training only), l2-normalised codebook, decoder (engine reference).

The decoder's structure and tensor names are fixed by docs/model-format.md.
Images are premultiplied RGBA in [0, 1], NCHW.
"""
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class VQConfig:
    codebook_size: int = 1024
    code_dim: int = 8
    dec_channels: tuple = (256, 128, 64, 32)  # C[0..n_up]; output = grid * 2**n_up
    dec_n_res: int = 1
    n_groups: int = 16
    norm_eps: float = 1e-6
    enc_channels: tuple = (64, 128, 256)  # enc_input px, halved len-1 times -> token grid
    enc_n_res: int = 1
    enc_input: int = 64  # the encoder sees the 128 px image box-filtered to this size
    bg_code: int = -1  # code reserved for fully transparent patches (-1: none)


def vq_config(d):
    """VQConfig from a checkpoint's vq_cfg dict (channel lists stored as lists)."""
    d = dict(d)
    for k in ("dec_channels", "enc_channels"):
        if k in d:
            d[k] = tuple(d[k])
    return VQConfig(**d)


def vq_from_checkpoint(ck):
    """The tokenizer of a checkpoint dict with vq and vq_cfg (a run's final.pt, vq-gpu2.pt),
    in float32 and eval mode."""
    vq = VQModel(vq_config(ck["vq_cfg"]))
    vq.load_state_dict({k: v.float() for k, v in ck["vq"].items()})
    return vq.eval()


def load_vq(path):
    return vq_from_checkpoint(torch.load(path, map_location="cpu"))


def encoder_grid(cfg: VQConfig):
    """Token grid side the encoder produces."""
    return cfg.enc_input // (2 ** (len(cfg.enc_channels) - 1))


def transparent_patches(premul128, grid):
    """[B, grid, grid] bool: patches of the 128 px premultiplied image whose alpha is 0
    everywhere (<= 1/255). With cfg.bg_code >= 0 they all get that one code, so the
    transformer sees one background token instead of context-dependent codes."""
    a = premul128[:, 3:4].float()
    k = a.shape[-1] // grid
    return (F.max_pool2d(a, k) <= 1.0 / 255.0).squeeze(1)


class ResBlock(nn.Module):
    def __init__(self, c, groups, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, c, eps=eps)
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, c, eps=eps)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        return x + self.conv2(F.silu(self.norm2(h)))


class Level(nn.Module):
    def __init__(self, c, c_next, n_res, groups, eps):
        super().__init__()
        for r in range(n_res):
            self.add_module(f"res{r}", ResBlock(c, groups, eps))
        self.n_res = n_res
        self.up = nn.Conv2d(c, c_next, 3, padding=1) if c_next else None

    def forward(self, x):
        for r in range(self.n_res):
            x = getattr(self, f"res{r}")(x)
        if self.up is not None:
            x = self.up(F.interpolate(x, scale_factor=2, mode="nearest"))
        return x


class Decoder(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        C = cfg.dec_channels
        self.conv_in = nn.Conv2d(cfg.code_dim, C[0], 3, padding=1)
        for l in range(len(C)):
            nxt = C[l + 1] if l + 1 < len(C) else None
            self.add_module(f"l{l}", Level(C[l], nxt, cfg.dec_n_res, cfg.n_groups, cfg.norm_eps))
        self.n_levels = len(C)
        self.norm_out = nn.GroupNorm(cfg.n_groups, C[-1], eps=cfg.norm_eps)
        self.conv_out = nn.Conv2d(C[-1], 4, 3, padding=1)

    def forward(self, z):
        h = self.conv_in(z)
        for l in range(self.n_levels):
            h = getattr(self, f"l{l}")(h)
        return self.conv_out(F.silu(self.norm_out(h)))  # unclamped (training loss)


class Encoder(nn.Module):
    """Strided conv encoder, RGBA -> code_dim at 1/2**(len(enc_channels)-1)."""

    def __init__(self, cfg: VQConfig):
        super().__init__()
        C = cfg.enc_channels
        layers = [nn.Conv2d(4, C[0], 3, padding=1)]
        for i, c in enumerate(C):
            layers += [ResBlock(c, cfg.n_groups, cfg.norm_eps) for _ in range(cfg.enc_n_res)]
            if i + 1 < len(C):
                layers.append(nn.Conv2d(c, C[i + 1], 4, stride=2, padding=1))
        layers += [nn.GroupNorm(cfg.n_groups, C[-1], eps=cfg.norm_eps), nn.SiLU(),
                   nn.Conv2d(C[-1], cfg.code_dim, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class Quantizer(nn.Module):
    """l2-normalised codebook with EMA updates and dead-code restart.

    With bg_code >= 0 that code is reserved: patches flagged transparent always get it (no
    EMA update, no commitment loss, no restart) and no other patch may pick it."""

    def __init__(self, K, dim, decay=0.99, dead_threshold=2.0, bg_code=-1):
        super().__init__()
        self.K, self.dim, self.decay, self.dead = K, dim, decay, dead_threshold
        self.bg_code = bg_code
        emb = F.normalize(torch.randn(K, dim), dim=1)
        self.register_buffer("codebook", emb)
        self.register_buffer("ema_count", torch.ones(K))
        self.register_buffer("ema_sum", emb.clone())
        self.register_buffer("initted", torch.tensor(0))

    def _nearest(self, zf, bg):
        """Nearest code per row of zf; bg (flat bool or None) forces the reserved code."""
        sim = zf @ self.codebook.t()
        if self.bg_code < 0:
            return sim.argmax(1)
        sim[:, self.bg_code] = float("-inf")
        idx = sim.argmax(1)
        if bg is not None:
            idx = torch.where(bg.reshape(-1), torch.full_like(idx, self.bg_code), idx)
        return idx

    def indices(self, z, bg=None):
        """z [B, D, H, W] (unnormalised), bg [B, H, W] bool or None -> code indices [B, H, W]."""
        zf = F.normalize(z.permute(0, 2, 3, 1).reshape(-1, self.dim), dim=1)
        idx = self._nearest(zf, bg)
        return idx.view(z.shape[0], z.shape[2], z.shape[3])

    def lookup(self, idx):
        """idx [B, H, W] -> [B, D, H, W]"""
        return self.codebook[idx].permute(0, 3, 1, 2).contiguous()

    def forward(self, z, bg=None):
        B, D, H, W = z.shape
        zf = F.normalize(z.permute(0, 2, 3, 1).reshape(-1, D), dim=1)
        if self.training and self.initted.item() == 0:
            sel = zf[torch.randint(0, zf.shape[0], (self.K,), device=zf.device)].detach()
            self.codebook.copy_(sel)
            self.ema_sum.copy_(sel)
            self.initted.fill_(1)
        idx = self._nearest(zf, bg)
        q = self.codebook[idx]
        live = None if self.bg_code < 0 else (idx != self.bg_code)
        if self.training:
            with torch.no_grad():
                onehot = F.one_hot(idx, self.K).type(zf.dtype)
                if live is not None:
                    onehot = onehot * live.unsqueeze(1).type(zf.dtype)
                self.ema_count.mul_(self.decay).add_(onehot.sum(0), alpha=1 - self.decay)
                self.ema_sum.mul_(self.decay).add_(onehot.t() @ zf, alpha=1 - self.decay)
                self.codebook.copy_(F.normalize(self.ema_sum, dim=1))
                if live is not None:  # the reserved code keeps its vector
                    self.ema_sum[self.bg_code] = self.codebook[self.bg_code]
                    self.ema_count[self.bg_code] = 1.0
                    self.codebook[self.bg_code] = self.ema_sum[self.bg_code]
                dead = self.ema_count < self.dead
                if self.bg_code >= 0:
                    dead[self.bg_code] = False
                nd = int(dead.sum())
                pool = zf if live is None or not bool(live.any()) else zf[live]
                if nd:
                    sel = pool[torch.randint(0, pool.shape[0], (nd,), device=zf.device)]
                    self.codebook[dead] = sel
                    self.ema_sum[dead] = sel
                    self.ema_count[dead] = 1.0
        if live is None:
            commit = F.mse_loss(zf, q.detach())
        else:
            w = live.type(zf.dtype).unsqueeze(1)
            commit = ((zf - q.detach()) ** 2 * w).sum() / (w.sum() * D).clamp_min(1.0)
        st = zf + (q - zf).detach()  # straight-through
        q = st if live is None else torch.where(live.unsqueeze(1), st, q.detach())
        q = q.view(B, H, W, D).permute(0, 3, 1, 2).contiguous()
        return q, idx.view(B, H, W), commit


class VQModel(nn.Module):
    def __init__(self, cfg: VQConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.quantizer = Quantizer(cfg.codebook_size, cfg.code_dim, bg_code=cfg.bg_code)
        self.decoder = Decoder(cfg)

    def encoder_input(self, premul128):
        """The encoder's input: the 128 px premultiplied image box-filtered to cfg.enc_input."""
        f = premul128.shape[-1] // self.cfg.enc_input
        return F.avg_pool2d(premul128, f) if f > 1 else premul128

    def background(self, premul128):
        """Transparent-patch mask [B, H, W] (None when no code is reserved)."""
        if self.cfg.bg_code < 0:
            return None
        return transparent_patches(premul128, encoder_grid(self.cfg))

    def forward(self, premul128):
        z = self.encoder(self.encoder_input(premul128))
        q, idx, commit = self.quantizer(z, self.background(premul128))
        return self.decoder(q), idx, commit

    @torch.no_grad()
    def encode(self, premul128):
        """128 px premultiplied RGBA [B, 4, 128, 128] -> code indices [B, H, W]."""
        z = self.encoder(self.encoder_input(premul128))
        return self.quantizer.indices(z.float(), self.background(premul128))

    @torch.no_grad()
    def decode_indices(self, idx):
        """Reference decode: clamped premultiplied RGBA, as the engine computes it."""
        return self.decoder(self.quantizer.lookup(idx)).clamp(0, 1)


def unpremultiply_u8(premul):
    """premul [..., 4] float in [0,1] channel-last -> straight uint8 RGBA (engine rule)."""
    a = premul[..., 3:4]
    rgb = torch.where(a > 0, torch.clamp(premul[..., :3] / a.clamp_min(1e-12), max=1.0),
                      torch.zeros_like(premul[..., :3]))
    out = torch.cat([rgb, a], -1)
    return torch.floor(out * 255 + 0.5).to(torch.uint8)

# SPDX-License-Identifier: GPL-3.0-or-later
"""Write a Generate-from-Text model as one GGUF file (docs/model-format.md).

Sources:
  * in Python: export_model(gft, decoder, codebook, tokenizer, known_words,
    sampling, path, ...) with a GFT (model.py), a vq.Decoder, the
    l2-normalised codebook [K, code_dim], a text.BPETokenizer;
  * a training checkpoint (`--checkpoint FILE`);
  * fixed random weights (`--random tiny|ship --seed N`) for tests and the
    placeholder model.

Training checkpoint: one torch.save()d dict with
    'gft'         GFT.state_dict()
    'gft_cfg'     dataclasses.asdict(GFTConfig)   (text_vocab == tokenizer size)
    'vq'          VQModel.state_dict()  (only 'decoder.*' and
                  'quantizer.codebook' are used; encoder entries are ignored)
    'vq_cfg'      dataclasses.asdict(VQConfig)
    'tokenizer'   BPETokenizer.to_dict()  ({'model': 'bpe-bytes-v1', 'merges': [[l, r], ...]})
    'known_words' list of normalised caption words (text.build_known_words)
    'sampling'    {'temperature': float, 'top_k': int, 'top_p': float, 'guidance': float}
  optional: 'name', 'description', 'license' (strings for general.*).

Tensor types: `--type f32|f16|q8_0` sets the transformer matrices (attention,
MLP, head). Embeddings, norms, the codebook and the decoder stay F32; with
`--small` the embeddings and decoder conv weights are F16 (biases, norms F32).

CLI:
  cd training && python3 -m gft.export_gguf --random tiny --seed 1 --type f32 -o /tmp/tiny.gguf
  cd training && python3 -m gft.export_gguf --checkpoint runs/x/final.pt --type q8_0 -o m.gguf
"""
import argparse
import dataclasses
import os
import sys

import numpy as np
import torch

from .gguf_writer import ARRAY, I32, STRING, T_F16, T_F32, T_Q8_0, U32, GGUFWriter
from .model import GFT, GFTConfig
from .text import SPECIAL_NAMES, BPETokenizer, build_known_words, train_bpe
from .vq import Decoder, VQConfig, vq_config

WEIGHT_TYPES = {"f32": T_F32, "f16": T_F16, "q8_0": T_Q8_0}
MATRIX_SUFFIXES = ("attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_out.weight",
                   "ffn_up.weight", "ffn_down.weight")
EMBEDDINGS = ("text_emb.weight", "text_pos", "img_emb.weight", "img_row", "img_col")

DEFAULT_SAMPLING = {"temperature": 1.0, "top_k": 0, "top_p": 0.95, "guidance": 3.0}


def _gft_tensor_type(name, wtype, small):
    if name == "head.weight" or name.endswith(MATRIX_SUFFIXES):
        return wtype
    if name in EMBEDDINGS:
        return T_F16 if small else T_F32
    return T_F32


def _dec_tensor_type(name, small):
    if small and name.endswith(".weight") and ("conv" in name or ".up." in name):
        return T_F16
    return T_F32


def export_model(gft, decoder, codebook, tokenizer, known_words, sampling, path,
                 wtype="f32", small=False, vq_cfg=None, name="", description="", license_id="",
                 rerank=None, candidates=1):
    """Writes the GGUF file. vq_cfg: the VQConfig (n_res, groups, eps, channels).
    rerank: an optional gft.rerank.Reranker (written as rr.* tensors in the transformer
    matrices' type where rows allow), with candidates its default best of K."""
    cfg = gft.cfg
    if vq_cfg is None:
        raise ValueError("vq_cfg is required")
    ttype = WEIGHT_TYPES[wtype] if isinstance(wtype, str) else wtype
    codebook = torch.as_tensor(codebook).detach().float().cpu()
    K, code_dim = codebook.shape
    if K != cfg.codebook_size or K != vq_cfg.codebook_size:
        raise ValueError(f"codebook size mismatch: codebook {K}, gft {cfg.codebook_size}, vq {vq_cfg.codebook_size}")
    if cfg.text_vocab != tokenizer.vocab_size:
        raise ValueError(f"text_vocab {cfg.text_vocab} != tokenizer vocab {tokenizer.vocab_size}")
    if ttype == T_Q8_0 and (cfg.n_embd % 32 or cfg.n_ff % 32):
        raise ValueError("q8_0 needs n_embd and n_ff to be multiples of 32")

    w = GGUFWriter()
    w.add_string("general.architecture", "gft")
    w.add_u32("general.alignment", 32)
    if name:
        w.add_string("general.name", name)
    if description:
        w.add_string("general.description", description)
    if license_id:
        w.add_string("general.license", license_id)
    w.add_u32("gft.format_version", 1)
    w.add_u32("gft.n_embd", cfg.n_embd)
    w.add_u32("gft.n_layer", cfg.n_layer)
    w.add_u32("gft.n_head", cfg.n_head)
    w.add_u32("gft.n_ff", cfg.n_ff)
    w.add_f32("gft.norm_eps", cfg.norm_eps)
    w.add_u32("gft.text.ctx", cfg.text_ctx)
    w.add_u32("gft.text.vocab_size", cfg.text_vocab)
    w.add_u32("gft.image.grid_w", cfg.grid_w)
    w.add_u32("gft.image.grid_h", cfg.grid_h)
    w.add_u32("gft.image.codebook_size", K)
    w.add_u32("gft.vq.code_dim", code_dim)
    w.add_array("gft.dec.channels", U32, list(vq_cfg.dec_channels))
    w.add_u32("gft.dec.n_res", vq_cfg.dec_n_res)
    w.add_u32("gft.dec.n_groups", vq_cfg.n_groups)
    w.add_f32("gft.dec.norm_eps", vq_cfg.norm_eps)
    if getattr(vq_cfg, "bg_code", -1) >= 0:  # the sampler draws this code untempered
        w.add_u32("gft.vq.background_code", vq_cfg.bg_code)
    s = dict(DEFAULT_SAMPLING, **(sampling or {}))
    w.add_f32("gft.sampling.temperature", s["temperature"])
    w.add_u32("gft.sampling.top_k", s["top_k"])
    w.add_f32("gft.sampling.top_p", s["top_p"])
    w.add_f32("gft.sampling.guidance", s["guidance"])
    if s.get("guidance_ramp"):  # guidance rising from 1 over the image tokens
        w.add_u32("gft.sampling.guidance_ramp", 1)
    w.add_string("gft.tokenizer.model", "bpe-bytes-v1")
    w.add_array("gft.tokenizer.tokens", STRING, tokenizer.token_bytes)
    w.add_array("gft.tokenizer.merges", I32, [i for p in tokenizer.merges for i in p])
    kw = sorted(set(known_words), key=lambda x: x.encode("utf-8"))
    w.add_array("gft.tokenizer.known_words", STRING, kw)

    for key, t in gft.state_dict().items():
        if key == "mask":
            continue
        gname = key.replace("blocks.", "blk.", 1) if key.startswith("blocks.") else key
        w.add_tensor(gname, t.float(), _gft_tensor_type(gname, ttype, small))

    w.add_tensor("vq.codebook", codebook, T_F32)
    for key, t in decoder.state_dict().items():
        gname = "dec." + key
        w.add_tensor(gname, t.float(), _dec_tensor_type(gname, small))
    if rerank is not None:
        from .rerank_gguf import add_to_writer
        add_to_writer(w, rerank, candidates, ttype)
    tmp = path + ".tmp"
    w.write(tmp)
    os.replace(tmp, path)
    return path


# ---- checkpoints ------------------------------------------------------------------

def _strip_wrappers(sd):
    """Drops torch.compile / DataParallel key prefixes."""
    out = {}
    for k, v in sd.items():
        for pre in ("_orig_mod.", "module."):
            if k.startswith(pre):
                k = k[len(pre):]
        out[k] = v
    return out


def load_checkpoint(path):
    """-> (gft, decoder, codebook, tokenizer, known_words, sampling, vq_cfg, meta)."""
    try:  # our own file: allow the plain Python objects next to the tensors (torch >= 2.6)
        ck = torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # torch without the weights_only argument
        ck = torch.load(path, map_location="cpu")
    missing = [k for k in ("gft", "gft_cfg", "vq", "vq_cfg", "tokenizer", "known_words") if k not in ck]
    if missing:
        raise ValueError(f"{path}: checkpoint lacks {', '.join(missing)}")
    gcfg = GFTConfig(**ck["gft_cfg"])
    gft = GFT(gcfg)
    gft.load_state_dict(_strip_wrappers(ck["gft"]))
    vq_cfg = vq_config(ck["vq_cfg"])
    dec = Decoder(vq_cfg)
    vq_sd = _strip_wrappers(ck["vq"])
    dec.load_state_dict({k[len("decoder."):]: v for k, v in vq_sd.items() if k.startswith("decoder.")})
    codebook = vq_sd["quantizer.codebook"]
    tok = BPETokenizer.from_dict(ck["tokenizer"])
    meta = {k: ck.get(k, "") for k in ("name", "description", "license")}
    return gft.eval(), dec.eval(), codebook, tok, list(ck["known_words"]), ck.get("sampling"), vq_cfg, meta


# ---- random models -------------------------------------------------------------------

# A small multilingual word list (emoji-like captions), so random models get a
# real BPE and known-word list.
WORDS_EN = """
a an the of with and on in face smiling grinning laughing crying sad happy angry
tired sleeping winking kissing heart red orange yellow green blue purple brown black
white pink gray grey cat dog mouse rabbit fox bear panda koala tiger lion cow pig frog
monkey chicken bird penguin eagle duck owl fish whale dolphin octopus snail butterfly
bee ant spider turtle snake dragon unicorn horse zebra deer apple banana grape melon
watermelon lemon cherry strawberry peach pear pineapple tomato carrot corn potato bread
cheese pizza burger hotdog taco cake cookie candy chocolate coffee tea milk beer wine
cup glass bottle sun moon star cloud rain snow fire water wave tree flower rose tulip
leaf cactus mountain house car bus train plane rocket ship bicycle ball football
basketball guitar piano drum music bell book pencil phone computer camera clock key
lock hammer tool gift balloon party flag check cross arrow up down left right big small
old new man woman boy girl baby person people family hand thumbs clapping waving
pointing eyes eye nose mouth ear tongue skull ghost alien robot poop crown hat glasses
shoes shirt dress ring gem money bag box mail envelope light bulb candle magnifying
ice cream hot cold sweat tear stars rainbow lightning tornado globe map earth world
heavy plus minus question exclamation mark button square circle triangle diamond
running walking dancing swimming climbing cooking reading writing singing sleepy
"""
WORDS_DE = """
gesicht lächelndes lachendes weinendes trauriges glückliches wütendes müde herz rotes
gelbes grünes blaues schwarzes weißes katze hund maus hase fuchs bär affe huhn vogel
pinguin fisch wal schildkröte schlange drache einhorn pferd apfel banane traube zitrone
kirsche erdbeere brot käse kuchen kaffee milch bier sonne mond stern wolke regen schnee
feuer wasser baum blume blatt berg haus auto zug flugzeug rakete schiff fahrrad ball
gitarre buch uhr schlüssel geschenk flagge pfeil groß klein mann frau junge mädchen
hand augen mund krone hut brille straße grüße größer äpfel übung
"""
WORDS_FR_ES = """
visage souriant chat chien cœur rouge soleil lune étoile fleur maison voiture
cara sonriente gato perro corazón rojo sol luna estrella flor casa coche árbol
"""
WORDS_ZH = """
笑脸 哭脸 红色 爱心 猫 狗 老鼠 兔子 熊猫 老虎 狮子 牛 猪 青蛙 猴子 鸡 鸟 企鹅 鱼 鲸鱼
蝴蝶 蜜蜂 乌龟 蛇 龙 马 苹果 香蕉 葡萄 西瓜 柠檬 樱桃 草莓 面包 蛋糕 咖啡 茶 牛奶
太阳 月亮 星星 云 雨 雪 火 水 树 花 山 房子 汽车 火车 飞机 火箭 船 书 钟 钥匙 礼物
旗帜 箭头 大 小 男人 女人 手 眼睛 嘴 皇冠 帽子 眼镜
"""
WORDS_JA = """
ねこ いぬ さくら すし ラーメン おにぎり りんご みかん たいよう つき ほし はな やま
くるま でんしゃ ひこうき ロケット ハート わらい なみだ 笑顔 泣き顔 赤い 青い 猫 犬
桜 寿司 富士山 花火 雷 虹 星 月 太陽 車 電車 本 時計 鍵 贈り物 旗 矢印
"""
RANDOM_WORDS = [w for block in (WORDS_EN, WORDS_DE, WORDS_FR_ES, WORDS_ZH, WORDS_JA) for w in block.split()]


def random_captions():
    """Deterministic pseudo-captions from the word list (for the random BPE)."""
    rng = np.random.RandomState(1234)
    words = RANDOM_WORDS
    caps = list(words)
    for _ in range(2000):
        n = rng.randint(1, 5)
        caps.append(" ".join(words[i] for i in rng.randint(0, len(words), n)))
    return caps


RANDOM_CONFIGS = {
    "tiny": dict(
        gft=dict(text_ctx=16, grid_w=4, grid_h=4, codebook_size=32, n_embd=64, n_layer=2,
                 n_head=4, n_ff=128),
        vq=dict(codebook_size=32, code_dim=8, dec_channels=(32, 16), dec_n_res=1, n_groups=8),
        vocab=512),
    "ship": dict(gft=dict(), vq=dict(), vocab=GFTConfig().text_vocab),
}


def random_model(config, seed):
    """-> (gft, decoder, codebook, tokenizer, known_words, sampling, vq_cfg) with
    fixed random weights (numpy RandomState(seed), independent of torch)."""
    spec = RANDOM_CONFIGS[config]
    caps = random_captions()
    tok = train_bpe(caps, spec["vocab"], min_frequency=2)
    known = build_known_words(caps)
    gcfg = GFTConfig(text_vocab=tok.vocab_size, **spec["gft"])
    vcfg = VQConfig(**spec["vq"])
    rng = np.random.RandomState(seed)

    def normal(shape, std, mean=0.0):
        return torch.from_numpy((mean + std * rng.standard_normal(shape)).astype(np.float32))

    gft = GFT(gcfg)
    sd = {}
    for key, t in gft.state_dict().items():
        shape = tuple(t.shape)
        if key.endswith("norm.weight"):
            sd[key] = normal(shape, 0.1, 1.0)
        elif key in ("text_emb.weight", "img_emb.weight"):
            sd[key] = normal(shape, 0.5)
        elif key in ("text_pos", "img_row", "img_col"):
            sd[key] = normal(shape, 0.2)
        elif key == "head.weight":
            sd[key] = normal(shape, 2.0 / np.sqrt(shape[1]))
        else:  # square / MLP matrices: unit gain
            sd[key] = normal(shape, 1.0 / np.sqrt(shape[1]))
    gft.load_state_dict(sd)

    dec = Decoder(vcfg)
    sd = {}
    for key, t in dec.state_dict().items():
        shape = tuple(t.shape)
        if ".norm" in key or key.startswith("norm"):
            sd[key] = normal(shape, 0.1, 1.0 if key.endswith("weight") else 0.0)
        elif key == "conv_out.weight":
            sd[key] = normal(shape, 1.0 / np.sqrt(shape[1] * 9))
        elif key == "conv_out.bias":
            sd[key] = torch.tensor([0.45, 0.5, 0.55, 0.55]) + normal(shape, 0.05)
        elif key.endswith("weight"):
            sd[key] = normal(shape, 1.0 / np.sqrt(shape[1] * 9))
        else:
            sd[key] = normal(shape, 0.05)
    dec.load_state_dict(sd)
    cb = normal((vcfg.codebook_size, vcfg.code_dim), 1.0)
    codebook = cb / cb.norm(dim=1, keepdim=True)
    sampling = {"temperature": 1.0, "top_k": min(64, gcfg.codebook_size), "top_p": 0.95,
                "guidance": 3.0}
    return gft.eval(), dec.eval(), codebook, tok, known, sampling, vcfg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="training checkpoint (torch.save dict, see module doc)")
    src.add_argument("--random", choices=sorted(RANDOM_CONFIGS), help="fixed random weights")
    ap.add_argument("--seed", type=int, default=1, help="seed for --random")
    ap.add_argument("--type", default="f32", choices=sorted(WEIGHT_TYPES), help="transformer matrices")
    ap.add_argument("--small", action="store_true", help="F16 embeddings and decoder convs")
    ap.add_argument("--name", default=None)
    ap.add_argument("--description", default=None)
    ap.add_argument("--license", default=None)
    ap.add_argument("--background-code", type=int, default=None,
                    help="the code of fully transparent patches (-1: none; default: the tokenizer's)")
    ap.add_argument("--rerank", action="store_true",
                    help="with --random: add a random reranker (default best of 2)")
    ap.add_argument("--upscale", action="store_true", help="with --random: add a random 2x upscaler")
    ap.add_argument("--guidance-ramp", action="store_true",
                    help="default guidance rising from 1 over the image tokens (gft.sampling.guidance_ramp)")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    rerank = None
    try:
        if a.random:
            gft, dec, cb, tok, known, sampling, vcfg = random_model(a.random, a.seed)
            if a.rerank:
                from .rerank_gguf import random_reranker
                rerank = random_reranker(tok.vocab_size, a.seed)
            meta = {"name": f"gft-random-{a.random}-seed{a.seed}",
                    "description": f"untrained placeholder: random weights ({a.random} config, seed {a.seed})",
                    "license": "CC0-1.0"}
        else:
            gft, dec, cb, tok, known, sampling, vcfg, meta = load_checkpoint(a.checkpoint)
        for k in ("name", "description", "license"):
            if getattr(a, k) is not None:
                meta[k] = getattr(a, k)
        if a.background_code is not None:
            if not -1 <= a.background_code < vcfg.codebook_size:
                raise ValueError(f"--background-code {a.background_code} is outside -1..{vcfg.codebook_size - 1}")
            vcfg = dataclasses.replace(vcfg, bg_code=a.background_code)
        if a.guidance_ramp:
            sampling = dict(sampling, guidance_ramp=1)
        export_model(gft, dec, cb, tok, known, sampling, a.output, a.type, a.small, vcfg,
                     meta.get("name", ""), meta.get("description", ""), meta.get("license", ""),
                     rerank, 2)
        if a.random and a.upscale:
            from .upscale_gguf import embed, random_upscaler
            embed(a.output, random_upscaler(a.seed), a.output)
    except (ValueError, KeyError, RuntimeError, OSError) as e:
        print(f"export_gguf: {e}", file=sys.stderr)
        return 1
    print(f"wrote {a.output}: {os.path.getsize(a.output)} bytes, vocab {tok.vocab_size}, "
          f"{len(known)} known words", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

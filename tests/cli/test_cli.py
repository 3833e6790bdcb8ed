# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the `gft` command against a real model file.

    /usr/bin/python3 test_cli.py --gft BUILD/cli/gft --model MODEL.gguf CASE

Each CASE is one function below (meson registers one test per case). The
model is a real GGUF file: the tiny random model exported by
training/gft/export_gguf.py, or the shipped models/gft-emoji.gguf.
"""
import argparse
import fcntl
import json
import os
import signal
import stat
import struct
import subprocess
import sys
import tempfile
from math import prod

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "training"))
from gft.gguf_writer import GGUFFile, tensor_nbytes  # noqa: E402
from gft import text as gft_text  # noqa: E402

GFT = None
MODEL = None
TMP = None


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def run(*args, env=None, expect=None):
    """Runs gft with args; returns (returncode, stdout, stderr)."""
    full_env = dict(os.environ)
    full_env.pop("GFT_MODEL", None)
    if env:
        full_env.update(env)
    p = subprocess.run([GFT, *args], capture_output=True, text=True, errors="replace",
                       env=full_env, timeout=600)
    check(p.returncode >= 0, f"gft {' '.join(args)} died from signal {-p.returncode}:\n{p.stderr}")
    check("Sanitizer" not in p.stderr and "runtime error:" not in p.stderr,
          f"gft {' '.join(args)}: sanitizer report:\n{p.stderr}")
    if expect is not None and p.returncode != expect:
        raise Failure(f"gft {' '.join(args)}: exit {p.returncode}, expected {expect}\n"
                      f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p.returncode, p.stdout, p.stderr


def tmp(name):
    return os.path.join(TMP, name)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def fingerprint(data):
    """gft_model_fingerprint (gft.h), written out independently: eight FNV-1a
    64 lanes over the little-endian 64-bit words (round-robin, the last word
    zero-padded), folded by byte-wise FNV-1a over the lanes and the size."""
    prime, mask = 0x100000001B3, 0xFFFFFFFFFFFFFFFF
    lanes = [0xCBF29CE484222325] * 8
    for i, (w,) in enumerate(struct.iter_unpack("<Q", data + bytes(-len(data) % 8))):
        lanes[i % 8] = ((lanes[i % 8] ^ w) * prime) & mask
    h = 0xCBF29CE484222325
    for b in struct.pack("<9Q", *lanes, len(data)):
        h = ((h ^ b) * prime) & mask
    return f"{h:016x}"


def info_fields(model=None):
    _, out, _ = run("info", model or MODEL, expect=0)
    fields = {}
    for line in out.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def image_size(model=None):
    w, _, h = info_fields(model)["image size"].split(" ")[:3]
    return int(w), int(h)


def generate(out, *extra, prompt="red heart", seed=None, model=None):
    args = ["generate", "-m", model or MODEL, "-p", prompt, "-o", out, "-q"]
    if seed is not None:
        args += ["--seed", str(seed)]
    return run(*args, *extra, expect=0)


def check_png(path, size):
    check(os.path.isfile(path), f"{path} was not written")
    with open(path, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{path}: no PNG signature")
    with Image.open(path) as im:
        im.load()  # decodes every row: a truncated or corrupt file raises here
        check(im.format == "PNG", f"{path}: format {im.format}")
        check(im.mode == "RGBA", f"{path}: mode {im.mode}, expected RGBA")
        check(im.size == size, f"{path}: size {im.size}, expected {size}")
        return dict(im.info)


# ---- cases -----------------------------------------------------------------------

def case_generate_png():
    """One image: a valid RGBA PNG of the model's size, with its settings."""
    out = tmp("one.png")
    _, stdout, _ = generate(out, seed=3)
    meta = check_png(out, image_size())
    check(out in stdout and "seed 3" in stdout, f"stdout does not name the file and seed: {stdout!r}")
    check(meta.get("Description") == "red heart", f"prompt not stored in the PNG: {meta}")
    check("seed=3;" in meta.get("gft:parameters", ""), f"seed not stored in the PNG: {meta}")
    leftovers = [n for n in os.listdir(TMP) if ".tmp-" in n]
    check(not leftovers, f"temporary files left behind: {leftovers}")


def case_variations_numbered():
    """--variations 3 writes out-1.png .. out-3.png, and they differ."""
    out = tmp("var.png")
    generate(out, "--variations", "3", seed=5)
    size = image_size()
    paths = [tmp(f"var-{k}.png") for k in (1, 2, 3)]
    for p in paths:
        check_png(p, size)
    check(not os.path.exists(out), "var.png should not exist when variations are numbered")
    check(not os.path.exists(tmp("var-4.png")), "one file too many")
    pixels = [Image.open(p).tobytes() for p in paths]
    check(len(set(pixels)) > 1, "three variations with different seeds are all identical")


def case_same_seed_same_bytes():
    """Same seed -> byte-identical files at 1 and 2 threads, and run to run."""
    a, b, c = tmp("t1.png"), tmp("t2.png"), tmp("t2b.png")
    generate(a, "--threads", "1", seed=11)
    generate(b, "--threads", "2", seed=11)
    generate(c, "--threads", "2", seed=11)
    check(read(a) == read(b), "--threads 1 and --threads 2 give different files")
    check(read(b) == read(c), "two runs with the same seed give different files")
    d = tmp("t3.png")
    generate(d, "--threads", "1", seed=12)
    check(Image.open(d).tobytes() != Image.open(a).tobytes(), "seeds 11 and 12 give the same image")


def check_seed_plus_k(n, batches, singles):
    seed = 20
    for b in batches:
        generate(tmp(f"b{b}.png"), "--variations", str(n), "--batch", str(b), seed=seed)
    for k in singles:
        single = tmp(f"single{k}.png")
        generate(single, seed=seed + k)
        ref = Image.open(single).tobytes()
        for b in batches:
            got = Image.open(tmp(f"b{b}-{k + 1}.png")).tobytes()
            check(got == ref, f"batch {b}: variation {k} differs from a single run with seed {seed + k}")


def case_variation_is_seed_plus_k():
    """Variation k of a batch equals a single run with seed + k, whatever the batching."""
    check_seed_plus_k(4, [4, 3, 1], range(4))


def case_variation_is_seed_plus_k_light():
    """The same at a cost that suits a full-size model: 2 variations in one batch."""
    check_seed_plus_k(2, [2], [1])


def case_negative_prompt():
    """A negative prompt is accepted, stored, and changes the image."""
    a, b = tmp("plain.png"), tmp("neg.png")
    generate(a, seed=30)
    generate(b, "-n", "blue circle", seed=30)
    meta = check_png(b, image_size())
    check(meta.get("gft:negative_prompt") == "blue circle", f"negative prompt not stored: {meta}")
    check(Image.open(a).tobytes() != Image.open(b).tobytes(), "the negative prompt changed nothing")


def case_guidance_ramp():
    """--guidance-ramp 1 is stored in the PNG and changes the image; with guidance 1 there is
    nothing to ramp, so it is the plain image."""
    a, b, c, d = (tmp(n) for n in ("flat.png", "ramp.png", "one.png", "one-ramp.png"))
    generate(a, "--guidance", "4", "--guidance-ramp", "0", seed=31)
    generate(b, "--guidance", "4", "--guidance-ramp", "1", seed=31)
    meta = check_png(b, image_size())
    check("guidance=4; guidance_ramp=1;" in meta.get("gft:parameters", ""), f"ramp not stored: {meta}")
    check(Image.open(a).tobytes() != Image.open(b).tobytes(), "the ramp changed nothing")
    generate(c, "--guidance", "1", "--guidance-ramp", "0", seed=31)
    generate(d, "--guidance", "1", "--guidance-ramp", "1", seed=31)
    check(Image.open(c).tobytes() == Image.open(d).tobytes(), "a ramp to guidance 1 is not the plain image")


def case_unknown_words_warning():
    """Words the model never saw are named on stderr; the image is still made."""
    out = tmp("unknown.png")
    _, _, err = run("generate", "-m", MODEL, "-p", "red zzqqxyz heart", "-o", out, "--seed", "1",
                    expect=0)
    g = GGUFFile(MODEL)
    unknown = gft_text.unknown_words("red zzqqxyz heart", g.kv["gft.tokenizer.known_words"])
    check("zzqqxyz" in unknown, f"test premise: {unknown}")
    warnings = [line for line in err.splitlines() if line.startswith("gft: warning:")]
    check(len(warnings) == 1 and warnings[0].endswith(": " + ", ".join(unknown)),
          f"the warning does not list exactly {unknown}: {err!r}")
    check_png(out, image_size())
    _, _, err = run("generate", "-m", MODEL, "-p", "", "-o", out, "--seed", "1", expect=0)
    check("warning" not in err, f"an empty prompt gave a warning: {err!r}")


def case_truncated_model():
    """Truncated model files: a clear message and exit 1, never a crash."""
    data = read(MODEL)
    g = GGUFFile(MODEL)
    # the last byte any tensor uses (the file may end with alignment padding)
    data_end = g.data_start + max(off + tensor_nbytes(t, prod(dims))
                                  for dims, t, off in g.tensor_info.values())
    cuts = sorted({0, 3, 4, 8, 24, 100, g.data_start - 1, len(data) // 3, len(data) // 2,
                   data_end - 1})
    for cut in cuts:
        bad = tmp(f"cut{cut}.gguf")
        with open(bad, "wb") as f:
            f.write(data[:cut])
        for cmd in (["info", bad], ["generate", "-m", bad, "-p", "x", "-o", tmp("never.png")]):
            code, _, err = run(*cmd)
            check(code == 1, f"{cmd[0]} on a model cut at {cut} bytes: exit {code}\n{err}")
            check("cannot load model" in err and bad in err,
                  f"{cmd[0]} on a model cut at {cut} bytes: unclear message {err!r}")
            check(len(err.strip().splitlines()) <= 3, f"message too long: {err!r}")
    check(not os.path.exists(tmp("never.png")), "an output file was written from a bad model")


def case_missing_model():
    missing = tmp("no-such-model.gguf")
    code, _, err = run("generate", "-m", missing, "-p", "x", "-o", tmp("never.png"))
    check(code == 1 and "cannot load model" in err and missing in err, f"exit {code}: {err!r}")
    code, _, err = run("info", missing)
    check(code == 1 and missing in err, f"info: exit {code}: {err!r}")
    # a wrong $GFT_MODEL is reported, not silently replaced by another model
    code, _, err = run("info", env={"GFT_MODEL": missing})
    check(code == 1 and missing in err and "$GFT_MODEL" in err, f"$GFT_MODEL: exit {code}: {err!r}")


def case_bad_arguments():
    """Every bad command line: exit 2, a message naming the problem, no file."""
    out = tmp("never.png")
    base = ["generate", "-m", MODEL, "-p", "x", "-o", out]
    cases = [
        (base + ["--temperature", "abc"], "--temperature"),
        (base + ["--temperature", "11"], "out of range"),
        (base + ["--temperature", "nan"], "--temperature"),
        (base + ["--top-k", "-1"], "--top-k"),
        (base + ["--top-k", "1.5"], "--top-k"),
        (base + ["--top-p", "1.5"], "--top-p"),
        (base + ["--guidance", "31"], "--guidance"),
        (base + ["--guidance-ramp", "2"], "--guidance-ramp"),
        (base + ["--variations", "0"], "--variations"),
        (base + ["--variations", "17"], "--variations"),
        (base + ["--seed", "-1"], "--seed"),
        (base + ["--seed", "12x"], "--seed"),
        (base + ["--seed", "99999999999999999999999"], "--seed"),
        (base + ["--threads", "many"], "--threads"),
        (base + ["--batch", "-2"], "--batch"),
        (base + ["--bogus"], "unknown option"),
        (base + ["stray"], "unexpected argument"),
        (base + ["--seed"], "needs a value"),
        (["generate", "-m", MODEL, "-o", out], "missing -p"),
        (["generate", "-m", MODEL, "-p", "x"], "missing -o"),
        (["frobnicate"], "unknown command"),
        ([], "Usage"),
        (["info", MODEL, MODEL], "one model"),
        (["info", "--bogus"], "unknown option"),
        (["tokenize", "-m", MODEL], "missing TEXT"),
        (["bench", "--runs", "0"], "--runs"),
    ]
    for args, needle in cases:
        code, _, err = run(*args)
        check(code == 2, f"gft {' '.join(args)}: exit {code}, expected 2\n{err}")
        check(needle in err, f"gft {' '.join(args)}: message lacks {needle!r}: {err!r}")
    check(not os.path.exists(out), "a bad command line still wrote a file")
    # a value the engine refuses for this model: top-k above the codebook size
    k = int(info_fields()["image tokens"].split(",")[1].split()[0])
    code, _, err = run(*base, "--top-k", str(k + 1))
    check(code == 2 and "error" in err, f"--top-k {k + 1} with {k} codes: exit {code}: {err!r}")
    check(not os.path.exists(out), "a refused top-k still wrote a file")


def case_unwritable_output():
    """Output that cannot be written: exit 1 with the reason, nothing lost."""
    cases = [
        (tmp("no/such/folder/x.png"), "No such file"),
        (TMP, "is a folder"),
        (tmp("plain-file/x.png"), "not a folder"),
        ("/proc/gft-cannot-write-here.png", "cannot"),
    ]
    with open(tmp("plain-file"), "w") as f:
        f.write("not a folder")
    for out, needle in cases:
        code, _, err = run("generate", "-m", MODEL, "-p", "x", "--seed", "1", "-o", out)
        check(code == 1, f"-o {out}: exit {code}, expected 1\n{err}")
        check(needle in err and "error" in err, f"-o {out}: message lacks {needle!r}: {err!r}")
    # a device that fails every write (ENOSPC); a private node when we may make one
    full = "/dev/full"
    if os.geteuid() == 0:
        full = tmp("full")
        os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    code, _, err = run("generate", "-m", MODEL, "-p", "x", "--seed", "1", "-o", full)
    check(code == 1 and "No space left" in err, f"-o {full}: exit {code}: {err!r}")
    check(stat.S_ISCHR(os.stat(full).st_mode), f"{full} was replaced")
    # an existing file survives a failed write: make its folder read-only for the rename
    keep = tmp("keep.png")
    with open(keep, "wb") as f:
        f.write(b"precious")
    if os.geteuid() != 0:
        os.chmod(TMP, 0o555)
        try:
            code, _, err = run("generate", "-m", MODEL, "-p", "x", "--seed", "1", "-o", keep)
        finally:
            os.chmod(TMP, 0o755)
        check(code == 1, f"read-only folder: exit {code}")
    check(read(keep) == b"precious", "an existing output file was damaged")


def case_info():
    """gft info agrees with the file itself (parsed here in Python)."""
    g = GGUFFile(MODEL)
    f = info_fields()
    check(f["file"] == MODEL, f"file: {f['file']}")
    check(f["file size"].split()[0] == str(os.path.getsize(MODEL)), f"file size: {f['file size']}")
    n_params = sum(prod(dims) for dims, _, _ in g.tensor_info.values())
    check(f["parameters"].split()[0] == str(n_params), f"parameters {f['parameters']} != {n_params}")
    fnv = fingerprint(read(MODEL))
    check(f["fingerprint"] == fnv, f"fingerprint {f['fingerprint']} != {fnv}")
    kv = g.kv
    check(f"{kv['gft.n_layer']} layers, width {kv['gft.n_embd']}, {kv['gft.n_head']} heads, "
          f"MLP width {kv['gft.n_ff']}" == f["transformer"], f"transformer: {f['transformer']}")
    check(f["text prefix"] == f"{kv['gft.text.ctx']} tokens", f"text prefix: {f['text prefix']}")
    up = 2 ** (len(kv["gft.dec.channels"]) - 1)
    w, h = kv["gft.image.grid_w"] * up, kv["gft.image.grid_h"] * up
    if "gft.upscale.channels" in kv:  # the upscaler doubles the decoder's picture
        check(f["image size"].startswith(f"{2 * w} x {2 * h} pixels") and f"decoder's {w} x {h}" in f["image size"],
              f"image size with an upscaler: {f['image size']}")
    else:
        check(f["image size"].startswith(f"{w} x {h} pixels") and "upscaler" not in f["image size"],
              f"image size: {f['image size']}")
    check(f["tokenizer"].endswith(f"{kv['gft.text.vocab_size']} tokens"), f"tokenizer: {f['tokenizer']}")
    check(f["known words"] == str(len(kv["gft.tokenizer.known_words"])), f"known words: {f['known words']}")
    s = f["sampling defaults"]
    check(f"top-k {kv['gft.sampling.top_k']}," in s, f"sampling defaults: {s}")
    check(f"guidance {kv['gft.sampling.guidance']:g}" in s, f"sampling defaults: {s}")
    bg = kv.get("gft.vq.background_code")
    shown = f.get("background code", "")
    check(shown.startswith(f"{bg} ") if bg is not None else shown == "",
          f"background code: file {bg}, gft info {shown!r}")
    types = {g.tensor_info[n][1] for n in g.tensor_info if n.startswith("blk.") and n.endswith(
        ("attn_q.weight", "ffn_up.weight"))}
    names = {0: "F32", 1: "F16", 8: "Q8_0"}
    expect = names[types.pop()] if len(types) == 1 else None
    if expect:
        check(f["weight type"] in (expect, "mixed"), f"weight type {f['weight type']}, file has {expect}")
    # the default model comes from $GFT_MODEL
    _, out, _ = run("info", env={"GFT_MODEL": MODEL}, expect=0)
    check(f"file:              {MODEL}" in out, f"$GFT_MODEL not used: {out!r}")


def case_tokenize():
    """gft tokenize gives the Python reference tokenizer's ids and unknown words."""
    g = GGUFFile(MODEL)
    flat = g.kv["gft.tokenizer.merges"]
    tok = gft_text.BPETokenizer(list(zip(flat[0::2], flat[1::2])))
    known = set(w if isinstance(w, str) else w.decode("utf-8", "replace")
                for w in g.kv["gft.tokenizer.known_words"])
    for text in ["red heart", "A Smiling  FACE, with (tears)!", "zzqqxyz red", "猫と犬", ""]:
        _, out, _ = run("tokenize", "-m", MODEL, text, expect=0)
        lines = out.splitlines()
        ids = [int(x) for x in lines[0].split(":", 1)[1].split()]
        check(ids == tok.encode(text), f"{text!r}: ids {ids} != reference {tok.encode(text)}")
        check(lines[1] == f"count: {len(ids)}", f"{text!r}: {lines[1]}")
        unknown = gft_text.unknown_words(text, known)
        expect = f"unknown words: {len(unknown)}" + (": " + ", ".join(unknown) if unknown else "")
        check(lines[2] == expect, f"{text!r}: {lines[2]!r} != {expect!r}")
    check_readings(MODEL)


def check_readings(model):
    """gft tokenize's "read as" lines equal training/gft/lexicon.py's translate() with the
    model's lexicon, on prompts built from its own sources (seeded) and on hand-picked ones."""
    import random
    from gft import lexicon
    lex = lexicon.read(model)
    articles = lexicon.read_articles(model)
    sources = sorted(lex)
    rng = random.Random(4)
    texts = ["红苹果", "一个红苹果。", "Un chat noir", "chat bubble", "A Smiling FACE", "", "猫と犬", "a", "the the sun",
             "A button (blood type)", "eine Katze", "a la derecha"]
    for _ in range(40 if sources else 0):
        words = [s.replace(" ", rng.choice(["", " "])) if rng.random() < 0.6 else rng.choice(
            ["a", "的", "big", "и", "zz", "une", "一只"]) for s in rng.sample(sources, min(len(sources), rng.randint(1, 4)))]
        texts.append(rng.choice(["", " ", ", "]).join(words))
    for text in texts:
        _, out, _ = run("tokenize", "-m", model, text, expect=0)
        lines = out.splitlines()
        want, n = lexicon.translate(text, lex, articles=articles)
        check(lines[3:5] == [f"read as: {want}", f"lexicon phrases: {n}"],
              f"{text!r}: {lines[3:5]} != reference {[want, n]}")


def case_cancel():
    """SIGINT stops the run, keeps the finished variations, exits 130."""
    out = tmp("cancel.png")
    # A one-page pipe: once it is full the progress callback blocks, so the run
    # cannot finish before our signal lands, however fast the machine. It is
    # shrunk before the child starts: shrinking a pipe that already holds more
    # than a page fails with EBUSY.
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ
    p = subprocess.Popen([GFT, "generate", "-m", MODEL, "-p", "red heart", "--seed", "40",
                          "--variations", "16", "--batch", "1", "--threads", "1", "--progress",
                          "-o", out], stdout=subprocess.PIPE, stderr=write_end)
    os.close(write_end)
    p.stderr = os.fdopen(read_end, "rb")
    first = p.stderr.readline()
    check(first.startswith(b"progress "), f"no progress line: {first!r}")
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=600)
    stderr = stderr.decode("utf-8", "replace")
    check("Sanitizer" not in stderr and "runtime error:" not in stderr, f"sanitizer report:\n{stderr}")
    check(p.returncode == 130, f"exit {p.returncode}, expected 130\n{stderr[-2000:]}")
    check("cancelled" in stderr, f"no cancel message: {stderr[-500:]!r}")
    written = [k for k in range(1, 17) if os.path.exists(tmp(f"cancel-{k}.png"))]
    check(len(written) < 16, "all 16 variations were written despite Ctrl-C")
    check(f"wrote {len(written)} of 16" in stderr, f"message does not match the files: {written}")
    size = image_size()
    for k in written:
        check_png(tmp(f"cancel-{k}.png"), size)
    if written:  # a kept variation is the same image an uncancelled run makes
        k = written[-1]
        generate(tmp("uncancelled.png"), seed=40 + k - 1)
        check(Image.open(tmp("uncancelled.png")).tobytes() ==
              Image.open(tmp(f"cancel-{k}.png")).tobytes(), f"kept variation {k} differs")
    check(not [n for n in os.listdir(TMP) if ".tmp-" in n], "temporary files left behind")


def case_bench_json():
    """gft bench --json: every figure present and plausible."""
    _, out, _ = run("bench", "-m", MODEL, "--runs", "1", "--threads", "1", "--json", expect=0)
    b = json.loads(out)
    check(b.get("load_max_ms") == b.get("load_ms"), "one run: one load, its own median and slowest")
    _, out2, _ = run("bench", "-m", MODEL, "--runs", "3", "--threads", "1", "--json", expect=0)
    b2 = json.loads(out2)
    check(0 < b2["load_ms"] <= b2["load_max_ms"], f"load median {b2['load_ms']} above the slowest {b2['load_max_ms']}")
    for key in ("load_ms", "load_max_ms", "one_image_ms", "four_variations_ms", "vq_decoder_ms",
                "tokens_per_s_one", "tokens_per_s_four", "decode_gflops_2_rows",
                "decode_gflops_8_rows", "sgemm_1024_gflops", "decode_pct_of_sgemm_8_rows",
                "ratio_four_to_one", "peak_rss_bytes", "peak_rss_over_file_size"):
        check(isinstance(b.get(key), (int, float)) and b[key] > 0, f"{key}: {b.get(key)!r}")
    check(b["file_size"] == os.path.getsize(MODEL), "file_size")
    check(b["threads"] == 1, f"threads {b['threads']}")
    check(b["four_variations_ms"] > b["vq_decoder_ms"], "4 variations faster than one decoder run")
    ratio = b["four_variations_ms"] / b["one_image_ms"]
    check(abs(b["ratio_four_to_one"] - ratio) <= 0.01 * ratio, f"ratio {b['ratio_four_to_one']} != {ratio}")
    check(b["peak_rss_bytes"] > 1 << 20, "peak RSS below 1 MiB")
    if "gft.rerank.dim" in GGUFFile(MODEL).kv:
        for key in ("best_of_k", "best_of_k_ms", "best_of_k_over_one", "reranker_ms",
                    "peak_rss_best_of_k_bytes"):
            check(isinstance(b.get(key), (int, float)) and b[key] > 0, f"{key}: {b.get(key)!r}")
        default = GGUFFile(MODEL).kv.get("gft.sampling.candidates", 1)
        check(b["best_of_k"] == (default if default > 1 else 4), f"best_of_k {b['best_of_k']}")
    else:
        check("best_of_k" not in b, "best of K measured without a reranker")
    if "gft.upscale.channels" in GGUFFile(MODEL).kv:
        check(isinstance(b.get("upscaler_ms"), float) and b["upscaler_ms"] > 0
              and b.get("upscaled_width") == image_size()[0], f"upscaler figures: {b}")
    else:
        check("upscaler_ms" not in b, "an upscaler measured in a model without one")
    _, out, _ = run("bench", "-m", MODEL, "--runs", "1", "--threads", "1", expect=0)
    for label in ("model load", "1 guided image", "4 guided variations", "VQ decoder",
                  "sgemm 1024^3", "of sgemm at 8 rows", "peak RSS"):
        check(label in out, f"bench table lacks {label!r}:\n{out}")


def case_native_size():
    """A model with an upscaler draws at twice the decoder's size, and --native-size keeps the
    decoder's: the same drawing, so the upscaled picture box-filtered back comes close to it.
    Without an upscaler --native-size changes nothing."""
    kv = GGUFFile(MODEL).kv
    up = 2 ** (len(kv["gft.dec.channels"]) - 1)
    native = (kv["gft.image.grid_w"] * up, kv["gft.image.grid_h"] * up)
    big, small = tmp("big.png"), tmp("small.png")
    generate(big, seed=11)
    generate(small, "--native-size", seed=11)
    check_png(small, native)
    if "gft.upscale.channels" not in kv:
        check(read(big) == read(small), "--native-size changed a model without an upscaler")
        return
    check_png(big, (2 * native[0], 2 * native[1]))
    with Image.open(big) as b, Image.open(small) as a:
        down = b.convert("RGBa").resize(native, Image.BOX).convert("RGBA")
        alpha_a, alpha_d = a.getchannel("A"), down.getchannel("A")
        diff = sum(abs(x - y) for x, y in zip(alpha_a.getdata(), alpha_d.getdata())) / (native[0] * native[1])
    if min(native) >= 64:  # a tiny file draws a few pixels of noise, which any 2x smooths away
        check(diff < 8, f"the upscaled picture's alpha, box-filtered, is {diff:.1f}/255 off the native one")


def case_candidates():
    """-k/--candidates: best of K with a reranker (kept candidate named on stdout and in the
    PNG; candidate 1 is the one-sample image; variation k is seed + k alone or batched), a clear
    usage error without one; out-of-range K refused."""
    kv = GGUFFile(MODEL).kv
    has_rr = "gft.rerank.dim" in kv
    default = kv.get("gft.sampling.candidates", 1)
    f = info_fields()
    check(f["reranker"].startswith("yes" if has_rr else "none"), f"reranker: {f['reranker']}")
    check(f["sampling defaults"].endswith(f"candidates {default}"), f"defaults: {f['sampling defaults']}")
    code, _, err = run("generate", "-m", MODEL, "-p", "red heart", "-k", "9", "-o", tmp("k9.png"))
    check(code == 2 and "--candidates" in err, f"-k 9: exit {code}, {err!r}")
    if not has_rr:
        code, _, err = run("generate", "-m", MODEL, "-p", "red heart", "-k", "2", "-o", tmp("k2.png"))
        check(code == 2 and "reranker" in err, f"-k 2 without a reranker: exit {code}, {err!r}")
        generate(tmp("k1.png"), "-k", "1", seed=4)
        return
    _, out, _ = generate(tmp("k3.png"), "-k", "3", "--variations", "2", seed=30)
    lines = out.strip().splitlines()
    check(len(lines) == 2 and all("of 3, score " in ln for ln in lines), f"stdout: {out!r}")
    chosen = [int(ln.split("candidate ")[1].split()[0]) for ln in lines]
    check(all(1 <= c <= 3 for c in chosen), f"kept candidates {chosen}")
    meta = check_png(tmp("k3-1.png"), image_size())
    check("candidates=3;" in meta.get("gft:parameters", ""), f"PNG parameters: {meta}")
    for k in range(2):
        generate(tmp(f"k3-alone{k}.png"), "-k", "3", "--threads", "1", seed=30 + k)
        check(Image.open(tmp(f"k3-alone{k}.png")).tobytes() == Image.open(tmp(f"k3-{k + 1}.png")).tobytes(),
              f"best of 3: variation {k} differs from a single run with seed {30 + k}")
        generate(tmp(f"k1-{k}.png"), "-k", "1", seed=30 + k)
        same = Image.open(tmp(f"k1-{k}.png")).tobytes() == Image.open(tmp(f"k3-{k + 1}.png")).tobytes()
        check(same == (chosen[k] == 1), f"variation {k}: kept candidate {chosen[k]}, "
                                        f"equal to the one-sample image: {same}")
    _, out, _ = generate(tmp("kdef.png"), seed=30)
    check(("of %d, score" % default in out) if default > 1 else "candidate" not in out,
          f"the model's default best of {default}: {out!r}")


TEST_LEXICON = {"红 苹 果": "red apple", "chat noir": "black cat"}


def lexicon_model():
    """MODEL when it holds a prompt lexicon, else a copy of it with TEST_LEXICON."""
    if info_fields()["prompt lexicon"].startswith("none"):
        from gft.lexicon import with_lexicon
        path = tmp("with-lexicon.gguf")
        with_lexicon(MODEL, TEST_LEXICON, path)
        return path
    return MODEL


def case_lexicon():
    """Prompts are read through the model's lexicon: "红苹果" draws exactly what "red apple"
    draws, and says so on stderr; --literal draws the prompt as typed; the negative prompt is
    read too; gft tokenize shows the reading."""
    model = lexicon_model()
    check("phrases of other languages" in info_fields(model)["prompt lexicon"],
          f"gft info: {info_fields(model)['prompt lexicon']!r}")
    check_readings(model)

    def draw(name, prompt, *extra):
        path = tmp(name)
        _, _, err = run("generate", "-m", model, "-p", prompt, "--seed", "5", "-o", path, *extra,
                        expect=0)
        return read(path), err

    chinese, err = draw("zh.png", "红苹果")
    check('prompt read as "red apple" (1 phrase' in err, f"no reading on stderr: {err!r}")
    english, err = draw("en.png", "red apple")
    check("read as" not in err, f"an English prompt was read through the lexicon: {err!r}")
    literal, err = draw("zh-literal.png", "红苹果", "--literal")
    check("read as" not in err, f"--literal still read the prompt: {err!r}")
    # PNG text chunks hold the prompt as typed, so compare the pixels
    def pixels(data):
        path = tmp("px.png")
        with open(path, "wb") as f:
            f.write(data)
        with Image.open(path) as im:
            return im.tobytes()
    check(pixels(chinese) == pixels(english), "红苹果 does not draw what 'red apple' draws")
    check(pixels(literal) != pixels(chinese), "--literal draws what the reading draws")
    neg_read, _ = draw("neg-zh.png", "cat", "-n", "红苹果")
    neg_english, _ = draw("neg-en.png", "cat", "-n", "red apple")
    check(pixels(neg_read) == pixels(neg_english), "the negative prompt is not read through the lexicon")


def case_help():
    for args in (["--help"], ["generate", "--help"], ["info", "--help"], ["tokenize", "--help"],
                 ["bench", "--help"], ["--version"]):
        code, out, _ = run(*args, expect=0)
        check(out.strip(), f"gft {' '.join(args)} printed nothing")
    _, out, _ = run("generate", "--help", expect=0)
    for opt in ("--prompt", "--negative", "--temperature", "--top-k", "--top-p", "--guidance",
                "--seed", "--variations", "--threads", "--batch", "--output", "--candidates",
                "--native-size"):
        check(opt in out, f"generate --help lacks {opt}")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    global GFT, MODEL, TMP
    ap = argparse.ArgumentParser()
    ap.add_argument("--gft", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("case", choices=sorted(CASES) + ["all"])
    a = ap.parse_args()
    GFT, MODEL = os.path.abspath(a.gft), os.path.abspath(a.model)
    names = sorted(CASES) if a.case == "all" else [a.case]
    failed = 0
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"gft-cli-{name}-") as d:
            TMP = d
            try:
                CASES[name]()
                print(f"ok {name}")
            except Failure as e:
                failed += 1
                print(f"FAIL {name}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

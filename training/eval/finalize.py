# SPDX-License-Identifier: GPL-3.0-or-later
"""Finish a training run: reassemble the checkpoint, export the GGUF model (Q8_0 transformer,
sampling defaults from the sweep), render the contact sheet and the sweep figure, and write
<run>/report.md with every metric.

  cd training && python3 -m eval.finalize --run runs/gpu --model ../models/gft-emoji.gguf \
      --sheet ../docs/contact-sheet.png
"""
import argparse
import glob
import hashlib
import json
import os
import sys

import torch

MAX_MODEL_BYTES = 40 * 1000 * 1000


def reassemble(run):
    """final.pt.partNN -> final.pt (checked against metrics.json's sha256)."""
    final = os.path.join(run, "final.pt")
    parts = sorted(glob.glob(os.path.join(run, "final.pt.part*")))
    metrics = json.load(open(os.path.join(run, "metrics.json"), encoding="utf-8"))
    want = metrics.get("checkpoint", {}).get("sha256")
    if parts:
        data = b"".join(open(p, "rb").read() for p in parts)
        if want and hashlib.sha256(data).hexdigest() != want:
            raise SystemExit("finalize: the checkpoint parts do not match metrics.json's sha256")
        with open(final, "wb") as f:
            f.write(data)
    if not os.path.exists(final):
        raise SystemExit(f"finalize: {run} has no final.pt or final.pt.part* files")
    return final, metrics


def merge_vq(final, vq_from):
    """Put the VQ tokenizer of checkpoint vq_from into final (in place)."""
    ck = torch.load(final, map_location="cpu")
    src = torch.load(vq_from, map_location="cpu")
    ck["vq"], ck["vq_cfg"] = src["vq"], src["vq_cfg"]
    torch.save(ck, final)


def export(final, model_path, sampling_override=None):
    from gft.export_gguf import export_model, load_checkpoint
    gft, dec, cb, tok, known, sampling, vcfg, meta = load_checkpoint(final)
    if sampling_override:
        sampling = dict(sampling or {}, **sampling_override)
    gft.float()
    for small in (False, True):
        export_model(gft, dec.float(), cb, tok, known, sampling, model_path, "q8_0", small, vcfg,
                     meta.get("name", ""), meta.get("description", ""), meta.get("license", ""))
        size = os.path.getsize(model_path)
        if size <= MAX_MODEL_BYTES:
            return dict(bytes=size, small=small, sampling=sampling, vocab=tok.vocab_size,
                        known_words=len(known))
    raise SystemExit(f"finalize: {model_path} is {size} bytes, over {MAX_MODEL_BYTES}")


def choose_defaults(local, metrics):
    """(defaults, "gpu" | "local"): sampling defaults from the larger of the two sweeps (images per setting): the GPU run's
    (CNN judge) or the CPU one's (eval/local_eval.py, nearest-real-image judge); both are
    noisy, so the one with more samples decides."""
    from .evaluate import pick_defaults

    def size(rows):
        return min((r.get("n", 0) for r in rows), default=0)

    sweeps = [(name, r) for name, r in (("local", (local or {}).get("sweep")),
                                        ("gpu", metrics.get("sweep"))) if r]
    if not sweeps:
        return metrics.get("sampling_defaults"), None
    name, rows = max(sweeps, key=lambda s: size(s[1]))
    return pick_defaults(rows), name


def sweep_series(rows):
    """(label, rows sorted by guidance) for each temperature / top-k pair of a sweep."""
    for t, k in sorted({(r["temperature"], r["top_k"]) for r in rows}):
        rs = sorted([r for r in rows if r["temperature"] == t and r["top_k"] == k],
                    key=lambda r: r["guidance"])
        yield "T=%g, top-k=%s" % (t, k or "off"), rs


def sweep_figure(metrics, path, chosen):
    """Figure of the GPU run's sweep (CNN judge): top-1 + top-5, the score the defaults are
    picked by, against guidance and against diversity."""
    from .evaluate import sweep_score
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = metrics.get("sweep") or []
    if not rows:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for lab, rs in sweep_series(rows):
        sc = [sweep_score(r) for r in rs]
        axes[0].plot([r["guidance"] for r in rs], sc, "o-", label=lab)
        axes[1].plot([r.get("diversity", 0) for r in rs], sc, "o-", label=lab)
        for r, y in zip(rs, sc):
            axes[1].annotate("%g" % r["guidance"], (r.get("diversity", 0), y), fontsize=7)
    d = chosen or {}
    axes[0].set_xlabel("guidance scale s")
    axes[0].set_ylabel("judge top-1 + top-5 (prompt's concept recognised)")
    axes[0].set_title("recognisability vs guidance (chosen: s=%s, T=%s, top-k=%s)"
                      % (d.get("guidance"), d.get("temperature"), d.get("top_k")), fontsize=9)
    axes[1].set_xlabel("diversity (mean pairwise judge-feature distance across seeds)")
    axes[1].set_ylabel("judge top-1 + top-5")
    axes[1].set_title("recognisability vs diversity (labels: s)", fontsize=9)
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def local_sweep_figure(local, path, chosen):
    """Figure of the CPU sweep (eval/local_eval.py): concept rank percentile of the images for
    their own prompt vs another prompt, and diversity, against guidance."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = local.get("sweep") or []
    if not rows:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for lab, rs in sweep_series(rows):
        g = [r["guidance"] for r in rs]
        line, = axes[0].plot(g, [r["rank_pct"] for r in rs], "o-", label=lab + ": own prompt")
        if "rank_pct_mismatched" in rs[0]:
            axes[0].plot(g, [r["rank_pct_mismatched"] for r in rs], "x--", color=line.get_color(),
                         alpha=0.6, label=lab + ": another prompt")
        axes[1].plot(g, [r.get("diversity", 0) for r in rs], "o-", label=lab)
    d = chosen or {}
    axes[0].set_xlabel("guidance scale s")
    axes[0].set_ylabel("concept rank percentile (nearest real image judge)")
    axes[0].set_title("prompt adherence (chosen: s=%s, T=%s, top-k=%s)"
                      % (d.get("guidance"), d.get("temperature"), d.get("top_k")), fontsize=9)
    axes[1].set_xlabel("guidance scale s")
    axes[1].set_ylabel("diversity across seeds (pixel-feature cosine distance)")
    axes[1].set_title("diversity", fontsize=9)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def loss_figure(metrics, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
    vh = metrics.get("vq", {}).get("history") or []
    gh = metrics.get("gpt", {}).get("history") or []
    if vh:
        axes[0].plot([h["t"] for h in vh], [h["psnr"] for h in vh])
        axes[0].set_xlabel("training seconds")
        axes[0].set_ylabel("batch PSNR on white (dB)")
        axes[0].set_title("stage 1: VQ tokenizer", fontsize=9)
    if gh:
        axes[1].plot([h["t"] for h in gh], [h["loss"] / 0.693147 for h in gh], label="train batch")
        vals = metrics.get("gpt", {}).get("val_history") or []
        for name in sorted({n for v in vals for n in v["val"]}):
            pts = [(v["t"], v["val"][name]["bits_cond"]) for v in vals if name in v["val"]]
            axes[1].plot(*zip(*pts), marker="o", label=name.replace("_", " ") + " (with caption)")
        axes[1].set_xlabel("training seconds")
        axes[1].set_ylabel("bits per image token")
        axes[1].set_title("stage 2: transformer", fontsize=9)
        axes[1].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def table(rows, cols):
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    return "\n".join(out)


def report(metrics, exp, run):
    L = ["# Training run report (%s tier, %s)" % (metrics.get("tier"), metrics.get("device")), ""]
    L.append("Data: `%s`" % json.dumps(metrics.get("data"), sort_keys=True))
    vq = metrics.get("vq", {})
    L += ["", "## Tokenizer", "", "steps %s, %s s, batch %s" % (vq.get("steps"), vq.get("train_seconds"), vq.get("batch")),
          "", "held-out: `%s`" % json.dumps(vq.get("heldout"), sort_keys=True),
          "", "codebook: `%s`" % json.dumps(vq.get("codebook"), sort_keys=True)]
    g = metrics.get("gpt", {})
    L += ["", "## Transformer", "", "%s parameters, steps %s, %s s, tokens seen %s" % (
        g.get("params"), g.get("steps"), g.get("train_seconds"), g.get("tokens_seen"))]
    for k, v in (g.get("val") or {}).items():
        L.append("- %s: `%s`" % (k, json.dumps(v, sort_keys=True)))
    j = metrics.get("judge")
    if j:
        L += ["", "## Judge", "", "`%s`" % json.dumps(j, sort_keys=True)]
    rec = metrics.get("recognisability")
    if rec:
        rows = [dict(set=k, **v) for k, v in rec.items() if isinstance(v, dict)]
        L += ["", "## Recognisability (sampling %s)" % json.dumps(metrics.get("sampling_defaults")), "",
              table(rows, ["set", "n", "top1", "top5", "style_acc", "diversity", "empty_frac"]),
              "", "chance top-1: %s" % rec.get("chance_top1")]
    if metrics.get("sweep"):
        L += ["", "## Sweep", "", table(metrics["sweep"], ["guidance", "temperature", "top_k", "top_p", "n",
                                                           "top1", "top5", "diversity", "empty_frac"])]
    L += ["", "## Export", "", "`%s`" % json.dumps(exp, sort_keys=True), ""]
    path = os.path.join(run, "report.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(L))
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--sheet", default=None)
    ap.add_argument("--engine", default=None, help="gft CLI: make the contact sheet with the C engine")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--vq-from", default=None, help="take the VQ tokenizer from this checkpoint "
                    "(runs of gft.continue_gpt carry only the transformer)")
    ap.add_argument("--sampling", default=None, metavar="G:T:K",
                    help="store these sampling defaults (guidance:temperature:top-k, top-p off) "
                    "instead of the sweep's pick")
    ap.add_argument("--figdir", default=None, help="where sweep.png / training.png go (default: next to --sheet)")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    final, metrics = reassemble(a.run)
    if a.vq_from:
        merge_vq(final, a.vq_from)
    # sampling defaults: the CPU sweep's (eval/local_eval.py) when present, else the GPU run's
    local_path = os.path.join(a.run, "local_eval.json")
    local = json.load(open(local_path, encoding="utf-8")) if os.path.exists(local_path) else None
    defaults, deciding = choose_defaults(local, metrics)
    if a.sampling:
        from .evaluate import parse_setting
        defaults = parse_setting(a.sampling)
    exp = export(final, a.model, defaults)
    print("exported", a.model, exp, file=sys.stderr)
    figdir = a.figdir or (os.path.dirname(a.sheet) if a.sheet else a.run)
    try:
        sweep_png = os.path.join(figdir, "sweep.png")
        print("figures:", local_sweep_figure(local, sweep_png, defaults) if deciding == "local"
              else sweep_figure(metrics, sweep_png, defaults),
              loss_figure(metrics, os.path.join(figdir, "training-curves.png")), file=sys.stderr)
    except ImportError as e:
        print("finalize: no figures (%s)" % e, file=sys.stderr)
    samples = os.path.join(a.run, "samples.pt")
    if a.sheet and a.engine:
        from .contact_sheet import engine_pngs, engine_title, from_pngdir, render
        from .prompts import CONTACT_SHEET
        seeds = [0, 1, 2, 3]
        pngdir = os.path.join(a.run, "contact_sheet_pngs")
        engine_pngs(a.engine, a.model, pngdir, CONTACT_SHEET, seeds, a.threads)
        render(CONTACT_SHEET, from_pngdir(pngdir, CONTACT_SHEET, seeds), seeds, a.sheet,
               title=engine_title(a.model))
        print("contact sheet:", a.sheet, file=sys.stderr)
    elif a.sheet and os.path.exists(samples):
        from .contact_sheet import from_samples, render
        prompts, seeds, tiles, sampling = from_samples(samples, final)
        title = "gft-emoji: 48 prompts x seeds %s, sampling %s (PyTorch sampler of the training run)" % (
            ",".join(map(str, seeds)), json.dumps(sampling))
        render(prompts, tiles, seeds, a.sheet, title=title)
        print("contact sheet:", a.sheet, file=sys.stderr)
    print("report:", report(metrics, exp, a.run), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

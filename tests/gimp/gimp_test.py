#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real-GIMP integration test of the Generate from Text plug-in.

Installs the built plug-in with scripts/install-plugin.sh into a
throw-away GIMP profile, runs the scenarios in a real
gimp-console (2.10: Script-Fu; 3.x: Python-Fu), saves XCF files, then
reads them back in a second GIMP run that prints the layer tree, and
checks layer count, names, order, sizes, offsets, types, groups, the
"gft-settings" parasite (seed, model fingerprint) and that the pixels are
not empty. GIMP's batch exit code is not trusted: only the files and the
printed tree count. Exit 0 = pass, 1 = fail, 77 = skipped. The small model
has no reranker (one sample per picture); the best-of-K scenario uses a
second one that has.

  gimp_test.py --gimp 2 --plugin BUILD/plugin/gimp2/generate-from-text \\
               --model tiny.gguf --rerank-model tiny-rerank.gguf
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
FRONT_END_DIRS = ("gimp2", "gimp3")  # BUILD/plugin/<dir>/generate-from-text
PLUGIN_NAME = "generate-from-text"
DEFAULT_MODEL_NAME = "gft-emoji.gguf"
FAILURES = []

# GimpImageType / GimpImageBaseType values (the same in 2.10 and 3.x)
RGB_IMAGE, RGBA_IMAGE, GRAY_IMAGE, GRAYA_IMAGE = 0, 1, 2, 3
BASE_RGB, BASE_GRAY = 0, 1


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL:", message)
    return condition


def fnv1a64(path):
    """The model fingerprint as gft_model_fingerprint() computes it (gft.h):
    eight FNV-1a lanes over the little-endian 64-bit words, round-robin,
    folded by byte-wise FNV-1a over the lanes and the file size."""
    prime, mask = 0x100000001B3, 0xFFFFFFFFFFFFFFFF
    with open(path, "rb") as f:
        data = f.read()
    data_padded = data + bytes(-len(data) % 8)
    lanes = [0xCBF29CE484222325] * 8
    for i, (w,) in enumerate(struct.iter_unpack("<Q", data_padded)):
        lanes[i % 8] = ((lanes[i % 8] ^ w) * prime) & mask
    h = 0xCBF29CE484222325
    for b in struct.pack("<9Q", *lanes, len(data)):
        h = ((h ^ b) * prime) & mask
    return "%016x" % h


# ---- running GIMP ----------------------------------------------------------


def make_profile(root, version):
    """A fresh GIMP profile; its folder name is the GIMP version, as the
    install script expects of a config folder."""
    profile = os.path.join(root, "GIMP", version)
    for sub in ("plug-ins", "gradients", "brushes", "patterns", "palettes", "fonts"):
        os.makedirs(os.path.join(profile, sub), exist_ok=True)
    return profile


def stage_plugin(profile, plugin, model):
    """Installs the plug-in with scripts/install-plugin.sh, as a user would.
    The small test model goes where the shipped one goes, under the shipped
    name: runs with model "" must find it in the plug-in's own folder before
    the build tree's or the installed one."""
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(plugin))))
    cmd = ["sh", os.path.join(SOURCE_ROOT, "scripts", "install-plugin.sh"), "--build", build,
           "--model", os.path.abspath(model), "--config", profile]
    if os.path.basename(os.path.dirname(plugin)) not in FRONT_END_DIRS:
        raise SystemExit("expected BUILD/plugin/gimp{2,3}/%s, got %s" % (PLUGIN_NAME, plugin))
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(out.stdout.strip())
    folder = os.path.join(profile, "plug-ins", PLUGIN_NAME)
    check(out.returncode == 0, "install-plugin.sh failed")
    check(os.access(os.path.join(folder, PLUGIN_NAME), os.X_OK),
          "install-plugin.sh did not install the binary in %s" % folder)
    check(os.path.isfile(os.path.join(folder, DEFAULT_MODEL_NAME)),
          "install-plugin.sh did not install the model in %s" % folder)


def run_gimp(cmd, env, timeout, log_name, out_dir):
    print("$", " ".join(cmd[:4]), "...", flush=True)
    try:
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=timeout)
        text = proc.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b"").decode("utf-8", "replace") + "\n[timed out]\n"
    with open(os.path.join(out_dir, log_name), "w") as f:
        f.write(text)
    return text


def gimp2_batch(args, env, out_dir, commands, log_name, timeout=600):
    cmd = ["gimp-console-2.10", "-i", "-d", "-f"]
    for c in commands:
        cmd += ["-b", c]
    cmd += ["-b", "(gimp-quit 0)"]
    return run_gimp(cmd, env, timeout, log_name, out_dir)


def gimp3_batch(args, env, out_dir, script, log_name, timeout=600):
    # the scripts import their shared helpers (gimp3_pdb.py) from this folder
    code = "import sys; sys.path.insert(0, %r); exec(open(%r).read())" % (HERE, script)
    cmd = [args.gimp_console, "-i", "-d", "-f", "--batch-interpreter=python-fu-eval",
           "-b", code, "--quit"]
    return run_gimp(cmd, env, timeout, log_name, out_dir)


# ---- reading the printed layer trees ---------------------------------------

TOKEN = re.compile(r"GFT(IMAGE|ITEM|RESULT)\|([^\n]*)|GFTPARASITE<<(.*?)>>", re.S)


def parse_trees(text):
    """{xcf basename: {"w","h","base","items":[...]}} plus results."""
    images, results, current, last_item = {}, {}, None, None
    for m in TOKEN.finditer(text):
        kind, fields, parasite = m.group(1), m.group(2), m.group(3)
        if parasite is not None:
            if last_item is not None:
                last_item["parasite"] = parse_record(parasite)
            continue
        f = fields.strip().split("|")
        if kind == "IMAGE":
            current = {"w": int(f[1]), "h": int(f[2]), "base": int(f[3]), "items": []}
            images[os.path.basename(f[0])] = current
        elif kind == "ITEM" and current is not None:
            last_item = {
                "depth": int(f[0]), "name": f[1], "group": f[2] == "group",
                "type": int(f[3]), "w": int(f[4]), "h": int(f[5]),
                "x": int(f[6]), "y": int(f[7]),
                "alpha": stats(f[8]), "value": stats(f[9]), "red": stats(f[10]),
                "parasite": None,
            }
            current["items"].append(last_item)
        elif kind == "RESULT":
            results[f[0]] = f[1:]
    return images, results


def stats(field):
    if field in ("-", ""):
        return None
    mean, sd = field.split(",")
    return (round(float(mean), 3), round(float(sd), 3))


def parse_record(text):
    record = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("["):
            key, value = line.split("=", 1)
            record[key.strip()] = value.strip()
    return record


# ---- the checks --------------------------------------------------------------


def top_level(image):
    return [i for i in image["items"] if i["depth"] == 0]


def children(image, group):
    items = image["items"]
    start = items.index(group) + 1
    out = []
    for item in items[start:]:
        if item["depth"] <= group["depth"]:
            break
        if item["depth"] == group["depth"] + 1:
            out.append(item)
    return out


def plain_name(name):
    """GIMP keeps layer names unique by appending " #1", " #2"..."""
    return re.sub(r" #\d+$", "", name)


def check_generated(item, where, prompt, seed, w, h, layer_type, fingerprint, x=0, y=0,
                    candidates=1, as_typed=False):
    name = "%s (seed %d)" % (prompt, seed)
    check(plain_name(item["name"]) == name,
          "%s: layer name %r, expected %r" % (where, item["name"], name))
    check(not item["group"], "%s: %s is a group" % (where, name))
    check((item["w"], item["h"]) == (w, h),
          "%s: %s is %dx%d, expected %dx%d" % (where, name, item["w"], item["h"], w, h))
    check((item["x"], item["y"]) == (x, y),
          "%s: %s at %d,%d, expected %d,%d" % (where, name, item["x"], item["y"], x, y))
    check(item["type"] == layer_type,
          "%s: %s has type %d, expected %d" % (where, name, item["type"], layer_type))
    alpha, value = item["alpha"] or (0, 0), item["value"] or (0, 0)
    check(alpha[0] > 0, "%s: %s is fully transparent" % (where, name))
    check(alpha[1] > 0 or value[1] > 0, "%s: %s is one flat colour" % (where, name))
    p = item["parasite"]
    if not check(p is not None, "%s: %s has no gft-settings parasite" % (where, name)):
        return
    check(p.get("prompt") == prompt, "%s: parasite prompt %r" % (where, p.get("prompt")))
    check(p.get("seed") == str(seed), "%s: parasite seed %r, expected %d" % (where, p.get("seed"), seed))
    check(p.get("model-fingerprint") == fingerprint,
          "%s: parasite fingerprint %r, expected %s" % (where, p.get("model-fingerprint"), fingerprint))
    check(p.get("width") == str(w) and p.get("height") == str(h),
          "%s: parasite size %sx%s" % (where, p.get("width"), p.get("height")))
    # the count used, not "model default" (0)
    check(p.get("candidates") == str(candidates),
          "%s: parasite candidates %r, expected %d" % (where, p.get("candidates"), candidates))
    want = "true" if as_typed else "false"
    check(p.get("prompt-as-typed") == want,
          "%s: parasite prompt-as-typed %r, expected %s" % (where, p.get("prompt-as-typed"), want))
    for key in ("temperature", "top-k", "top-p", "guidance", "negative-prompt", "model", "model-name"):
        check(key in p, "%s: parasite lacks %s" % (where, key))


def pixels_of(item):
    return (item["alpha"], item["value"], item["red"])


def check_group(image, where, group, prompt, seeds, w, h, layer_type, fingerprint, x=0, y=0):
    check(group["group"], "%s: %r is not a layer group" % (where, group["name"]))
    check(group["name"] == prompt, "%s: group name %r, expected %r" % (where, group["name"], prompt))
    kids = children(image, group)
    if not check(len(kids) == len(seeds), "%s: group has %d layers, expected %d"
                 % (where, len(kids), len(seeds))):
        return
    for kid, seed in zip(kids, seeds):
        check_generated(kid, where, prompt, seed, w, h, layer_type, fingerprint, x, y)
    check(len({pixels_of(k) for k in kids}) == len(kids),
          "%s: variations with different seeds have identical pixels" % where)


def check_scenarios(images, results, fp, rerank_fp):
    img = images.get("new-image.xcf")
    if check(img is not None, "new-image.xcf missing (no-image run failed)"):
        check((img["w"], img["h"], img["base"]) == (96, 80, BASE_RGB),
              "new-image: image is %dx%d base %d" % (img["w"], img["h"], img["base"]))
        top = top_level(img)
        if check(len(top) == 1, "new-image: %d top-level items, expected 1 group" % len(top)):
            check_group(img, "new-image", top[0], "a red fox on a hill", [7, 8, 9], 96, 80,
                        RGBA_IMAGE, fp)

    img = images.get("rgb.xcf")
    if check(img is not None, "rgb.xcf missing (RGB image run failed)"):
        top = top_level(img)
        names = [plain_name(i["name"]) for i in top]
        expected = ["top", "a cat (seed 43)", "a cat (seed 42)", "a cat (seed 42)", "bg"]
        if check(names == expected, "rgb: layer order %r, expected %r" % (names, expected)):
            check_generated(top[1], "rgb regen vary", "a cat", 43, 120, 90, RGBA_IMAGE, fp)
            check_generated(top[2], "rgb regen same", "a cat", 42, 120, 90, RGBA_IMAGE, fp)
            check_generated(top[3], "rgb", "a cat", 42, 120, 90, RGBA_IMAGE, fp)
            check(pixels_of(top[2]) == pixels_of(top[3]),
                  "rgb: regenerating with the same seed changed the pixels")
            check(pixels_of(top[1]) != pixels_of(top[3]),
                  "rgb: seed + 1 gave the same pixels")

    img = images.get("nested.xcf")
    if check(img is not None, "nested.xcf missing (run inside a group failed)"):
        top = top_level(img)
        if check([i["name"] for i in top] == ["folder", "bg"],
                 "nested: top level %r" % [i["name"] for i in top]):
            kids = children(img, top[0])
            if check([k["name"] for k in kids] == ["a small star (seed 9)", "inner"],
                     "nested: group holds %r" % [k["name"] for k in kids]):
                check_generated(kids[0], "nested", "a small star", 9, 40, 40, RGBA_IMAGE, fp)

    img = images.get("grey.xcf")
    if check(img is not None, "grey.xcf missing (grey image run failed)"):
        check(img["base"] == BASE_GRAY, "grey: the image is no longer grey")
        top = top_level(img)
        if check([i["name"] for i in top] == ["a grey owl", "bg"],
                 "grey: top level %r" % [i["name"] for i in top]):
            check_group(img, "grey", top[0], "a grey owl", [5, 6], 32, 32, GRAYA_IMAGE, fp,
                        x=16, y=8)

    img = images.get("selection.xcf")
    if check(img is not None, "selection.xcf missing (run with a selection failed)"):
        top = top_level(img)
        names = [plain_name(i["name"]) for i in top]
        expected = ["a yellow star (seed 13)"] * 2 + ["a yellow star (seed 14)", "bg"]
        if check(names == expected, "selection: layer order %r, expected %r" % (names, expected)):
            check_generated(top[1], "selection, size 0", "a yellow star", 13, 60, 41, RGBA_IMAGE,
                            fp, x=20, y=10)
            check_generated(top[2], "selection, 32x32", "a yellow star", 14, 32, 32, RGBA_IMAGE,
                            fp, x=34, y=14)
            check_generated(top[0], "selection, regenerated", "a yellow star", 13, 60, 41,
                            RGBA_IMAGE, fp, x=20, y=10)

    img = images.get("indexed.xcf")
    if check(img is not None, "indexed.xcf missing (indexed image run failed)"):
        check(img["base"] == BASE_RGB, "indexed: image base %d, expected RGB" % img["base"])
        top = top_level(img)
        if check([i["name"] for i in top] == ["a blue bird (seed 11)", "bg"],
                 "indexed: top level %r" % [i["name"] for i in top]):
            check_generated(top[0], "indexed", "a blue bird", 11, 50, 40, RGBA_IMAGE, fp)

    res = results.get("target-new-image")
    check(res == ["new", "1"], "target 1: result %r, expected a new image and the open "
          "image still with 1 layer" % (res,))
    img = images.get("target-new.xcf")
    if check(img is not None, "target-new.xcf missing (target 1 run failed)"):
        check((img["w"], img["h"]) == (64, 64), "target-new: %dx%d" % (img["w"], img["h"]))
        top = top_level(img)
        if check(len(top) == 1, "target-new: %d top-level items" % len(top)):
            check_group(img, "target-new", top[0], "a green tree", [3, 4], 64, 64, RGBA_IMAGE, fp)

    img = images.get("best-of.xcf")
    if check(img is not None, "best-of.xcf missing (best of K run failed)"):
        top = top_level(img)
        names = [plain_name(i["name"]) for i in top]
        expected = ["a red apple (seed 6)"] * 3 + ["bg"]
        if check(names == expected, "best-of: layer order %r, expected %r" % (names, expected)):
            regen, best, single = top[0], top[1], top[2]
            check_generated(regen, "best-of regen", "a red apple", 6, 64, 64, RGBA_IMAGE,
                            rerank_fp, candidates=2)
            check_generated(best, "best-of", "a red apple", 6, 64, 64, RGBA_IMAGE, rerank_fp,
                            candidates=2)
            check_generated(single, "best-of single", "a red apple", 6, 64, 64, RGBA_IMAGE,
                            rerank_fp, candidates=1)
            check(pixels_of(regen) == pixels_of(best),
                  "best-of: regenerating with the same seed did not give the same picture "
                  "(the record's candidates unused?)")
            # with this model and seed the reranker keeps the second sample
            # (gft generate -k 2 --seed 6 says "candidate 2 of 2")
            check(pixels_of(best) != pixels_of(single),
                  "best-of: best of 2 gave the one-sample picture (candidates unused?)")


def check_last_values(images, fp, gimp):
    if gimp == "3":
        check_last_values3(images, fp)
        return
    img = images.get("last-values.xcf")
    if not check(img is not None, "last-values.xcf missing (with-last-values run failed)"):
        return
    top = top_level(img)
    if not check(len(top) == 1, "last-values: %d items" % len(top)):
        return
    item = top[0]
    m = re.fullmatch(r"No prompt \(seed (\d+)\)", item["name"])
    if check(m is not None, "last-values: layer name %r" % item["name"]):
        check((item["w"], item["h"]) == (512, 512), "last-values: %dx%d" % (item["w"], item["h"]))
        check(item["alpha"][0] > 0, "last-values: transparent layer")
        p = item["parasite"] or {}
        check(p.get("model-fingerprint") == fp,
              "last-values: not made by the model in the plug-in's folder (fingerprint %r)"
              % p.get("model-fingerprint"))


def check_last_values3(images, fp):
    """GIMP 3 stores last values after interactive runs only; in a fresh
    profile a with-last-values run uses the values it was given."""
    img = images.get("last-values.xcf")
    if check(img is not None, "last-values.xcf missing (with-last-values run failed)"):
        top = top_level(img)
        if check(len(top) == 1, "last-values: %d top-level items, expected 1" % len(top)):
            # model "": gft-emoji.gguf from the plug-in's own folder
            check_generated(top[0], "last-values", "remembered", 1, 512, 512, RGBA_IMAGE, fp)
    img = images.get("last-values-2.xcf")
    if check(img is not None, "last-values-2.xcf missing (with-last-values run failed)"):
        top = top_level(img)
        if check(len(top) == 1, "last-values-2: %d top-level items, expected 1" % len(top)):
            check_group(img, "last-values-2", top[0], "other", [2, 3], 512, 512, RGBA_IMAGE, fp)


def check_as_typed3(images, fp):
    """GIMP 3's prompt-as-typed argument reaches the layer's record, and
    regenerating the layer keeps it (the same picture again)."""
    img = images.get("as-typed.xcf")
    if not check(img is not None, "as-typed.xcf missing (prompt-as-typed run failed)"):
        return
    top = top_level(img)
    names = [plain_name(i["name"]) for i in top]
    expected = ["Katze (seed 5)"] * 2 + ["bg"]
    if check(names == expected, "as-typed: layer order %r, expected %r" % (names, expected)):
        for item, where in ((top[0], "as-typed regen"), (top[1], "as-typed")):
            check_generated(item, where, "Katze", 5, 48, 48, RGBA_IMAGE, fp, as_typed=True)
        check(pixels_of(top[0]) == pixels_of(top[1]),
              "as-typed: regenerating with the same seed did not give the same picture")


ERROR_CASES = [
    # (what, scenario id, the message the log must show)
    ("missing model", "bad-model", "Could not load the model"),
    ("too many variations", "bad-variations", "Variations must be between 1 and 16"),
    ("regenerate a plain layer", "regen-plain", "was not made by Generate from Text"),
    ("best of K without a reranker", "no-reranker", "Best of 2 needs a model with a reranker"),
    ("too many candidates", "bad-candidates", "Best of (candidates per picture) must be 1 to 8"),
]


def check_errors(log, gimp):
    for what, case, message in ERROR_CASES:
        if gimp == "3" and case in ("bad-variations", "bad-candidates"):
            continue  # GIMP 3's parameter specs refuse it before the plug-in runs
        check(message in log, "%s: the log lacks the message %r" % (what, message))


# ---- per GIMP version ----------------------------------------------------------


def scheme_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gimp2_errors(model):
    m = scheme_string(model)
    return [
        '(plug-in-generate-from-text RUN-NONINTERACTIVE -1 -1 "x" "" -1 -1 -1 -1 1 1 0 0 '
        '"/nonexistent/gft.gguf" 0 0)',
        '(plug-in-generate-from-text RUN-NONINTERACTIVE -1 -1 "x" "" -1 -1 -1 -1 1 17 0 0 %s 0 0)'
        % m,
        '(let* ((img (car (gimp-image-new 10 10 RGB))) (l (car (gimp-layer-new img 10 10 '
        'RGB-IMAGE "plain" 100 LAYER-MODE-NORMAL)))) (gimp-image-insert-layer img l 0 -1) '
        '(plug-in-generate-from-text-regenerate RUN-NONINTERACTIVE img l 0))',
        '(plug-in-generate-from-text RUN-NONINTERACTIVE -1 -1 "x" "" -1 -1 -1 -1 1 1 0 0 %s 0 2)'
        % m,
        '(plug-in-generate-from-text RUN-NONINTERACTIVE -1 -1 "x" "" -1 -1 -1 -1 1 1 0 0 %s 0 9)'
        % m,
    ]


def run_gimp2(args, work, out_dir):
    if not shutil.which("gimp-console-2.10"):
        print("SKIP: gimp-console-2.10 not installed")
        return 77
    env = dict(os.environ)
    env["GIMP2_DIRECTORY"] = make_profile(work, "2.10")
    env.pop("DISPLAY", None)
    env["GFT_MODEL"] = ""  # the plug-in's own lookup, not the caller's environment
    stage_plugin(env["GIMP2_DIRECTORY"], args.plugin, args.model)

    prelude = "(define gft-model %s) (define gft-rerank-model %s) (define gft-out %s)" % (
        scheme_string(os.path.abspath(args.model)),
        scheme_string(os.path.abspath(args.rerank_model)), scheme_string(out_dir))
    scenarios = open(os.path.join(HERE, "gimp2-scenarios.scm")).read()
    last_values = open(os.path.join(HERE, "gimp2-last-values.scm")).read()
    commands = ["(begin %s %s)" % (prelude, scenarios), "(begin %s %s)" % (prelude, last_values)]
    commands += gimp2_errors(os.path.abspath(args.model))
    log = gimp2_batch(args, env, out_dir, commands, "run.log")

    describe = open(os.path.join(HERE, "gimp2-describe.scm")).read()
    files = [os.path.join(out_dir, f) for f in sorted(os.listdir(out_dir)) if f.endswith(".xcf")]
    calls = " ".join("(gft-describe-file %s)" % scheme_string(f) for f in files)
    tree = gimp2_batch(args, env, out_dir, ["(begin %s %s)" % (describe, calls)], "describe.log")
    return finish(args, log, tree)


def run_gimp3(args, work, out_dir):
    console = args.gimp_console
    if not shutil.which(console):
        print("SKIP: %s not installed" % console)
        return 77
    env = dict(os.environ)
    env["GIMP3_DIRECTORY"] = make_profile(work, "3.0")
    env.pop("DISPLAY", None)
    env["GFT_MODEL"] = ""
    env["GFT_TEST_MODEL"] = os.path.abspath(args.model)
    env["GFT_TEST_RERANK_MODEL"] = os.path.abspath(args.rerank_model)
    env["GFT_TEST_OUT"] = out_dir
    stage_plugin(env["GIMP3_DIRECTORY"], args.plugin, args.model)
    log = gimp3_batch(args, env, out_dir, os.path.join(HERE, "gimp3-scenarios.py"), "run.log")
    tree = gimp3_batch(args, env, out_dir, os.path.join(HERE, "gimp3-describe.py"), "describe.log")
    return finish(args, log, tree)


INTERACTIVE_DRIVER = r"""
wait_window() { # title-regex seconds
    for _ in $(seq 1 "$2"); do
        W=$(xdotool search --name "$1" 2>/dev/null | head -1)
        [ -n "$W" ] && return 0
        sleep 1
    done
    return 1
}
"$@" >"$GFT_LOG" 2>&1 &
G=$!
if wait_window '^Generate from Text$' 300; then
    sleep 2
    xdotool windowfocus --sync "$W"
    xdotool type --delay 40 'red apple'
    sleep 1
    xdotool key alt+o  # OK: generates, then hands the pictures over
    echo "GFTRESULT|dialog|shown"
else
    echo "GFTRESULT|dialog|missing"
fi
if wait_window '^Regenerate from Text$' 300; then
    sleep 2
    xdotool windowfocus --sync "$W"
    xdotool key alt+v  # Vary (seed + 1)
    echo "GFTRESULT|regen-dialog|shown"
else
    echo "GFTRESULT|regen-dialog|missing"
fi
for _ in $(seq 1 300); do kill -0 $G 2>/dev/null || break; sleep 1; done
kill $G 2>/dev/null
exit 0
"""


def run_interactive(args, work, out_dir):
    """The interactive path in GIMP's GUI on a private X server: our GTK 3
    dialog (prompt typed, OK), with-last-values repeating the dialog's
    choices, and the regenerate dialog (Vary)."""
    gui = "gimp-2.10" if args.gimp == "2" else args.gimp_console.replace("-console", "")
    for tool in (gui, "xvfb-run", "xdotool"):
        if not shutil.which(tool):
            print("SKIP: %s not installed" % tool)
            return 77
    version = "2.10" if args.gimp == "2" else "3.0"
    env = dict(os.environ)
    env["GIMP%s_DIRECTORY" % args.gimp] = profile = make_profile(work, version)
    env["GFT_MODEL"] = ""
    env["LC_ALL"] = "C.UTF-8"
    env["NO_AT_BRIDGE"] = "1"
    env["GSETTINGS_BACKEND"] = "memory"
    env["GFT_LOG"] = os.path.join(out_dir, "gimp.log")
    env["GFT_TEST_OUT"] = out_dir
    stage_plugin(profile, args.plugin, args.model)
    driver = os.path.join(work, "driver.sh")
    with open(driver, "w") as f:
        f.write(INTERACTIVE_DRIVER)
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24 -nolisten tcp", "bash", driver, gui,
           "--no-splash", "-d", "-f"]
    if args.gimp == "2":
        cmd += gimp2_interactive_batches(out_dir)
    else:
        cmd += ["--batch-interpreter=python-fu-eval", "-b",
                "import sys; sys.path.insert(0, %r); exec(open(%r).read())"
                % (HERE, os.path.join(HERE, "gimp3-interactive.py")), "--quit"]
    log = run_gimp(cmd, env, 900, "driver.log", out_dir)
    log += open(env["GFT_LOG"]).read() if os.path.exists(env["GFT_LOG"]) else ""
    env.pop("DISPLAY", None)
    if args.gimp == "2":
        describe = open(os.path.join(HERE, "gimp2-describe.scm")).read()
        files = [os.path.join(out_dir, f) for f in sorted(os.listdir(out_dir)) if f.endswith(".xcf")]
        calls = " ".join("(gft-describe-file %s)" % scheme_string(f) for f in files)
        tree = gimp2_batch(args, env, out_dir, ["(begin %s %s)" % (describe, calls)], "describe.log")
    else:
        tree = gimp3_batch(args, env, out_dir, os.path.join(HERE, "gimp3-describe.py"), "describe.log")
    return check_interactive(args, log, tree)


def gimp2_interactive_batches(out_dir):
    """Script-Fu batches for GIMP 2.10's GUI: dialog, last values, regenerate."""

    def save(var, name):
        path = scheme_string(os.path.join(out_dir, name))
        return "(gimp-xcf-save RUN-NONINTERACTIVE %s 0 %s %s)" % (var, path, path)

    call = ('(car (plug-in-generate-from-text %s -1 -1 "" "" -1 -1 -1 -1 -1 1 0 0 "" 0 0))')
    cmd = []
    batches = [
        "(let ((img %s)) %s)" % (call % "RUN-INTERACTIVE", save("img", "interactive.xcf")),
        "(let ((img %s)) %s)" % (call % "RUN-WITH-LAST-VALS", save("img", "last-after-dialog.xcf")),
        "(let* ((img (car (gimp-xcf-load 0 %s %s))) (l (vector-ref (cadr (gimp-image-get-layers "
        "img)) 0))) (plug-in-generate-from-text-regenerate RUN-INTERACTIVE img l 0) %s)"
        % (scheme_string(os.path.join(out_dir, "interactive.xcf")),
           scheme_string(os.path.join(out_dir, "interactive.xcf")), save("img", "regen.xcf")),
        "(gimp-quit 1)",
    ]
    for b in batches:
        cmd += ["-b", b]
    return cmd


def check_interactive(args, log, tree):
    images, results = parse_trees(log + "\n" + tree)
    fp = fnv1a64(args.model)
    check(results.get("dialog") == ["shown"], "the generation dialog did not appear")
    check(results.get("regen-dialog") == ["shown"], "the regenerate dialog did not appear")
    seed = None
    img = images.get("interactive.xcf")
    if check(img is not None, "interactive.xcf missing (interactive run failed)"):
        top = top_level(img)
        m = re.fullmatch(r"red apple \(seed (\d+)\)", top[0]["name"]) if len(top) == 1 else None
        if check(m is not None, "interactive: layers %r" % [i["name"] for i in top]):
            seed = int(m.group(1))
            # the dialog's default size is the model's own
            check_generated(top[0], "interactive", "red apple", seed, img["w"], img["h"],
                            RGBA_IMAGE, fp)
    img = images.get("last-after-dialog.xcf")
    if check(img is not None, "last-after-dialog.xcf missing (with-last-values run failed)"):
        top = top_level(img)
        # the dialog's prompt and 1 variation, not the values passed
        check(len(top) == 1 and plain_name(top[0]["name"]).startswith("red apple (seed "),
              "with-last-values after the dialog did not repeat its choices: %r"
              % [i["name"] for i in top])
    img = images.get("regen.xcf")
    if seed is not None and check(img is not None, "regen.xcf missing (regenerate failed)"):
        names = [plain_name(i["name"]) for i in top_level(img)]
        check(names == ["red apple (seed %d)" % (seed + 1), "red apple (seed %d)" % seed],
              "regenerate (Vary): layers %r" % names)
    return report(args, log, tree, len(images))


def finish(args, log, tree):
    images, results = parse_trees(log + "\n" + tree)
    fp = fnv1a64(args.model)
    check_scenarios(images, results, fp, fnv1a64(args.rerank_model))
    check_last_values(images, fp, args.gimp)
    if args.gimp == "3":
        check_as_typed3(images, fp)
    check_errors(log, args.gimp)
    return report(args, log, tree, len(images))


def report(args, log, tree, n_images):
    if FAILURES:
        print("\n---- run log ----\n" + log[-6000:])
        print("\n---- layer trees ----\n" + tree[-6000:])
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("all GIMP %s checks passed (%d images)" % (args.gimp, n_images))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gimp", choices=["2", "3"], required=True)
    ap.add_argument("--plugin", required=True, help="the built plug-in binary")
    ap.add_argument("--model", required=True, help="small model for the scenarios")
    ap.add_argument("--rerank-model", required=True,
                    help="small model with a reranker, for the best-of-K scenario")
    ap.add_argument("--gimp-console", default="gimp-console-3.0")
    ap.add_argument("--keep", default="", help="copy the outputs and logs here")
    ap.add_argument("--interactive", action="store_true",
                    help="GIMP's GUI under Xvfb: the dialogs, driven with xdotool")
    args = ap.parse_args()
    for path in (args.plugin, args.model, args.rerank_model):
        if not os.path.isfile(path):
            print("missing file:", path)
            return 1

    work = tempfile.mkdtemp(prefix="gft-gimp%s-" % args.gimp)
    out_dir = os.path.join(work, "out")
    os.makedirs(out_dir)
    try:
        run = run_gimp2 if args.gimp == "2" else run_gimp3
        if args.interactive:
            run = run_interactive
        status = run(args, work, out_dir)
        if args.keep:
            shutil.copytree(out_dir, args.keep, dirs_exist_ok=True)
        return status
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

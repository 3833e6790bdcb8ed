# SPDX-License-Identifier: GPL-3.0-or-later
# Runs plug-in-generate-from-text in GIMP 3 (python-fu-eval) for gimp_test.py,
# the same scenarios as gimp2-scenarios.scm plus the error cases. Reads
# GFT_TEST_MODEL (model file), GFT_TEST_RERANK_MODEL (a model with a
# reranker, for best of K) and GFT_TEST_OUT (output folder); saves XCFs.
import os

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp, Gio  # noqa: E402
from gimp3_pdb import call_procedure  # noqa: E402

MODEL = os.environ["GFT_TEST_MODEL"]
RERANK_MODEL = os.environ["GFT_TEST_RERANK_MODEL"]
OUT = os.environ["GFT_TEST_OUT"]
NONINTERACTIVE = Gimp.RunMode.NONINTERACTIVE


def say(*parts):
    print("".join(str(p) for p in parts), flush=True)


def call(name, image, drawables, run_mode=NONINTERACTIVE, **args):
    return call_procedure(name, run_mode, image, drawables, **args)


def generate(image, drawables, prompt, seed, variations, width, height, target,
             model=None, run_mode=NONINTERACTIVE, candidates=0, prompt_as_typed=False):
    """candidates 0: the model's default (1 for the small test model)."""
    return call("plug-in-generate-from-text", image, drawables, run_mode, prompt=prompt,
                negative_prompt="", temperature=-1.0, top_k=-1, top_p=-1.0, guidance=-1.0,
                seed=seed, variations=variations, width=width, height=height,
                model=MODEL if model is None else model, target=target,
                candidates=candidates, prompt_as_typed=prompt_as_typed)


def regenerate(image, layer, mode):
    return call("plug-in-generate-from-text-regenerate", image, [layer], mode=mode)


def save(image, name):
    path = os.path.join(OUT, name)
    Gimp.file_save(NONINTERACTIVE, image, Gio.File.new_for_path(path), None)


def new_image(w, h, base):
    return Gimp.Image.new(w, h, base)


def add_layer(image, name, layer_type):
    layer = Gimp.Layer.new(image, name, image.get_width(), image.get_height(), layer_type,
                           100.0, Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, -1)
    layer.fill(Gimp.FillType.WHITE)
    return layer


def scenarios():
    # new-image: no image open, 3 variations, 96x80
    made = generate(None, [], "a red fox on a hill", 7, 3, 96, 80, 0)
    if made:
        save(made, "new-image.xcf")

    # rgb: above the selected layer, automatic size, then regenerate
    img = new_image(120, 90, Gimp.ImageBaseType.RGB)
    bg = add_layer(img, "bg", Gimp.ImageType.RGB_IMAGE)
    add_layer(img, "top", Gimp.ImageType.RGBA_IMAGE)
    img.set_selected_layers([bg])
    if generate(img, [bg], "a cat", 42, 1, 0, 0, 0):
        made = img.get_layers()[1]
        regenerate(img, made, 1)
        regenerate(img, made, 0)
    save(img, "rgb.xcf")

    # nested: the selected layer is inside a group: the new layer goes above it there
    img = new_image(40, 40, Gimp.ImageBaseType.RGB)
    add_layer(img, "bg", Gimp.ImageType.RGB_IMAGE)
    folder = Gimp.GroupLayer.new(img, "folder")
    img.insert_layer(folder, None, 0)
    inner = Gimp.Layer.new(img, "inner", 40, 40, Gimp.ImageType.RGBA_IMAGE, 100.0,
                           Gimp.LayerMode.NORMAL)
    img.insert_layer(inner, folder, 0)
    generate(img, [inner], "a small star", 9, 1, 0, 0, 0)
    save(img, "nested.xcf")

    # grey: GRAYA layers, 2 variations in a group, 32x32 centred on 64x48
    img = new_image(64, 48, Gimp.ImageBaseType.GRAY)
    bg = add_layer(img, "bg", Gimp.ImageType.GRAY_IMAGE)
    generate(img, [bg], "a grey owl", 5, 2, 32, 32, 0)
    save(img, "grey.xcf")

    # selection: size 0 is the selection's bounding box, placed on it; a set
    # size is centred on it
    img = new_image(120, 90, Gimp.ImageBaseType.RGB)
    bg = add_layer(img, "bg", Gimp.ImageType.RGB_IMAGE)
    img.select_rectangle(Gimp.ChannelOps.REPLACE, 20, 10, 60, 41)
    generate(img, [bg], "a yellow star", 13, 1, 0, 0, 0)
    img.set_selected_layers([bg])
    generate(img, [bg], "a yellow star", 14, 1, 32, 32, 0)
    # regenerate, with nothing selected: over the old layer, not the canvas centre
    Gimp.Selection.none(img)
    first = [lay for lay in img.get_layers() if lay.get_name().endswith("(seed 13)")]
    if first:
        regenerate(img, first[0], 0)
    save(img, "selection.xcf")

    # indexed: converted to RGB in the same undo group
    img = new_image(50, 40, Gimp.ImageBaseType.RGB)
    bg = add_layer(img, "bg", Gimp.ImageType.RGB_IMAGE)
    img.convert_indexed(Gimp.ConvertDitherType.NONE, Gimp.ConvertPaletteType.GENERATE, 16,
                        False, False, Gimp.context_get_palette().get_name())
    generate(img, [bg], "a blue bird", 11, 1, 0, 0, 0)
    save(img, "indexed.xcf")

    # target 1: a new image even though one is open; the open one is untouched
    img = new_image(30, 30, Gimp.ImageBaseType.RGB)
    bg = add_layer(img, "bg", Gimp.ImageType.RGB_IMAGE)
    made = generate(img, [bg], "a green tree", 3, 2, 64, 64, 1)
    if made:
        say("GFTRESULT|target-new-image|", "same" if made == img else "new", "|",
            len(img.get_layers()))
        save(made, "target-new.xcf")

    # best of 2 with a reranker: above bg, then the same seed with 1 candidate
    # (bg selected again: it goes between), then regenerate the best-of layer
    # with the same seed: the record's best of 2 gives the same picture again
    img = new_image(64, 64, Gimp.ImageBaseType.RGB)
    bg = add_layer(img, "bg", Gimp.ImageType.RGB_IMAGE)
    img.set_selected_layers([bg])
    if generate(img, [bg], "a red apple", 6, 1, 0, 0, 0, model=RERANK_MODEL, candidates=2):
        best = img.get_layers()[0]
        img.set_selected_layers([bg])
        generate(img, [bg], "a red apple", 6, 1, 0, 0, 0, model=RERANK_MODEL, candidates=1)
        regenerate(img, best, 0)
    save(img, "best-of.xcf")

    # prompt as typed: recorded on the layer, and regenerate keeps it
    img = new_image(48, 48, Gimp.ImageBaseType.RGB)
    bg = add_layer(img, "bg", Gimp.ImageType.RGB_IMAGE)
    img.set_selected_layers([bg])
    if generate(img, [bg], "Katze", 5, 1, 0, 0, 0, prompt_as_typed=True):
        regenerate(img, img.get_layers()[0], 0)
    save(img, "as-typed.xcf")

    # with last values: GIMP 3 remembers the values of interactive runs only,
    # so in a fresh profile these run with the values passed.
    # Model "" = gft-emoji.gguf from the plug-in's own folder.
    last = Gimp.RunMode.WITH_LAST_VALS
    made = generate(None, [], "remembered", 1, 1, 0, 0, 0, model="", run_mode=last)
    if made:
        save(made, "last-values.xcf")
    made = generate(None, [], "other", 2, 2, 0, 0, 0, model=MODEL, run_mode=last)
    if made:
        save(made, "last-values-2.xcf")

    # errors: each must fail with a clear message
    generate(None, [], "x", 1, 1, 0, 0, 0, model="/nonexistent/gft.gguf")
    img = new_image(10, 10, Gimp.ImageBaseType.RGB)
    plain = add_layer(img, "plain", Gimp.ImageType.RGB_IMAGE)
    regenerate(img, plain, 0)
    # best of 2 with a model that has no reranker
    generate(None, [], "x", 1, 1, 0, 0, 0, candidates=2)

    # (out-of-range arguments such as 17 variations or 9 candidates never
    # reach the plug-in in GIMP 3: the procedure's parameter specs refuse them.)


scenarios()

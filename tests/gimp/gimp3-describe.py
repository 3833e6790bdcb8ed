# SPDX-License-Identifier: GPL-3.0-or-later
# Prints the layer tree of the XCF files in GFT_TEST_OUT for gimp_test.py
# (GIMP 3, python-fu-eval), in the same format as gimp2-describe.scm.
import os

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp, Gio  # noqa: E402

OUT = os.environ["GFT_TEST_OUT"]


def stats(drawable, channel):
    h = drawable.histogram(channel, 0.0, 1.0)
    return "%s,%s" % (h[1], h[2])


def describe(item, depth):
    group = item.is_group()
    _, x, y = item.get_offsets()
    if group:
        alpha = value = red = "-"
    else:
        alpha = stats(item, Gimp.HistogramChannel.ALPHA) if item.has_alpha() else "255,0"
        value = stats(item, Gimp.HistogramChannel.VALUE)
        red = stats(item, Gimp.HistogramChannel.RED if item.is_rgb()
                    else Gimp.HistogramChannel.VALUE)
    print("GFTITEM|%d|%s|%s|%d|%d|%d|%d|%d|%s|%s|%s" % (
        depth, item.get_name(), "group" if group else "layer", int(item.type()),
        item.get_width(), item.get_height(), x, y, alpha, value, red), flush=True)
    if "gft-settings" in item.get_parasite_list():
        data = bytes(item.get_parasite("gft-settings").get_data())
        print("GFTPARASITE<<%s>>" % data.rstrip(b"\0").decode("utf-8"), flush=True)
    if group:
        for child in item.get_children():
            describe(child, depth + 1)


for name in sorted(os.listdir(OUT)):
    if not name.endswith(".xcf"):
        continue
    path = os.path.join(OUT, name)
    image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path(path))
    print("GFTIMAGE|%s|%d|%d|%d" % (path, image.get_width(), image.get_height(),
                                   int(image.get_base_type())), flush=True)
    for layer in image.get_layers():
        describe(layer, 0)

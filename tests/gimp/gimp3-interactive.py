# SPDX-License-Identifier: GPL-3.0-or-later
# GIMP 3 GUI batch (python-fu-eval) for gimp_test.py --interactive: opens
# the generation dialog (driven with xdotool), then repeats it with last
# values (GIMP 3 remembers interactive runs), then the regenerate dialog.
# Writes XCFs into GFT_TEST_OUT.
import os

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp, Gio  # noqa: E402
from gimp3_pdb import call_procedure  # noqa: E402

OUT = os.environ["GFT_TEST_OUT"]
run = call_procedure


def save(image, name):
    Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image,
                   Gio.File.new_for_path(os.path.join(OUT, name)), None)


made = run("plug-in-generate-from-text", Gimp.RunMode.INTERACTIVE, None, [])
if made:
    save(made, "interactive.xcf")
    again = run("plug-in-generate-from-text", Gimp.RunMode.WITH_LAST_VALS, None, [],
                prompt="not remembered", variations=2)
    if again:
        save(again, "last-after-dialog.xcf")
    layer = made.get_layers()[0]
    if run("plug-in-generate-from-text-regenerate", Gimp.RunMode.INTERACTIVE, made, [layer]):
        save(made, "regen.xcf")

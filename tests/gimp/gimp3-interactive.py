# SPDX-License-Identifier: GPL-3.0-or-later
# GIMP 3 GUI batch (python-fu-eval) for gimp_test.py --interactive: opens
# the generation dialog (driven with xdotool), then repeats it with last
# values (GIMP 3 remembers interactive runs), then the regenerate dialog.
# Writes XCFs into GFT_TEST_OUT.
import os

import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp, Gio  # noqa: E402

OUT = os.environ["GFT_TEST_OUT"]
PDB = Gimp.get_pdb()


def run(name, run_mode, image, drawables, **args):
    proc = PDB.lookup_procedure(name)
    cfg = proc.create_config()
    cfg.set_property("run-mode", run_mode)
    cfg.set_property("image", image)
    cfg.set_core_object_array("drawables", drawables)
    for key, value in args.items():
        cfg.set_property(key.replace("_", "-"), value)
    result = proc.run(cfg)
    if result.index(0) != Gimp.PDBStatusType.SUCCESS:
        print("GFTERROR|%s|%s" % (name, result.index(1) if result.length() > 1 else ""),
              flush=True)
        return None
    return result.index(1)


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

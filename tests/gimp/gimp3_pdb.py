# SPDX-License-Identifier: GPL-3.0-or-later
# Calls a PDB procedure from GIMP 3's Python, for the gimp3-*.py test scripts
# (gimp_test.py puts this folder on sys.path before it runs them).
import gi

gi.require_version("Gimp", "3.0")
from gi.repository import Gimp  # noqa: E402


def call_procedure(name, run_mode, image, drawables, **args):
    """Runs procedure `name`; returns its first return value, or None after
    printing a GFTERROR line when it fails. Keyword names use '_' for '-'."""
    proc = Gimp.get_pdb().lookup_procedure(name)
    cfg = proc.create_config()
    cfg.set_property("run-mode", run_mode)
    cfg.set_property("image", image)
    cfg.set_core_object_array("drawables", drawables)
    for key, value in args.items():
        cfg.set_property(key.replace("_", "-"), value)
    result = proc.run(cfg)
    status = result.index(0)
    if status != Gimp.PDBStatusType.SUCCESS:
        message = result.index(1) if result.length() > 1 else ""
        print("GFTERROR|%s|%s|%s" % (name, status, message), flush=True)
        return None
    return result.index(1)

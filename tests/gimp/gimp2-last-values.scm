; SPDX-License-Identifier: GPL-3.0-or-later
; RUN-WITH-LAST-VALS in a fresh profile: the remembered values are the
; defaults (empty prompt, 1 variation, random seed, 512x512) and the model is
; gft-emoji.gguf found in the plug-in's own folder. The driver defines gft-out.
(let ((img (car (plug-in-generate-from-text RUN-WITH-LAST-VALS -1 -1 "ignored" "" -1 -1 -1 -1
                                            -1 1 0 0 "" 0 0))))
  (gimp-xcf-save RUN-NONINTERACTIVE img 0 (string-append gft-out "/last-values.xcf")
                 (string-append gft-out "/last-values.xcf")))

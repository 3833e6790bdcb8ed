; SPDX-License-Identifier: GPL-3.0-or-later
; Runs plug-in-generate-from-text in GIMP 2.10 (Script-Fu) for gimp_test.py.
; The driver defines gft-model (model file), gft-rerank-model (a model with a
; reranker, for best of K) and gft-out (output folder) first.
; Each scenario saves an XCF; gimp2-describe.scm reads them back.
(define (gft-path name) (string-append gft-out "/" name))
(define (gft-save img name)
  (gimp-xcf-save RUN-NONINTERACTIVE img 0 (gft-path name) (gft-path name)))
(define (gft-say . parts) (gimp-message (apply string-append parts)))
(define (gft-gen-with model candidates img drawable prompt seed variations width height target)
  (car (plug-in-generate-from-text RUN-NONINTERACTIVE img drawable prompt "" -1 -1 -1 -1
                                   seed variations width height model target candidates)))
; candidates 0: the model's default (1 for the small test model: no reranker)
(define (gft-gen img drawable prompt seed variations width height target)
  (gft-gen-with gft-model 0 img drawable prompt seed variations width height target))
(define (gft-layer img type name)
  (let ((l (car (gimp-layer-new img (car (gimp-image-width img)) (car (gimp-image-height img))
                                type name 100 LAYER-MODE-NORMAL))))
    (gimp-image-insert-layer img l 0 -1)
    (gimp-drawable-fill l FILL-WHITE)
    l))

; new-image: no image open, 3 variations, 96x80
(gft-save (gft-gen -1 -1 "a red fox on a hill" 7 3 96 80 0) "new-image.xcf")

; rgb: layers above the active one, automatic size, then regenerate
(let* ((img (car (gimp-image-new 120 90 RGB)))
       (bg (gft-layer img RGB-IMAGE "bg"))
       (top (gft-layer img RGBA-IMAGE "top")))
  (gimp-image-set-active-layer img bg)
  (gft-gen img bg "a cat" 42 1 0 0 0)
  (let ((made (vector-ref (cadr (gimp-image-get-layers img)) 1)))
    (plug-in-generate-from-text-regenerate RUN-NONINTERACTIVE img made 1)
    (plug-in-generate-from-text-regenerate RUN-NONINTERACTIVE img made 0))
  (gft-save img "rgb.xcf"))

; nested: the selected layer is inside a group: the new layer goes above it there
(let* ((img (car (gimp-image-new 40 40 RGB)))
       (bg (gft-layer img RGB-IMAGE "bg"))
       (folder (car (gimp-layer-group-new img)))
       (inner (car (gimp-layer-new img 40 40 RGBA-IMAGE "inner" 100 LAYER-MODE-NORMAL))))
  (gimp-item-set-name folder "folder")
  (gimp-image-insert-layer img folder 0 0)
  (gimp-image-insert-layer img inner folder 0)
  (gft-gen img inner "a small star" 9 1 0 0 0)
  (gft-save img "nested.xcf"))

; grey: GRAYA layers, 2 variations in a group, 32x32 centred on 64x48
(let* ((img (car (gimp-image-new 64 48 GRAY)))
       (bg (gft-layer img GRAY-IMAGE "bg")))
  (gft-gen img bg "a grey owl" 5 2 32 32 0)
  (gft-save img "grey.xcf"))

; selection: size 0 is the selection's bounding box, placed on it; a set
; size is centred on it
(let* ((img (car (gimp-image-new 120 90 RGB)))
       (bg (gft-layer img RGB-IMAGE "bg")))
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 20 10 60 41)
  (gft-gen img bg "a yellow star" 13 1 0 0 0)
  (gimp-image-set-active-layer img bg)
  (gft-gen img bg "a yellow star" 14 1 32 32 0)
  ; regenerate, with nothing selected: over the old layer, not the canvas centre
  (gimp-selection-none img)
  (plug-in-generate-from-text-regenerate RUN-NONINTERACTIVE img
                                         (vector-ref (cadr (gimp-image-get-layers img)) 0) 0)
  (gft-save img "selection.xcf"))

; indexed: converted to RGB in the same undo group
(let* ((img (car (gimp-image-new 50 40 RGB)))
       (bg (gft-layer img RGB-IMAGE "bg")))
  (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE "")
  (gft-gen img bg "a blue bird" 11 1 0 0 0)
  (gft-save img "indexed.xcf"))

; target 1: a new image even though one is open; the open one is untouched
(let* ((img (car (gimp-image-new 30 30 RGB)))
       (bg (gft-layer img RGB-IMAGE "bg"))
       (made (gft-gen img bg "a green tree" 3 2 64 64 1)))
  (gft-say "GFTRESULT|target-new-image|" (if (= made img) "same" "new") "|"
           (number->string (car (gimp-image-get-layers img))))
  (gft-save made "target-new.xcf"))

; best of 2 with a reranker: above bg, then the same seed with 1 candidate
; (bg selected again: it goes between), then regenerate the best-of layer
; with the same seed: the record's best of 2 gives the same picture again
(let* ((img (car (gimp-image-new 64 64 RGB)))
       (bg (gft-layer img RGB-IMAGE "bg")))
  (gimp-image-set-active-layer img bg)
  (gft-gen-with gft-rerank-model 2 img bg "a red apple" 6 1 0 0 0)
  (let ((best (vector-ref (cadr (gimp-image-get-layers img)) 0)))
    (gimp-image-set-active-layer img bg)
    (gft-gen-with gft-rerank-model 1 img bg "a red apple" 6 1 0 0 0)
    (plug-in-generate-from-text-regenerate RUN-NONINTERACTIVE img best 0))
  (gft-save img "best-of.xcf"))

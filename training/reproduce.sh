#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole chain that made the shipped model, in one command, with its seeds and step counts
# (training/README.md, "The shipped model in one command"):
#
#   data pack -> BPE -> device_train.sh (VQ tokenizer + transformer, wall-clock budgets)
#   -> codes of every image -> 3 298 more transformer steps on every concept, the last kept
#   -> CCA round 1 (189 steps, lr 5e-5, seed 2024) -> CCA round 2 (144 steps, seed 2025)
#   -> eval.finalize (Q8_0 GGUF with the shipped sampling defaults)
#   -> a CNN judge from the file's reconstructions (eval.judge_train, 1 896 steps)
#      -> CCA round 3 from the file (gft.cca_file: 3 300 steps x 128, lr 1e-5, the judged best kept)
#      -> sampling defaults 2:0.7:40 (gft.set_sampling)
#   -> the prompt lexicon from the captions, pruned by the model (gft.lexicon, gft.lexicon_prune;
#      F16 embeddings to make room)
#   -> the reranker (gft.rerank, 64 px, captions read through the lexicon, RR_STEPS steps on two
#      CPU threads, seed 1) embedded with gft.rerank_gguf, default best of 4
#   -> judge-picked readings of English keys, added to the lexicon (gft.readings, the C engine)
#   -> judged readings of other languages' everyday words (gft.word_readings, the C engine)
#   -> colour words of other languages (gft.colour_words)
#   -> filler words a reading drops, "cute", "little", ... (gft.filler_words)
#   -> plurals and diminutives of the names read as the names (gft.word_forms)
#   -> judged readings of the forms that are names too, "cats" (gft.named_forms, the C engine)
#   -> the 2x upscaler: emoji and icons rendered again at 256 px (gft.sr_data), UP_STEPS steps on
#      the decoder's reconstructions against them (gft.train_upscaler, two CPU threads, seed 3),
#      embedded with gft.upscale_gguf
#   -> contact sheet (the C engine, the file's defaults)
#
#   training/reproduce.sh                  on a CUDA GPU machine: about 25 minutes of GPU stages (an
#                                          H200), then about 5 hours of CPU stages (the reranker 40 min,
#                                          the judged readings searches about 3.5 h, the upscaler 30
#                                          min; timed one by one on 2 cores); none was run whole
#   training/reproduce.sh --dry-run        the same chain on a small synthetic pack with a few
#                                          steps per stage, on the CPU (about 10 minutes; the test
#                                          suite runs it: tests/training/test_reproduce_dry.py)
# Options: --out DIR (default training/runs/reproduce, or .../reproduce-dry), --skip-data (keep
# .devdata/pack), --model FILE (default models/gft-emoji.gguf; a dry run writes DIR/model.gguf).
# The first stage's budgets are wall-clock (device_train.sh), so another GPU gets another number
# of steps there; every later stage runs a fixed number of steps.
set -euo pipefail
CALLER_DIR=$PWD
cd "$(dirname "$0")/.."
ROOT=$PWD
DRY=0
RUN=""
DATA=1
MODEL=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --out) RUN=$2; shift ;;
    --skip-data) DATA=0 ;;
    --model) MODEL=$2; shift ;;
    *) echo "reproduce.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
absolute() { case "$1" in /*) echo "$1" ;; "") ;; *) echo "$CALLER_DIR/$1" ;; esac; }
RUN=$(absolute "$RUN")
MODEL=$(absolute "$MODEL")
PY=python3
[ -x /usr/bin/python3 ] && ! python3 -c 'import torch' 2>/dev/null && PY=/usr/bin/python3
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$ROOT/training

# stage sizes: the shipped run's, or a few steps each for the dry run
UP_STEPS=20000 SR_ARGS=()
CONT_STEPS=3298 CCA1_STEPS=189 CCA2_STEPS=144 N_AUG=4 RR_STEPS=2228 RR_RECON=4096
JUDGE_STEPS=1896 JUDGE_ARGS=() CCA3_STEPS=3300 CCA3_EVERY=200 CCA3_BATCH=128 CCA3_PROMPTS=24 CCA3_SEEDS=16
READ_ARGS=(--keys-from "$ROOT/training/eval/results/synonyms-2026-11-27/report.json" --wordnet /usr/share/wordnet)
WORD_ARGS=(--keys-from "$ROOT/training/eval/results/word-readings-2026-11-28/report.json")
if [ "$DRY" = 1 ]; then
  UP_STEPS=2 SR_ARGS=(--upsampled-pack --limit 64)
  CONT_STEPS=2 CCA1_STEPS=2 CCA2_STEPS=2 N_AUG=1 RR_STEPS=2 RR_RECON=16
  JUDGE_STEPS=2 JUDGE_ARGS=(--batch 8) CCA3_STEPS=2 CCA3_EVERY=1 CCA3_BATCH=2 CCA3_PROMPTS=1 CCA3_SEEDS=1
  READ_ARGS=(--groups symbols --max-keys 3 --seeds-1 1 --seeds-2 1 --wordnet /usr/share/wordnet)
  WORD_ARGS=(--groups symbols --max-keys 3 --seeds-1 1 --seeds-2 1)
  RUN=${RUN:-$ROOT/training/runs/reproduce-dry}
  MODEL=${MODEL:-$RUN/model.gguf}
  PACK=$RUN/pack
else
  RUN=${RUN:-$ROOT/training/runs/reproduce}
  MODEL=${MODEL:-$ROOT/models/gft-emoji.gguf}
  PACK=$ROOT/.devdata/pack
fi
mkdir -p "$RUN"
step() { echo "== reproduce: $* ($(date -u +%H:%M:%S))"; }

step "data pack"
if [ "$DRY" = 1 ]; then
  (cd training && "$PY" -m eval.fake_pack --out "$PACK" --n 600)
elif [ "$DATA" = 1 ] || [ ! -f "$PACK/meta.json.xz" ]; then
  bash training/data/build.sh
fi
step "BPE tokenizer"
TOK=$RUN/tokenizer.json
(cd training && "$PY" -m gft.prep --pack "$PACK" -o "$TOK")

step "VQ tokenizer + transformer (device_train.sh)"
if [ "$DRY" = 1 ]; then
  OUT_DRY=$RUN/train GFT_PACK=$PACK GFT_TOKENIZER=$TOK bash training/device_train.sh --dry-run
else
  OUT=$RUN/train GFT_PACK=$PACK GFT_TOKENIZER=$TOK bash training/device_train.sh
fi

# the GPU scripts write checkpoints in parts (each file that comes back is <= 16 MiB)
join_parts() { (cd training && "$PY" -c 'import sys; from eval.finalize import reassemble; reassemble(sys.argv[1])' "$1"); }
join_parts "$RUN/train"

step "codes of every image (as stored, mirrored, $N_AUG re-framings)"
(cd training && "$PY" -m gft.encode --checkpoint "$RUN/train/final.pt" --pack "$PACK" \
  --n-aug "$N_AUG" -o "$RUN/codes.npy.xz")
(cd training && "$PY" -m gft.continue_gpt --export-init "$RUN/train/final.pt" -o "$RUN/init.pt")

step "continuation: $CONT_STEPS steps on every concept, the last weights kept"
CONT_ARGS=()
[ "$DRY" = 1 ] && CONT_ARGS=(--dry-run)
GFT_INIT=$RUN/init.pt GFT_CODES=$RUN/codes.npy.xz GFT_META=$PACK/meta.json.xz GFT_TOKENIZER=$TOK \
  GFT_KEEP=last GFT_MAX_STEPS=$CONT_STEPS OUT=$RUN/cont OUT_DRY=$RUN/cont \
  bash training/device_continue.sh "${CONT_ARGS[@]}"

join_parts "$RUN/cont"

cca() { # cca INIT OUTDIR STEPS SEED
  (cd training && "$PY" -m gft.cca --init "$1" --codes "$RUN/codes.npy.xz" --meta "$PACK/meta.json.xz" \
    --tokenizer "$TOK" --out "$2" --lr 5e-5 --budget 1e9 --max-steps "$3" --seed "$4")
}
step "CCA round 1: $CCA1_STEPS steps"
cca "$RUN/cont/final.pt" "$RUN/cca1" "$CCA1_STEPS" 2024
step "CCA round 2: $CCA2_STEPS steps"
cca "$RUN/cca1/final.pt" "$RUN/cca2" "$CCA2_STEPS" 2025

step "export to $MODEL"
# shellcheck disable=SC2012 # the newest build's CLI, as train.sh picks it
GFT_CLI=${GFT_CLI:-$(ls -t "$ROOT"/build*/cli/gft 2>/dev/null | head -1)}
FIGS=()
[ "$DRY" = 0 ] && [ -n "$GFT_CLI" ] && FIGS=(--figdir "$ROOT/docs")
(cd training && "$PY" -m eval.finalize --run "$RUN/cca2" --vq-from "$RUN/train/final.pt" \
  --model "$MODEL" --sampling 3:0.7:40 "${FIGS[@]}")

step "CCA round 3 on the GPU, the judged best of $CCA3_STEPS steps kept (gft.cca_file)"
# the CNN judge first, from the file's own reconstructions of every code grid (a fixed step count:
# the first GPU run's judge trained for 25 s of wall clock); then CCA at batch 128, lr 1e-5, judged
# every 200 steps on 96 prompts x 16 seeds; the judge's pick is exported (step 2 200 of 3 300 shipped)
(cd training && "$PY" -m eval.judge_train --model "$MODEL" --codes "$RUN/codes.npy.xz" --meta "$PACK/meta.json.xz" \
  -o "$RUN/judge/judge.pt" --budget 1e9 --max-steps "$JUDGE_STEPS" "${JUDGE_ARGS[@]}")
(cd training && "$PY" -m gft.cca_file --model "$MODEL" --codes "$RUN/codes.npy.xz" --meta "$PACK/meta.json.xz" \
  --judge "$RUN/judge/judge.pt" --out "$RUN/cca3" --budget 1e9 --max-steps "$CCA3_STEPS" --every "$CCA3_EVERY" \
  --batch "$CCA3_BATCH" --lr 1e-5 --select-prompts "$CCA3_PROMPTS" --seeds "$CCA3_SEEDS")
cp "$RUN/cca3/cand.gguf" "$MODEL"
# the new defaults: guidance 2 won the GPU sweep of the picked weights (eval.sweep_file) and the
# acceptance prompts at best of 4 (models/MODEL_CARD.md, "CCA on the GPU, picked by the judge")
(cd training && "$PY" -m gft.set_sampling --model "$MODEL" --sampling 2:0.7:40 -o "$MODEL")

step "prompt lexicon: other languages' labels and tags read as English (gft.lexicon)"
# the model itself drops the frequent words it reads better as typed (gft.lexicon_prune, on the
# code grids); the embedding tables go F16 to keep the file under 40 MB; the word list is
# Debian's wamerican; the articles a reading drops (leading words) go in too
(cd training && OPENBLAS_NUM_THREADS=2 "$PY" -m gft.lexicon --model "$MODEL" --meta "$PACK/meta.json.xz" \
  --prune-codes "$RUN/codes.npy.xz" --prune-report "$RUN/lexicon-prune.json" --f16-embeddings \
  --articles default -o "$MODEL")

step "reranker: $RR_STEPS steps (real images and $RR_RECON reconstructions, 64 px), best of 4"
# trained on captions read through the file's lexicon, as the engine reads prompts before it
# scores; two threads, as the shipped reranker was trained (the step count fixes the result)
(cd training && OPENBLAS_NUM_THREADS=1 "$PY" -m gft.rerank --model "$MODEL" --codes "$RUN/codes.npy.xz" \
  --pack "$PACK" --n-recon "$RR_RECON" --budget 1e9 --max-steps "$RR_STEPS" --threads 2 --side 64 \
  --width 16,32,64,128,256 --readings -o "$RUN/rerank/rerank.pt")
(cd training && "$PY" -m gft.rerank_gguf --model "$MODEL" --rerank "$RUN/rerank/rerank.pt" \
  --candidates 4 -o "$MODEL")

step "judge-picked readings of English keys (gft.readings)"
# each key's wordings drawn by the C engine (one sample, seeds 1000 on) and named by the judge
# above; a reading replaces the key only when it wins on 12 fresh seeds; written into the lexicon.
# The shipped search ran for a wall-clock budget; --keys-from searches the keys it reached.
[ -n "$GFT_CLI" ] || { echo "reproduce.sh: the readings step needs a built gft (meson build)" >&2; exit 1; }
rm -f "$RUN/readings.json"
(cd training && OPENBLAS_NUM_THREADS=1 "$PY" -m gft.readings --engine "$GFT_CLI" --model "$MODEL" \
  --meta "$PACK/meta.json.xz" --judge "$RUN/judge/judge.pt" --report "$RUN/readings.json" \
  "${READ_ARGS[@]}" -o "$MODEL")

step "judged readings of other languages' everyday words (gft.word_readings)"
# labels and tags (2-16 emoji) of zh, ja, de, fr and es that the lexicon leaves as typed or reads through
# another language; drawn as gft.readings draws (seeds 3000 on), decided on 12 fresh seeds
rm -f "$RUN/word-readings.json"
(cd training && OPENBLAS_NUM_THREADS=1 "$PY" -m gft.word_readings --engine "$GFT_CLI" --model "$MODEL" \
  --meta "$PACK/meta.json.xz" --judge "$RUN/judge/judge.pt" --report "$RUN/word-readings.json" \
  "${WORD_ARGS[@]}" -o "$MODEL")

step "colour words of other languages (gft.colour_words)"
(cd training && "$PY" -m gft.colour_words --model "$MODEL" --meta "$PACK/meta.json.xz" -o "$MODEL")

step "filler words a reading drops (gft.filler_words)"
# "cute", "little", "delicious", ... join the articles; the list is the one measured in
# training/eval/results/filler-2026-11-28/ (no search: the words are fixed in gft.filler_words)
(cd training && "$PY" -m gft.filler_words --model "$MODEL" --meta "$PACK/meta.json.xz" -o "$MODEL")

step "plurals and diminutives of the names (gft.word_forms)"
# "apples", "Katzen", "gatos", "Kätzchen", "小狗" read as "apple", "Katze", "gato", ... are read; the
# rules are fixed in gft.word_forms, Debian's wamerican, wngerman and wfrench keep the real forms
(cd training && "$PY" -m gft.word_forms --model "$MODEL" --meta "$PACK/meta.json.xz" -o "$MODEL")

step "judged readings of the forms that are names too (gft.named_forms)"
# "cats" is a tag of the cat: drawn as typed and as "katze" (seeds 5000 on), decided on 12 fresh seeds
rm -f "$RUN/named-forms.json"
(cd training && OPENBLAS_NUM_THREADS=1 "$PY" -m gft.named_forms --engine "$GFT_CLI" --model "$MODEL" \
  --meta "$PACK/meta.json.xz" --judge "$RUN/judge/judge.pt" --report "$RUN/named-forms.json" -o "$MODEL")

step "2x upscaler: $UP_STEPS steps on reconstructions against 256 px renders (gft.train_upscaler)"
# the targets are the emoji and icon SVGs rendered again at twice the size (a dry run's synthetic
# pack has none: its own pictures, Lanczos 2x, stand in); the inputs are the file's decoder output
(cd training && "$PY" -m gft.sr_data --pack "$PACK" "${SR_ARGS[@]}" -o "$RUN/sr/targets256.npz")
(cd training && OPENBLAS_NUM_THREADS=1 "$PY" -m gft.train_upscaler --model "$MODEL" --codes "$RUN/codes.npy.xz" \
  --targets "$RUN/sr/targets256.npz" --pack "$PACK" --budget 1e9 --max-steps "$UP_STEPS" --threads 2 \
  -o "$RUN/sr/upscaler.pt")
(cd training && "$PY" -m gft.upscale_gguf --model "$MODEL" --upscaler "$RUN/sr/upscaler.pt" \
  --description "Generate from Text default model: text -> 256 px emoji-style RGBA (128 px decoder, 2x upscaler)" \
  -o "$MODEL")

if [ "$DRY" = 0 ] && [ -n "$GFT_CLI" ]; then
  step "contact sheet (docs/contact-sheet.png)"
  (cd training && "$PY" -m eval.contact_sheet --engine "$GFT_CLI" --model "$MODEL" \
    --pngdir "$RUN/sheet_pngs" -o "$ROOT/docs/contact-sheet.png")
fi
step "done: $MODEL"

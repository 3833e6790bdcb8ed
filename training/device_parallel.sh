#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One GPU call, several tunings of the shipped model file side by side (device_cca.sh each), all
# judged by one CNN judge trained first in the same call. Why: a session is lent 15 device
# minutes, one small model leaves most of an H200 idle, and each tuning so far was a guess; three
# guesses in one call cost what one did. At the end the tuning whose kept checkpoint gained most
# over the start on the prompts and seeds no choice saw (cca_file's report) returns its model
# file; a tuning that kept the start returns none.
# Run from the repository root on the device machine, carrying what device_cca.sh says
# (training/runs/codes-gpu2, .devdata/pack/meta.json.xz; runs/judge is not needed):
#   bash training/device_parallel.sh            # <= 9.5 minutes; to $OUT: judge-gpu2.pt, logs.tar.xz,
#                                               # and the picked cand.gguf.part00..02 (6 files)
#   bash training/device_parallel.sh --dry-run  # a few steps of each on the CPU
# The tunings (name, then device_cca.sh's GFT_LR, GFT_EVERY and GFT_CCA_ARGS):
#   self-train  judged self-training, the pool drawn at guidance 1, temperature 1, no top-k: the
#               eighteenth session's two calls drew it at the file's defaults and lost
#   distill     cross-lingual distillation of the English captions into the others (twelfth
#               session on the CPU kept nothing; never run on a GPU)
#   cca-lang    CCA again from the shipped file, half the captions in English and 80 % of the
#               rest in zh/ja/de/fr/es (the eleventh session's round drew them from 25 languages)
# All guarded: a checkpoint is kept only if no prompt set's mean rank fell below the start's.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
DRY=${1:-}
OUT=${OUT:-$ROOT/training/runs/parallel}
WORK=${GFT_WORK:-$(mktemp -d /tmp/gft-parallel.XXXXXX)}
TOTAL=${GFT_TOTAL:-560}  # seconds for the whole call; the tunings share what the judge leaves
MODEL=${GFT_MODEL:-$ROOT/models/gft-emoji.gguf}
CODES=${GFT_CODES:-$ROOT/training/runs/codes-gpu2/codes-gpu2.npy.xz}
META=${GFT_META:-$ROOT/.devdata/pack/meta.json.xz}
LANGS="--p-english 0.5 --p-preferred 0.8"
JOBS=(
  "self-train|5e-6|20|--objective self-train --guard --draw-sampling 1:1:0 --anchor 0.5 --group 4 --captions-per-draw 512 --refresh 2 $LANGS --seed 2050"
  "distill|1e-5|150|--objective lang-distill --guard --anchor 0.5 $LANGS --seed 2051"
  "cca-lang|1e-5|300|--guard $LANGS --seed 2052"
)
. training/device_common.sh
device_start device_parallel "$MODEL" "$CODES" "$META" || exit 2
mkdir -p "$OUT" "$WORK"
JUDGE=$OUT/judge-gpu2.pt
device_train_judge "$MODEL" "$CODES" "$META" "$JUDGE" "$DRY" > "$WORK/judge.log" 2>&1 ||
  { cat "$WORK/judge.log"; exit 3; }
tail -n 2 "$WORK/judge.log"
left=$(( TOTAL - SECONDS ))
echo "judge trained in ${SECONDS}s; ${left}s left for ${#JOBS[@]} tunings"
pids=()
for job in "${JOBS[@]}"; do
  IFS='|' read -r name lr every args <<< "$job"
  # device_cca.sh's wall leaves the judgings, report and export inside its timeout
  OUT="$WORK/$name" OUT_DRY="$WORK/$name" GFT_JUDGE="$JUDGE" GFT_LR="$lr" GFT_EVERY="$every" \
    GFT_BUDGET=1000 GFT_WALL=$(( left - 45 )) GFT_TIMEOUT=$(( left - 5 )) GFT_CCA_ARGS="$args" \
    bash training/device_cca.sh $DRY > "$WORK/$name.out" 2>&1 &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}"
  echo "${JOBS[$i]%%|*}: exit $?"
done
# the tuning that gained most on the unseen prompts (top-1 + top-5), if any kept a checkpoint
pick=$("$PY" - "$WORK" "${JOBS[@]%%|*}" <<'EOF'
import json, os, sys
work, best, gain_best = sys.argv[1], "", 0.0
for name in sys.argv[2:]:
    try:
        m = json.load(open(os.path.join(work, name, "metrics.json")))
    except (OSError, ValueError):
        print("%s: no metrics" % name, file=sys.stderr)
        continue
    r = m["report"]
    gain = r["best"]["top1"] + r["best"]["top5"] - r["start"]["top1"] - r["start"]["top5"]
    print("%s: kept step %s, unseen start %s, best %s, gain %+.4f"
          % (name, m["best_step"], r["start"], r["best"], gain), file=sys.stderr)
    if m["best_step"] and gain > gain_best:
        best, gain_best = name, gain
print(best)
EOF
)
echo "picked: ${pick:-none (every tuning kept the start or lost)}"
for job in "${JOBS[@]}"; do
  name=${job%%|*}
  cp "$WORK/$name.out" "$WORK/$name/" 2>/dev/null
done
cp "$WORK/judge.log" "$WORK/self-train/" 2>/dev/null
(cd "$WORK" && tar -cJf "$OUT/logs.tar.xz" --exclude='cand.gguf*' --exclude='judged' "${JOBS[@]%%|*}")
if [ -n "$pick" ]; then
  cp "$WORK/$pick"/cand.gguf.part* "$OUT/" && echo "$pick" > "$OUT/picked.txt"
fi
ls -la "$OUT"

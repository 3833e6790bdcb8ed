#!/bin/bash
# The twenty-fourth session's extension of the word readings search (labels of any breadth, tags
# of up to 16 emoji, names in the word list no longer English): the new readings on fresh seeds
# (eval.readings_check, both judges), the everyday words (changed_check.py) and which evaluation
# prompts read otherwise. Run in training/ with Debian's python3 first on PATH, after
#   python3 -m gft.word_readings --engine ../build/cli/gft --model ../models/gft-emoji.gguf \
#     --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt \
#     --report runs/word-readings-2/report.json --budget 3600 -o runs/word-readings-2/cand.gguf
# (report.json started as a copy of this folder's report of the twenty-third session).
set -euo pipefail
R=eval/results/word-readings-2026-11-28
E=eval/results/everyday-2026-11-28
OLD=${OLD:-../models/gft-emoji.gguf}
NEW=${NEW:-runs/word-readings-2/cand.gguf}
export OPENBLAS_NUM_THREADS=1
python3 -m eval.readings_check --engine ../build/cli/gft --report runs/word-readings-2/report.json \
  --model shipped="$OLD" --model readings="$NEW" --judge runs/judge/judge-gpu2.pt \
  -o $R/check2.json > $R/check2.txt 2> $R/check2.err
# after.json (the twenty-third session's figures of the shipped file) in eval.acceptance's layout
python3 -c "
import json, sys
a = json.load(open('$E/after.json'))
p = {k: dict(cnn1=v['after'][0], cnn5=v['after'][1], cnnrank=v['after'][2]) for k, v in a['prompts'].items()}
json.dump(dict(shipped=dict(seeds=a['seeds'], prompts=p)), open('$E/after-as-acceptance.json', 'w'), ensure_ascii=False)"
python3 $E/changed_check.py --engine ../build/cli/gft --old "$OLD" --old-json $E/after-as-acceptance.json --new "$NEW" \
  --prompts $E/prompts.tsv --judge runs/judge/judge-gpu2.pt -o $E/after2.json > $E/after2.txt 2> $E/after2.err
python3 eval/results/stil-2026-11-28/readings_diff.py "$OLD" "$NEW" ../.devdata/pack/meta.json.xz \
  > $R/readings_diff2.txt

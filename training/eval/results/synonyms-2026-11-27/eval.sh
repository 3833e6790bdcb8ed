#!/bin/bash
# after the synonym search: the candidate file, then every check (one at a time)
set -euo pipefail
cd /work/main/training
export OPENBLAS_NUM_THREADS=1
E=runs/readings/eval2
mkdir -p $E
cp ../models/gft-emoji.gguf runs/readings/shipped15.gguf
/usr/bin/python3 -m gft.readings --engine ../build/cli/gft --model runs/readings/shipped.gguf \
  --meta ../.devdata/pack/meta.json.xz --judge runs/judge/judge-gpu2.pt --report runs/readings/report.json \
  --keys-from runs/readings/report.json --wordnet /usr/share/wordnet -o runs/readings/cand5.gguf 2>&1 | tail -2
date
/usr/bin/python3 -m eval.readings_check --engine ../build/cli/gft --report runs/readings/report.json \
  --model shipped=runs/readings/shipped15.gguf --model synonyms=runs/readings/cand5.gguf \
  --judge runs/judge/judge-gpu2.pt --keep $E/imgs -o $E/check.json > $E/check.txt
date
/usr/bin/python3 -m eval.acceptance --engine ../build/cli/gft --model shipped=runs/readings/shipped15.gguf \
  --model synonyms=runs/readings/cand5.gguf --seeds 16 --cnn-judge runs/judge/judge-gpu2.pt --names \
  --keep $E/acc -o $E/acceptance.json > $E/acceptance.txt
date
/usr/bin/python3 -m eval.best_of_sets --engine ../build/cli/gft --model shipped=runs/readings/shipped15.gguf \
  --model synonyms=runs/readings/cand5.gguf --meta ../.devdata/pack/meta.json.xz \
  --judge runs/judge/judge-gpu2.pt --keep $E/sets -o $E/sets.json > $E/sets.txt
date
/usr/bin/python3 -m eval.readings_check --engine ../build/cli/gft --report runs/readings/report.json \
  --model shipped=runs/readings/shipped15.gguf --model synonyms=runs/readings/cand5.gguf \
  --judge runs/judge/judge-gpu2.pt --candidates 1 --keep $E/imgs1 -o $E/check-k1.json > $E/check-k1.txt
date
echo done

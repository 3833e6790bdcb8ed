#!/bin/bash
# int8 K/V cache against F16 K/V (eighteenth session): the same model file, two engine builds
# (gft-f16kv: main at f4c78ff, before the change; gft-int8kv: with it), each copied to
# runs/int8kv/ from its build/cli/gft. Run in training/.
set -euo pipefail
E=runs/int8kv
bash eval/compare_engines.sh $E int8kv=$E/gft-int8kv f16kv=$E/gft-f16kv

#!/bin/bash
# int8 activations against F32 activations (seventeenth session): the same
# build and model file, the F32 path by GFT_NO_INT8=1. Run in training/.
set -euo pipefail
E=runs/int8
mkdir -p $E
cp ../build/cli/gft $E/gft-int8
printf '#!/bin/sh\nGFT_NO_INT8=1 exec %s/gft-int8 "$@"\n' "$(realpath $E)" > $E/gft-f32
chmod +x $E/gft-f32
bash eval/compare_engines.sh $E int8=$E/gft-int8 f32=$E/gft-f32

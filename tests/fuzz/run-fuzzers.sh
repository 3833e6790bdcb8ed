#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# N seconds (default 60) on a copy of its seed corpus.
# Usage: tests/fuzz/run-fuzzers.sh [SECONDS] [BUILDDIR]
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${2:-$root/build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" "$root" -Dfuzzers=true -Dnative=false \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fsanitize=fuzzer-no-link -Dbuildtype=debugoptimized
fi
ninja -C "$build" tests/fuzz/fuzz_model_load tests/fuzz/fuzz_tokenizer tests/fuzz/fuzz_settings

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for target in model_load tokenizer settings; do
    case $target in
    model_load) seeds=model max_len=70000 ;;
    settings) seeds=settings max_len=4096 ;;
    *) seeds=tokenizer max_len=4096 ;;
    esac
    mkdir -p "$work/$target"
    cp "$here/corpus/$seeds/"* "$work/$target/"
    echo "== fuzz_$target for ${seconds}s"
    if ! "$build/tests/fuzz/fuzz_$target" "$work/$target" -max_total_time="$seconds" \
        -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$work/" \
        -print_final_stats=1; then
        echo "fuzz_$target found a failure; reproducer(s):"
        ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null || true
        mkdir -p "$build/fuzz-artifacts"
        cp "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* \
            "$build/fuzz-artifacts/" 2>/dev/null || true
        status=1
    fi
done
exit $status

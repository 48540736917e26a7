#!/usr/bin/env bash
# Fuzzes every parser that input reaches (Tests/Fuzz, README "Fuzzing"): builds `wharf-fuzz` with
# libFuzzer and the address sanitizer in its own build folder (.build-fuzz), then runs each
# target for SECONDS (default 600) and prints, per target, the executions and the findings.
#
#   deploy/fuzz/run.sh [SECONDS] [TARGET...]
#
# Environment: WHARF_FUZZ_PARALLEL (targets at once, default 1), WHARF_FUZZ_NICE (default 19, so
# fuzzing takes only idle cycles). Each target keeps a working corpus in .build-fuzz/corpus/<target>
# (grown run after run, seeded from Tests/Fuzz/corpus/<target>); each run writes its log and any
# crash, hang or out-of-memory input to .build-fuzz/runs/<time>/<target>/. Reproduce a finding
# with `.build-fuzz/debug/wharf-fuzz <target> <artifact>` (or `.build/debug/wharf-fuzz <target>
# <artifact>` from a normal build), then make it a unit test in the suite of the parser.
# Exits 1 when anything was found.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-600}
shift || true
parallel=${WHARF_FUZZ_PARALLEL:-1}
niceness=${WHARF_FUZZ_NICE:-19}
build=.build-fuzz

echo "building wharf-fuzz with -sanitize=fuzzer,address in $build ..." >&2
nice -n "$niceness" swift build --build-path "$build" --product wharf-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DWHARF_FUZZ 2>&1 | grep -E 'error|warning: unre|Compiling|Build' | tail -3 >&2
binary="$build/debug/wharf-fuzz"
[ -x "$binary" ] || { echo "run.sh: $binary was not built" >&2; exit 2; }

if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <("$binary" --list | cut -d: -f1); fi
runs="$build/runs/$(date -u +%Y%m%dT%H%M%SZ)"
# The Swift runtime's crash backtracer reads the crashed process's memory in a way the address
# sanitizer reports (and can stall on); libFuzzer and ASan print their own stacks.
export SWIFT_BACKTRACE=enable=no

# One target: libFuzzer in fork mode, so a crash, hang (10 s per input) or out-of-memory input
# (1 GiB RSS, or one allocation over 256 MiB) is saved and fuzzing goes on until the time is up.
fuzz_one() {
  local target=$1 dir="$runs/$1"
  mkdir -p "$dir/artifacts" "$build/corpus/$target"
  nice -n "$niceness" "$binary" "$target" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=256 -max_len=4096 \
    -artifact_prefix="$dir/artifacts/" "$build/corpus/$target" "Tests/Fuzz/corpus/$target" >"$dir/log" 2>&1 || true
}

running=0
for target in "${targets[@]}"; do
  fuzz_one "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then wait -n || true; running=$((running - 1)); fi
done
wait

# Per target: executions (libFuzzer's last "#N:" status line in fork mode), corpus size,
# coverage, and the inputs saved as findings.
found=0
printf '%-14s %8s %12s %8s %8s  %s\n' target seconds executions corpus coverage findings
for target in "${targets[@]}"; do
  dir="$runs/$target"
  status=$(grep -E '^#[0-9]+: cov:' "$dir/log" | tail -1 || true)
  executions=$(sed -nE 's/^#([0-9]+): .*/\1/p' <<<"$status")
  coverage=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$status")
  corpus=$(find "$build/corpus/$target" -type f | wc -l)
  artifacts=$(find "$dir/artifacts" -type f | wc -l)
  found=$((found + artifacts))
  printf '%-14s %8s %12s %8s %8s  %s\n' "$target" "$seconds" "${executions:-?}" "$corpus" "${coverage:-?}" \
    "$([ "$artifacts" -eq 0 ] && echo none || echo "$artifacts in $dir/artifacts")"
done
echo "logs: $runs"
[ "$found" -eq 0 ]

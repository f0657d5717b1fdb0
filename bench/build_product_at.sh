#!/usr/bin/env bash
# Builds the `tinynas` of one commit in a worktree of its own and prints the binary's path, for a bench whose
# rows must all come from one build of the product while the checkout moves on (bench/search_quality.py --cli,
# --auto-cli). Run again, it only checks the build is current.
#   usage: bench/build_product_at.sh COMMIT [DIR]     DIR: default ../tinynas-<commit> beside the checkout
#   e.g.   bench/search_quality.py ... --cli "$(bench/build_product_at.sh 1567afc)"
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 COMMIT [DIR]" >&2
  exit 2
fi
root=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
if ! commit=$(git -C "$root" rev-parse --verify --quiet "$1^{commit}"); then
  echo "$0: $1 is not a commit of $root" >&2
  exit 2
fi
dir=${2:-$root/../tinynas-${commit:0:7}}
if [ ! -d "$dir" ]; then
  git -C "$root" worktree add --detach "$dir" "$commit" >&2
elif [ "$(git -C "$dir" rev-parse HEAD)" != "$commit" ]; then
  echo "$0: $dir holds $(git -C "$dir" rev-parse --short HEAD), not ${commit:0:7}" >&2
  exit 2
fi
# The profiling firmware and QEMU's instruction counter come with the binary's target.
cmake -S "$dir" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=/usr/bin/python3 >&2
ninja -C "$dir/build" tinynas >&2
echo "$(cd "$dir" && pwd)/build/bin/tinynas"

#!/usr/bin/env bash
# Replaces the vendored Chart.js (pipeline/third_party/chartjs) with release VERSION from the npm
# registry: the UMD build and its licence, unchanged. Needs npm and network access to the registry.
set -euo pipefail
version=${1:?usage: scripts/vendor-chartjs.sh VERSION (e.g. 4.6.1)}
dest=$(cd "$(dirname "$0")/.." && pwd)/pipeline/third_party/chartjs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "chart.js@$version" >/dev/null && tar xzf chart.js-*.tgz)
cp "$work/package/dist/chart.umd.min.js" "$work/package/LICENSE.md" "$dest/"
sed -i -E "s/Chart\.js [0-9.]+/Chart.js $version/g; s/chart\.js@[0-9.]+/chart.js@$version/g" "$dest/README.md"
sed -i -E "s/\`[0-9a-f]{64}\`/\`$(sha256sum "$dest/chart.umd.min.js" | cut -d' ' -f1)\`/" "$dest/README.md"
echo "vendored Chart.js $version in $dest"

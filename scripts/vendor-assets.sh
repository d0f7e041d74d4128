#!/usr/bin/env bash
# Install the map pages' browser libraries from the npm registry (versions locked in
# package-lock.json) and copy the files the pages load into static/vendor/ (git-ignored).
# The pages never load anything from a CDN, so they work offline and inside a closed network.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v npm >/dev/null 2>&1; then
  echo "sitereg needs npm to fetch the map libraries (Debian: apt-get install -y npm)" >&2
  exit 1
fi

# SCARF_ANALYTICS=false: swagger-ui-dist pulls in @scarf/scarf, whose install step reports home.
SCARF_ANALYTICS=false npm ci --no-audit --no-fund --loglevel=error

vendor="$root/static/vendor"
rm -rf "$vendor"
mkdir -p "$vendor"

# copy PACKAGE FILE... : copy files (or folders) of node_modules/PACKAGE into static/vendor/PACKAGE
copy() {
  local package=$1
  shift
  mkdir -p "$vendor/$package"
  for item in "$@"; do
    cp -R "node_modules/$package/$item" "$vendor/$package/"
  done
}

copy leaflet dist/leaflet.js dist/leaflet.js.map dist/leaflet.css dist/images LICENSE
copy leaflet-draw dist/leaflet.draw.js dist/leaflet.draw.css dist/images
copy leaflet.vectorgrid dist/Leaflet.VectorGrid.bundled.min.js dist/Leaflet.VectorGrid.bundled.js.map
copy chart.js dist/chart.umd.min.js dist/chart.umd.min.js.map LICENSE.md
copy proj4 dist/proj4.js LICENSE.md
copy swagger-ui-dist swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE
# The accessibility audit of the browser tests (tests/app/map); no page loads it.
copy axe-core axe.min.js LICENSE

echo "map libraries copied to static/vendor/"

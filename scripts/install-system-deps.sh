#!/usr/bin/env bash
# Make sure the Debian packages sitereg needs are present: PostgreSQL server with PostGIS
# (the embedded database) and GDAL's command-line tools. Installs them when run as root;
# otherwise prints the exact command and fails.
set -euo pipefail

pg_major() {
  local newest
  newest=$(ls -1 /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  echo "${newest:-15}"
}

missing=()
major=$(pg_major)
[ -x "/usr/lib/postgresql/${major}/bin/initdb" ] || missing+=("postgresql")
[ -f "/usr/share/postgresql/${major}/extension/postgis.control" ] || missing+=("postgresql-${major}-postgis-3")
command -v ogr2ogr >/dev/null 2>&1 || missing+=("gdal-bin")
command -v runuser >/dev/null 2>&1 || missing+=("util-linux")
[ -x /usr/bin/chromium ] || missing+=("chromium")  # headless browser of the map tests
command -v npm >/dev/null 2>&1 || missing+=("npm")  # map libraries (scripts/vendor-assets.sh)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "sitereg needs these Debian packages: ${missing[*]}" >&2
  echo "Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
# postgresql was just installed: its version decides the PostGIS package name.
major=$(pg_major)
if [ ! -f "/usr/share/postgresql/${major}/extension/postgis.control" ]; then
  apt-get install -y -qq "postgresql-${major}-postgis-3" >/dev/null
fi
# Debian's package starts its own cluster on 5432; sitereg runs its own, so leave that one alone.

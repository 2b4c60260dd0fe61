#!/bin/sh
# Every check: dependencies, type check and lint, the .debs, then the unit,
# integration and browser tests against the freshly installed packages.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
npm run check
npm run deb
exec npx tsx test/run.ts unit integration browser

#!/bin/sh
# Every check: dependencies, type check and lint, the .debs, then the unit,
# integration and browser tests against the freshly installed packages, and
# last the installer image installed in a VM (it takes the longest).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
npm run check
npm run deb
npx tsx test/run.ts unit integration browser
exec npm run test:vm

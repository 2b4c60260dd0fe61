#!/bin/sh
# Builds the DebVisor .debs into build/debs/ (npm run deb) and checks them
# with lintian. The package is built from a copy of the tree, so neither the
# checkout nor its parent directory collect build files.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

for tool in dpkg-buildpackage dh lintian node; do
    command -v "$tool" >/dev/null || { echo "deb: $tool is missing: run sh scripts/deps.sh" >&2; exit 1; }
done
[ -d node_modules ] || { echo "deb: node_modules is missing: run npm ci" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debvisor"
# the sources, without what a build or the tests leave behind
tar -C "$top" --exclude=./build --exclude=./dist --exclude=./generated --exclude=./test/artifacts \
    --exclude=./.git --exclude=./debian/.debhelper --exclude=./debian/debvisord --exclude=./debian/cockpit-debvisor \
    --exclude=./node_modules -cf - . | tar -C "$work/debvisor" -xf -
ln -s "$top/node_modules" "$work/debvisor/node_modules"

(cd "$work/debvisor" && dpkg-buildpackage -b -us -uc --no-sign >"$work/build.log" 2>&1) || {
    tail -40 "$work/build.log" >&2
    echo "deb: dpkg-buildpackage failed (log above)" >&2
    exit 1
}

mkdir -p build/debs
rm -f build/debs/*.deb
mv "$work"/*.deb build/debs/
ls -1 build/debs/*.deb

echo "deb: lintian"
lintian --fail-on error build/debs/*.deb

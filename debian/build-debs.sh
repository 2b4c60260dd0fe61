#!/bin/sh
# Builds the DebVisor .debs into build/debs/ (npm run deb) and checks them with
# lintian: errors and warnings fail the build. dpkg-buildpackage runs
# in a copy of the tree, so neither the checkout nor its parent directory
# collect build files (it writes its results next to the source directory).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

missing() {
    echo "deb: $1 is missing: $2" >&2
    exit 1
}
command -v dpkg-buildpackage >/dev/null || missing dpkg-buildpackage "apt-get install dpkg-dev (or sh scripts/deps.sh)"
command -v dh >/dev/null || missing debhelper "apt-get install debhelper (or sh scripts/deps.sh)"
command -v lintian >/dev/null || missing lintian "apt-get install lintian (or sh scripts/deps.sh)"
command -v node >/dev/null || missing node "apt-get install nodejs (or sh scripts/deps.sh)"
[ -d node_modules ] || missing node_modules "run npm ci first (the package build downloads nothing)"

# debvisorctl --version and the package must agree
npm_version=$(node -p 'require("./package.json").version')
deb_version=$(dpkg-parsechangelog -S Version)
if [ "${deb_version%%-*}" != "$npm_version" ]; then
    echo "deb: package.json is at $npm_version but debian/changelog at $deb_version: add a changelog entry (dch -v $npm_version)" >&2
    exit 1
fi

mkdir -p build/debs
rm -f build/debs/*.deb
# what an earlier dpkg-buildpackage run right in the checkout left in debian/
rm -rf debian/.debhelper debian/debvisord debian/cockpit-debvisor debian/tmp \
    debian/files debian/*.substvars debian/debhelper-build-stamp

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' HUP INT TERM
mkdir "$work/debvisor"
# the sources, without what a build, the tests or git keep in the tree
tar -C "$top" \
    --exclude=./.git --exclude=./node_modules --exclude=./build --exclude=./dist --exclude=./generated \
    --exclude=./test/artifacts --exclude=./debian/.debhelper --exclude=./debian/debvisord \
    --exclude=./debian/cockpit-debvisor --exclude=./debian/tmp \
    -cf - . | tar -C "$work/debvisor" -xf -
ln -s "$top/node_modules" "$work/debvisor/node_modules"

echo "deb: dpkg-buildpackage -b -us -uc"
if ! (cd "$work/debvisor" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1; then
    tail -n 40 "$work/build.log" >&2
    echo "deb: dpkg-buildpackage failed (the end of its log is above)" >&2
    exit 1
fi

# the .changes and .buildinfo go with the temporary directory
mv "$work"/*.deb build/debs/
ls -1 build/debs/*.deb

echo "deb: lintian"
lintian --fail-on error,warning build/debs/*.deb

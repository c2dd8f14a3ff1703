#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the Debian package from a configured Release build directory and checks it as a user gets
# it: lintian, an install into a DESTDIR run with the source tree out of reach, `apt install` of the
# .deb, the installed binary, man page and completions, then `apt purge` leaving nothing behind.
# Run as root by `./scripts/dev.sh package` (and so by CI).
#
#   scripts/package-test.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "package test: $*" >&2; exit 1; }

echo "== cpack -G DEB"
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build"/zoneproof_*.deb | head -n 1)
echo "package: $(basename "$deb"), $(du -k "$deb" | cut -f1) KiB"
echo "Depends: $(dpkg-deb -f "$deb" Depends)"
echo "Installed-Size: $(dpkg-deb -f "$deb" Installed-Size) KiB"

echo "== lintian"
# --fail-on warning: errors and warnings fail the build; info tags are printed for the record.
lintian --fail-on error,warning --info --display-info "$deb"
echo "lintian: no errors, no warnings"

echo "== cmake --install into a DESTDIR, run with the source tree out of reach"
DESTDIR="$work/root" cmake --install "$build" >/dev/null
cp examples/three-tier.yaml "$work/policy.yaml"
# A private mount namespace hides the source and build trees behind empty directories, so the
# installed binary can only use what was installed.
unshare -m bash -euc '
  mount -t tmpfs none "$1"
  zp=$2/root/usr/bin/zoneproof
  "$zp" check "$2/policy.yaml"
  "$zp" compile "$2/policy.yaml" --target edge-gw -o "$2/edge-gw.nft"
  "$zp" verify "$2/policy.yaml" >/dev/null
  test -s "$2/edge-gw.nft"
  test -f "$2/root/usr/share/zoneproof/services.yaml"
  test -f "$2/root/usr/share/zoneproof/zoneproof.schema.json"
' _ "$src" "$work"
echo "installed files ran with the source tree hidden: check, compile, verify ok"

echo "== apt install ./$(basename "$deb"), as the GitHub Action's install step does it"
# The step's own script, taken from action.yml, with the package given as its `deb` input.
python3 -c 'import sys, yaml
steps = yaml.safe_load(open("action.yml"))["runs"]["steps"]
print(next(s["run"] for s in steps if s["name"] == "Install zoneproof"))' > "$work/install-step.sh"
start=$(date +%s%N)
DEB=$deb SRC=$src RUNNER_TEMP=$work bash "$work/install-step.sh" >/dev/null
/usr/bin/zoneproof verify /usr/share/doc/zoneproof/examples/three-tier.yaml >/dev/null
end=$(date +%s%N)
echo "install to first verify: $(( (end - start) / 1000000 )) ms"
dpkg -L zoneproof > "$work/files"
/usr/bin/zoneproof --version | grep -Eq '^zoneproof [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{7,}' \
  || fail "--version does not name the version and commit: $(/usr/bin/zoneproof --version)"
/usr/bin/zoneproof --version
unit=$(grep -E 'systemd/system/zoneproof-restore.service$' "$work/files") || fail "no systemd unit in the package"
grep -q '^ExecStart=/usr/bin/zoneproof ' "$unit" || fail "the unit does not run /usr/bin/zoneproof"
test -x "$(grep -oP '^ExecStart=\K\S+' "$unit")" || fail "the unit's binary is not installed"
if command -v systemd-analyze >/dev/null; then systemd-analyze verify "$unit" 2>&1 | grep -v '^$' || true; fi

echo "== man -l"
MANPAGER=cat MANWIDTH=100 man -l /usr/share/man/man1/zoneproof.1.gz > "$work/man.txt" 2>"$work/man.err"
test ! -s "$work/man.err" || { cat "$work/man.err"; fail "man reported problems"; }
for cmd in check compile verify explain diff matrix report graph apply confirm rollback remove restore drift history; do
  grep -q "^   $cmd\b" "$work/man.txt" || fail "the man page has no section for $cmd"
done
echo "man page: $(wc -l < "$work/man.txt") lines, a section for every command"

echo "== completions"
bash -c 'source /usr/share/bash-completion/completions/zoneproof
  COMP_WORDS=(zoneproof ver); COMP_CWORD=1; _zoneproof; [ "${COMPREPLY[*]}" = "verify" ] || exit 1
  COMP_WORDS=(zoneproof verify --for); COMP_CWORD=2; _zoneproof; [ "${COMPREPLY[*]}" = "--format" ] || exit 1
  COMP_WORDS=(zoneproof verify --format ""); COMP_CWORD=3; _zoneproof; [[ " ${COMPREPLY[*]} " == *" sarif "* ]] || exit 1' \
  || fail "bash completion does not complete commands, options and values"
echo "bash completion completes commands, options and --format values"

echo "== apt purge"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq zoneproof >/dev/null
left=()
while read -r f; do
  [ -d "$f" ] && continue  # directories shared with other packages stay
  [ -e "$f" ] && left+=("$f")
done < "$work/files"
[ ${#left[@]} -eq 0 ] || fail "purge left files behind: ${left[*]}"
[ ! -e /var/lib/zoneproof ] || fail "purge left /var/lib/zoneproof behind"
echo "purged: nothing left behind"

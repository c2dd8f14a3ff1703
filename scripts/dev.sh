#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Set up a Debian 12 machine for zoneproof, build it, and run either the main job on a shipped
# example (`demo`) or every test (`test`). Run as root (it installs Debian packages).
#
#   ./scripts/dev.sh demo     install, build (Release), check + compile + verify examples/three-tier.yaml
#   ./scripts/dev.sh test     install, build, run all tests (also under ASan+UBSan) and the fuzzer
#   ./scripts/dev.sh package  install, build the Debian package, lint it, install it, run it, purge it
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache: paths relative to the checkout, so two clones share their objects.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=1

mode=${1:-demo}
jobs=$(nproc)
build=${ZP_BUILD_DIR:-build}

# What building zoneproof needs (the demo installs only these), and what the tests add.
build_packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libz3-dev libnftnl-dev libmnl-dev libnftables-dev libyaml-cpp-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  libmimalloc-dev libsimdjson-dev
)
test_packages=(
  clang libgtest-dev libgmock-dev nftables iproute2 python3 python3-jsonschema python3-yaml
  iptables           # iptables-nft writes the Docker-style rulesets the import tests read
  chromium graphviz  # the HTML report is tested in headless chromium; `graph` writes SVG with dot
  man-db zsh fish    # the generated man page and completions are read by man and both shells
)
package_packages=(dpkg-dev lintian man-db python3-yaml)  # dpkg-shlibdeps finds Depends; lintian checks the .deb

install_packages() {  # package names...
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
      echo "zoneproof setup: installing packages needs root (run with sudo)" >&2
      exit 2
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

configure_and_build() {  # dir, extra cmake args... (ZP_TARGETS: what to build; default all)
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  # shellcheck disable=SC2086
  ninja -C "$dir" -j "$jobs" ${ZP_TARGETS:-}
}

run_fuzzer() {  # fuzzer, dictionary, corpus folder (both in fuzz/), seconds
  echo "== fuzzing $1 for $4 s"
  local corpus
  corpus=$(mktemp -d)  # the fuzzer adds to its corpus: keep the tree clean
  cp -r "fuzz/corpus/$3/." "$corpus"
  "$build-fuzz/fuzz/$1" -max_total_time="$4" -max_len=4096 -dict="fuzz/$2" "$corpus" 2>&1 | tail -n 3
  rm -rf "$corpus"
}

case "$mode" in
  demo)
    install_packages "${build_packages[@]}"
    ZP_TARGETS=zoneproof configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release -DZP_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX=/usr
    zp="$build/cli/zoneproof"
    example=examples/three-tier.yaml
    echo "== zoneproof check $example"
    "$zp" check "$example"
    echo "== zoneproof compile $example --target edge-gw"
    "$zp" compile "$example" --target edge-gw
    echo "== zoneproof verify $example"
    "$zp" verify "$example"
    ;;
  package)
    install_packages "${build_packages[@]}" "${package_packages[@]}"
    configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release -DZP_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr
    ./scripts/package-test.sh "$build"
    ;;
  test)
    install_packages "${build_packages[@]}" "${test_packages[@]}"
    configure_and_build "$build-test" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZP_WERROR=ON
    echo "== unit, golden and nft tests"
    ctest --test-dir "$build-test" --output-on-failure -j "$jobs"
    echo "== the tests under AddressSanitizer + UndefinedBehaviorSanitizer"
    configure_and_build "$build-asan" -DCMAKE_BUILD_TYPE=Debug -DZP_SANITIZE=ON -DZP_WERROR=ON
    # All but the end-to-end tests whose time is in other programs (Chromium, Graphviz, the CI
    # action's shell steps, the kernel loading 100k-element sets) and all but one shard of each
    # kernel campaign and one example: the rest ran above, and instrumented they take an hour.
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir "$build-asan" --output-on-failure -j "$jobs" \
        -E '^(CiExample|GraphAtScale|HtmlReport|NetlinkBigSets|InstallDocs)\.|^kernel\.(campaign\.(6-10|11-15|16-20|21-25|26-30|netlink\.36-40|netlink\.41-45)|example\.(branch-office|office|server-fleet))'
    if [ -f fuzz/CMakeLists.txt ]; then
      # One budget for all fuzzers (ZP_FUZZ_SECONDS, 60 s by default), split between them.
      fuzz_seconds=$(( (${ZP_FUZZ_SECONDS:-60} + 1) / 2 ))
      ZP_TARGETS="policy_loader_fuzz nft_import_fuzz" configure_and_build "$build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DZP_FUZZ=ON -DZP_TESTS=OFF -DCMAKE_CXX_COMPILER=clang++
      run_fuzzer policy_loader_fuzz policy.dict policy_loader "$fuzz_seconds"
      run_fuzzer nft_import_fuzz nft_import.dict nft_import "$fuzz_seconds"
    fi
    ;;
  *)
    echo "usage: $0 demo|test|package" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Set up a Debian 12 machine for zoneproof, build it, and run either the main job on a shipped
# example (`demo`) or every test (`test`). Run as root (it installs Debian packages).
#
#   ./scripts/dev.sh demo    install, build, check + compile + verify examples/three-tier.yaml
#   ./scripts/dev.sh test    install, build, run all tests (also under ASan+UBSan) and the fuzzer
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-demo}
jobs=$(nproc)
build=${ZP_BUILD_DIR:-build}

packages=(
  build-essential cmake ninja-build pkg-config ccache clang
  libz3-dev libnftnl-dev libmnl-dev libyaml-cpp-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev nftables iproute2 python3 python3-jsonschema git
  chromium graphviz  # the HTML report is tested in headless chromium; `graph` writes SVG with dot
)

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
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

install_packages
case "$mode" in
  demo)
    configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release
    zp="$build/cli/zoneproof"
    example=examples/three-tier.yaml
    echo "== zoneproof check $example"
    "$zp" check "$example"
    echo "== zoneproof compile $example --target edge-gw"
    "$zp" compile "$example" --target edge-gw
    if "$zp" verify --help >/dev/null 2>&1; then
      echo "== zoneproof verify $example"
      "$zp" verify "$example"
    fi
    ;;
  test)
    configure_and_build "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
    echo "== unit, golden and nft tests"
    ctest --test-dir "$build" --output-on-failure -j "$jobs"
    echo "== the same tests under AddressSanitizer + UndefinedBehaviorSanitizer"
    configure_and_build "$build-asan" -DCMAKE_BUILD_TYPE=Debug -DZP_SANITIZE=ON
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --test-dir "$build-asan" --output-on-failure -j "$jobs"
    if [ -f fuzz/CMakeLists.txt ]; then
      echo "== fuzzing the policy loader for ${ZP_FUZZ_SECONDS:-60} s"
      ZP_TARGETS=policy_loader_fuzz configure_and_build "$build-fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZP_FUZZ=ON \
        -DCMAKE_CXX_COMPILER=clang++
      corpus=$(mktemp -d)  # the fuzzer adds to its corpus: keep the tree clean
      cp -r fuzz/corpus/policy_loader/. "$corpus"
      "$build-fuzz/fuzz/policy_loader_fuzz" -max_total_time="${ZP_FUZZ_SECONDS:-60}" \
        -max_len=4096 -dict=fuzz/policy.dict "$corpus" 2>&1 | tail -n 3
      rm -rf "$corpus"
    fi
    ;;
  *)
    echo "usage: $0 demo|test" >&2
    exit 2
    ;;
esac

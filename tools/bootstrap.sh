# Sourced by tools/dsim and tools/test: make sure the Debian packages dsim needs are there,
# then configure and build. Later calls only rebuild what changed.
#
# Packages come only from Debian's archive. As root they are installed directly, otherwise
# through sudo (non-interactively); when neither works we print the exact apt-get line and
# exit 2.

DSIM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# clang and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes) build the fuzz harnesses.
# zlib1g-dev compresses the data `dsim view` embeds in its page; chromium (headless, driven over
# the DevTools pipe by tests/support/chrome.h) runs the browser tests of those pages.
# slurm-wlm, munge, openssh-server/-client and rsync run the fleet recipes of tools/fleet/ for
# real in tests/tools/fleet_test.cc (a one-node Slurm cluster, GNU parallel over ssh to
# localhost); node and npm (Debian's, when the machine has none) validate its Kubernetes Job.
DSIM_PACKAGES=(cmake ninja-build g++ make nlohmann-json3-dev libcli11-dev libxxhash-dev libgtest-dev libbenchmark-dev parallel
               clang libclang-rt-14-dev zlib1g-dev chromium libspdlog-dev)
DSIM_TEST_PACKAGES=(slurm-wlm munge openssh-server openssh-client rsync)

dsim_missing_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

# dsim_ensure_packages [--tests]: the packages the build needs (with --tests, also those the
# test suite needs).
dsim_ensure_packages() {
  local missing wanted=("${DSIM_PACKAGES[@]}")
  if [ "${1:-}" = --tests ]; then
    wanted+=("${DSIM_TEST_PACKAGES[@]}")
    command -v node >/dev/null || wanted+=(nodejs)
    command -v npm >/dev/null || wanted+=(npm)
  fi
  missing=$(dsim_missing_packages "${wanted[@]}")
  [ -z "$missing" ] && return 0
  local line="apt-get update && apt-get install -y --no-install-recommends $missing"
  echo "dsim: installing Debian packages: $missing" >&2
  if [ "$(id -u)" = 0 ]; then
    (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing) >&2 \
      || { echo "dsim: package installation failed; run: $line" >&2; exit 2; }
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    (export DEBIAN_FRONTEND=noninteractive; sudo -n apt-get update -qq && sudo -n apt-get install -y -qq --no-install-recommends $missing) >&2 \
      || { echo "dsim: package installation failed; run: sudo $line" >&2; exit 2; }
  else
    echo "dsim: missing Debian packages; install them with: sudo $line" >&2
    exit 2
  fi
}

# dsim_build DIR [--target T]... [cmake args...]: configure on first use, then build (quietly
# unless it fails) the targets named, or everything. Later calls only rebuild what changed.
dsim_build() {
  local dir=$1; shift
  local log="$dir/build.log"
  local targets=() args=()
  while [ $# -gt 0 ]; do
    if [ "$1" = --target ]; then targets+=("$2"); shift 2; else args+=("$1"); shift; fi
  done
  mkdir -p "$dir"
  : >"$log"
  if [ ! -f "$dir/build.ninja" ]; then
    echo "dsim: configuring $dir (first use)" >&2
    cmake -S "$DSIM_ROOT" -B "$dir" -G Ninja "${args[@]}" >"$log" 2>&1 || { cat "$log" >&2; echo "dsim: cmake failed" >&2; exit 2; }
  fi
  # Progress: on a terminal ninja's [done/total] count, updated in place; otherwise a line when
  # the build starts and one every tenth of it. The full output goes to the log.
  local status=0 started=0
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$log"
    case "$line" in
      *"Re-checking globbed directories"*) ;;  # CMake's glob check, not a build step
      \[*/*\]*)
        local count=${line%%]*}; count=${count#[}
        local n=${count%/*} total=${count#*/}
        [ "$n" = 0 ] && continue
        if [ $started = 0 ]; then started=1; echo "dsim: building $dir ($total steps)" >&2; fi
        if [ -t 2 ]; then
          printf '\rdsim: building [%s/%s]' "$n" "$total" >&2
        elif [ "$total" -gt 0 ] && [ $(( n * 10 / total )) -gt $(( (n - 1) * 10 / total )) ]; then
          echo "dsim: building [$n/$total]" >&2
        fi ;;
    esac
  done < <(ninja -C "$dir" "${targets[@]}" 2>&1; echo "ninja-exit-status $?")
  status=$(tail -n 1 "$log" | sed -n 's/^ninja-exit-status //p')
  [ $started = 1 ] && [ -t 2 ] && printf '\r\033[K' >&2
  if [ "${status:-1}" != 0 ]; then tail -n 60 "$log" >&2; echo "dsim: build failed (full log: $log)" >&2; exit 2; fi
}

# dsim_ensure_npm DIR: the npm packages tools/fleet/package-lock.json pins, installed from the
# npm registry into DIR/node_modules (again only when the lock file changed).
dsim_ensure_npm() {
  local dir=$1 lock="$DSIM_ROOT/tools/fleet/package-lock.json"
  mkdir -p "$dir"
  if [ -d "$dir/node_modules" ] && cmp -s "$lock" "$dir/installed-lock.json"; then return 0; fi
  echo "dsim: installing the npm packages of tools/fleet/package.json into $dir" >&2
  cp "$DSIM_ROOT/tools/fleet/package.json" "$lock" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >"$dir/npm.log" 2>&1 \
    || { cat "$dir/npm.log" >&2; echo "dsim: npm ci failed in $dir" >&2; exit 2; }
  cp "$lock" "$dir/installed-lock.json"
}

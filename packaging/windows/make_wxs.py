"""Write the WiX source of RxLog's per-user MSI (built with msitools' wixl on Linux).

    python3 make_wxs.py --version 0.1.0 --appdir build/windows/pyi/dist/RxLog --out rxlog.wxs

Per user, no admin rights: InstallScope="perUser" (no ALLUSERS property), everything goes to
%LOCALAPPDATA%\\Programs\\RxLog and the Start menu of the user, and each component's key
is a value under HKCU\\Software\\RxLog. Component GUIDs are derived from the folder they
install (uuid5), so they stay the same from version to version and an upgrade (the
UpgradeCode is fixed) replaces the older version in place. The user's data
(%LOCALAPPDATA%\\RxLog) is not part of the package: uninstalling leaves it.
File sources are relative to the app folder: run wixl there.
"""

from __future__ import annotations

import argparse
import hashlib
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

UPGRADE_CODE = "6F1D3C52-8A7E-4B0C-9E55-2C1B7D3A9F10"
NAMESPACE = uuid.UUID("0b6c3e7a-51d2-4f4e-9a1c-7d2e8f6b5a43")


def _id(prefix: str, key: str) -> str:
    return f"{prefix}_{hashlib.sha1(key.encode()).hexdigest()[:20]}"


def _guid(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, key)).upper()


def build(version: str, appdir: Path) -> str:
    out: list[str] = []
    refs: list[str] = []

    def folder(path: Path, rel: str, indent: str) -> None:
        files = sorted(p for p in path.iterdir() if p.is_file())
        dirs = sorted(p for p in path.iterdir() if p.is_dir())
        dir_id = "INSTALLDIR" if rel == "" else _id("d", rel)
        if rel:
            out.append(f"{indent}<Directory Id={quoteattr(dir_id)} Name={quoteattr(path.name)}>")
        inner = indent + "  "
        comp = _id("c", rel or ".")
        refs.append(comp)
        out.append(f"{inner}<Component Id={quoteattr(comp)} Guid={quoteattr(_guid(rel or '.'))}>")
        out.append(
            f'{inner}  <RegistryValue Root="HKCU" Key="Software\\RxLog\\Components" '
            f'Name={quoteattr(rel or ".")} Type="integer" Value="1" KeyPath="yes"/>'
        )
        out.append(f'{inner}  <RemoveFolder Id={quoteattr(_id("r", rel))} On="uninstall"/>')
        for f in files:
            frel = f"{rel}/{f.name}" if rel else f.name
            out.append(
                f"{inner}  <File Id={quoteattr(_id('f', frel))} Name={quoteattr(f.name)} "
                f"Source={quoteattr(f.relative_to(appdir).as_posix())}/>"
            )
        out.append(f"{inner}</Component>")
        for d in dirs:
            folder(d, f"{rel}/{d.name}" if rel else d.name, inner)
        if rel:
            out.append(f"{indent}</Directory>")

    folder(appdir, "", "          ")
    body = "\n".join(out)
    comp_refs = "\n".join(f'      <ComponentRef Id="{c}"/>' for c in refs)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="RxLog" Language="1033" Version="{version}" Manufacturer="RxLog"
           UpgradeCode="{UPGRADE_CODE}">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perUser"
             Description="RxLog {version} (per user)"
             Comments="Installs for the current user only; no administrator rights needed"/>
    <Property Id="ARPNOMODIFY" Value="1"/>
    <Property Id="ARPNOREPAIR" Value="1"/>
    <MajorUpgrade DowngradeErrorMessage="A newer RxLog is already installed."/>
    <Media Id="1" Cabinet="rxlog.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="LocalAppDataFolder">
        <Directory Id="ProgramsFolderUser" Name="Programs">
          <Directory Id="INSTALLDIR" Name="RxLog">
{body}
          </Directory>
        </Directory>
      </Directory>
      <Directory Id="ProgramMenuFolder">
        <Directory Id="RxLogMenu" Name="RxLog">
          <Component Id="StartMenu" Guid="{_guid("start-menu")}">
            <Shortcut Id="RxLogShortcut" Name="RxLog"
                      Description="Log your activities and export the monthly return"
                      Target="[INSTALLDIR]RxLog.exe" WorkingDirectory="INSTALLDIR"/>
            <Shortcut Id="CentralShortcut" Name="RxLog Central (lead)"
                      Description="The project lead's window: verify and aggregate returns"
                      Target="[INSTALLDIR]RxLog-Central.exe" WorkingDirectory="INSTALLDIR"/>
            <RemoveFolder Id="RemoveRxLogMenu" On="uninstall"/>
            <RegistryValue Root="HKCU" Key="Software\\RxLog\\Components" Name="start-menu"
                           Type="integer" Value="1" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="Main" Title="RxLog" Level="1">
{comp_refs}
      <ComponentRef Id="StartMenu"/>
    </Feature>
  </Product>
</Wix>
"""


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--version", required=True)
    p.add_argument("--appdir", required=True, type=Path)
    p.add_argument("--out", required=True, type=Path)
    a = p.parse_args()
    a.out.write_text(build(a.version, a.appdir.resolve()), encoding="utf-8")


if __name__ == "__main__":
    main()

"""The few Windows API calls RxLog needs, through ctypes (no pywin32 in the frozen app).

Each function is only called on ``sys.platform == "win32"``; the module imports on any
platform so that it can be type-checked and its pure parts tested everywhere.
"""

from __future__ import annotations

import ctypes
from typing import Any

PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
STILL_ACTIVE = 259
ERROR_ACCESS_DENIED = 5


def _kernel32() -> Any:
    return ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs now (Windows).

    ``OpenProcess`` fails with "invalid parameter" for an id no process has; a process of
    another user may refuse us ("access denied") but is alive.
    """
    k32 = _kernel32()
    k32.OpenProcess.restype = ctypes.c_void_p
    k32.OpenProcess.argtypes = [ctypes.c_uint32, ctypes.c_int, ctypes.c_uint32]
    k32.GetExitCodeProcess.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32)]
    k32.CloseHandle.argtypes = [ctypes.c_void_p]
    if pid <= 0 or pid > 0xFFFFFFFF:
        return False
    handle = k32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        return ctypes.get_last_error() == ERROR_ACCESS_DENIED  # type: ignore[attr-defined]
    try:
        code = ctypes.c_uint32()
        if not k32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == STILL_ACTIVE
    finally:
        k32.CloseHandle(handle)


def interactive_desktop() -> bool:
    """Whether this process can show windows to a person (Windows).

    A service, a scheduled task run "whether the user is logged on or not" or an SSH
    session runs in a window station that is not visible (no WSF_VISIBLE): windows opened
    there are never seen.
    """
    from ctypes import wintypes

    class USEROBJECTFLAGS(ctypes.Structure):
        _fields_ = [
            ("fInherit", wintypes.BOOL),
            ("fReserved", wintypes.BOOL),
            ("dwFlags", wintypes.DWORD),
        ]

    user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]
    user32.GetProcessWindowStation.restype = wintypes.HANDLE
    user32.GetUserObjectInformationW.argtypes = [
        wintypes.HANDLE,
        ctypes.c_int,
        ctypes.c_void_p,
        wintypes.DWORD,
        ctypes.POINTER(wintypes.DWORD),
    ]
    station = user32.GetProcessWindowStation()
    if not station:
        return False
    flags, needed = USEROBJECTFLAGS(), wintypes.DWORD()
    UOI_FLAGS, WSF_VISIBLE = 1, 0x0001
    if not user32.GetUserObjectInformationW(
        station, UOI_FLAGS, ctypes.byref(flags), ctypes.sizeof(flags), ctypes.byref(needed)
    ):
        return True  # cannot tell: assume a person is there, as Windows usually has one
    return bool(flags.dwFlags & WSF_VISIBLE)


# -- private files: an ACL that grants the user only ----------------------------------------
SE_FILE_OBJECT = 1
OWNER_SECURITY_INFORMATION = 0x1
DACL_SECURITY_INFORMATION = 0x4
PROTECTED_DACL_SECURITY_INFORMATION = 0x80000000
SDDL_REVISION_1 = 1
# Who may be in a private file's ACL besides the user: the system itself and the
# machine's administrators (who can take any file anyway), and "owner rights".
TRUSTED_SIDS = frozenset({"SY", "BA", "OW", "S-1-5-18", "S-1-5-32-544", "S-1-3-4"})
SID_NAMES = {
    "WD": "Everyone",
    "AU": "Authenticated Users",
    "BU": "Users",
    "BG": "Guests",
    "IU": "Interactive users",
    "AN": "Anonymous",
    "NU": "Network users",
}


def _advapi32() -> Any:
    return ctypes.WinDLL("advapi32", use_last_error=True)  # type: ignore[attr-defined]


def _raise_last(what: str) -> None:
    err = ctypes.get_last_error()  # type: ignore[attr-defined]
    raise OSError(err, f"{what}: {ctypes.FormatError(err).strip()}")  # type: ignore[attr-defined]


def current_user_sid() -> str:
    """The SID of the user this process runs as, e.g. ``S-1-5-21-...-1001``."""
    from ctypes import wintypes

    adv, k32 = _advapi32(), _kernel32()
    k32.GetCurrentProcess.restype = wintypes.HANDLE
    k32.LocalFree.argtypes = [ctypes.c_void_p]
    adv.OpenProcessToken.argtypes = [
        wintypes.HANDLE,
        wintypes.DWORD,
        ctypes.POINTER(wintypes.HANDLE),
    ]
    adv.GetTokenInformation.argtypes = [
        wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD,
        ctypes.POINTER(wintypes.DWORD),
    ]  # fmt: skip
    adv.ConvertSidToStringSidW.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_wchar_p)]
    token = wintypes.HANDLE()
    if not adv.OpenProcessToken(k32.GetCurrentProcess(), 0x0008, ctypes.byref(token)):
        _raise_last("OpenProcessToken")
    try:
        size = wintypes.DWORD()
        adv.GetTokenInformation(token, 1, None, 0, ctypes.byref(size))  # TokenUser
        buf = ctypes.create_string_buffer(size.value)
        if not adv.GetTokenInformation(token, 1, buf, size, ctypes.byref(size)):
            _raise_last("GetTokenInformation")
        psid = ctypes.c_void_p.from_buffer(buf).value  # TOKEN_USER.User.Sid
        text = ctypes.c_wchar_p()
        if not adv.ConvertSidToStringSidW(psid, ctypes.byref(text)):
            _raise_last("ConvertSidToStringSidW")
        try:
            return str(text.value)
        finally:
            k32.LocalFree(text)
    finally:
        k32.CloseHandle(token)


def make_private(path: str) -> None:
    """Give ``path`` (file or folder) an ACL granting full control to the user only,
    not inherited from its parent; a folder passes it on to what is created in it later."""
    set_dacl(path, f"D:P(A;OICI;FA;;;{current_user_sid()})")


def set_dacl(path: str, sddl: str) -> None:
    """Replace the DACL of ``path`` by the one written in SDDL (``D:P(A;...)...``)."""
    adv, k32 = _advapi32(), _kernel32()
    k32.LocalFree.argtypes = [ctypes.c_void_p]
    adv.ConvertStringSecurityDescriptorToSecurityDescriptorW.argtypes = [
        ctypes.c_wchar_p, ctypes.c_uint32, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p,
    ]  # fmt: skip
    adv.SetFileSecurityW.argtypes = [ctypes.c_wchar_p, ctypes.c_uint32, ctypes.c_void_p]
    sd = ctypes.c_void_p()
    if not adv.ConvertStringSecurityDescriptorToSecurityDescriptorW(
        sddl, SDDL_REVISION_1, ctypes.byref(sd), None
    ):
        _raise_last("ConvertStringSecurityDescriptorToSecurityDescriptorW")
    try:
        # SetFileSecurityW rather than SetNamedSecurityInfoW: the same on Windows for one
        # object (folders pass the OICI entry on to what is created in them later), and
        # the one wine 8 applies.
        info = DACL_SECURITY_INFORMATION
        if sddl.startswith("D:P"):
            info |= PROTECTED_DACL_SECURITY_INFORMATION
        if not adv.SetFileSecurityW(str(path), info, sd):
            _raise_last(f"cannot restrict {path} to its user")
    finally:
        k32.LocalFree(sd)


def acl_sddl(path: str) -> str:
    """The owner and DACL of ``path`` in SDDL (``O:...D:P(A;...)``)."""
    adv, k32 = _advapi32(), _kernel32()
    k32.LocalFree.argtypes = [ctypes.c_void_p]
    adv.GetNamedSecurityInfoW.argtypes = [
        ctypes.c_wchar_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p,
        ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
    ]  # fmt: skip
    adv.ConvertSecurityDescriptorToStringSecurityDescriptorW.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.POINTER(ctypes.c_wchar_p),
        ctypes.c_void_p,
    ]  # fmt: skip
    sd = ctypes.c_void_p()
    info = OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION
    err = adv.GetNamedSecurityInfoW(
        str(path), SE_FILE_OBJECT, info, None, None, None, None, ctypes.byref(sd)
    )
    if err:
        raise OSError(err, f"cannot read the ACL of {path}: {ctypes.FormatError(err)}")  # type: ignore[attr-defined]
    try:
        text = ctypes.c_wchar_p()
        if not adv.ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd, SDDL_REVISION_1, info, ctypes.byref(text), None
        ):
            _raise_last("ConvertSecurityDescriptorToStringSecurityDescriptorW")
        try:
            return str(text.value)
        finally:
            k32.LocalFree(text)
    finally:
        k32.LocalFree(sd)


def loose_grants(sddl: str, user_sid: str) -> list[str]:
    """Who besides the user (and the system, administrators) an SDDL DACL lets in.

    Pure text, so it is tested on any platform. A missing or NULL DACL lets everyone in.
    """
    import re

    dacl = sddl.split("D:", 1)[1] if "D:" in sddl else ""
    dacl = re.split(r"[OGS]:", dacl, maxsplit=1)[0]
    if not dacl or dacl.startswith("NO_ACCESS_CONTROL"):
        return ["Everyone (no access control list)"]
    found: list[str] = []
    for ace in re.findall(r"\(([^)]*)\)", dacl):
        fields = ace.split(";")
        if len(fields) < 6 or fields[0] not in ("A", "OA", "XA", "ZA"):
            continue  # deny and audit entries let nobody in
        sid = fields[5]
        if sid == user_sid or sid in TRUSTED_SIDS:
            continue
        name = SID_NAMES.get(sid, sid)
        if name not in found:
            found.append(name)
    return found


# -- file locks with the semantics of flock: shared or exclusive, never waiting -----------
LOCKFILE_FAIL_IMMEDIATELY = 0x1
LOCKFILE_EXCLUSIVE_LOCK = 0x2
ERROR_LOCK_VIOLATION = 33
ERROR_NOT_LOCKED = 158


class _OVERLAPPED(ctypes.Structure):
    _fields_ = [
        ("Internal", ctypes.c_void_p),
        ("InternalHigh", ctypes.c_void_p),
        ("Offset", ctypes.c_uint32),
        ("OffsetHigh", ctypes.c_uint32),
        ("hEvent", ctypes.c_void_p),
    ]


def lock_file(fd: int, exclusive: bool) -> bool:
    """Lock the first byte of an open file, shared or exclusive (``LockFileEx``), or
    convert the lock this handle holds. False if another handle holds a conflicting one."""
    import msvcrt

    k32 = _kernel32()
    k32.LockFileEx.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
        ctypes.POINTER(_OVERLAPPED),
    ]  # fmt: skip
    k32.UnlockFileEx.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32,
        ctypes.POINTER(_OVERLAPPED),
    ]  # fmt: skip
    handle = msvcrt.get_osfhandle(fd)  # type: ignore[attr-defined]
    # Windows cannot convert a lock: drop this handle's own first (none is fine).
    k32.UnlockFileEx(handle, 0, 1, 0, ctypes.byref(_OVERLAPPED()))
    flags = LOCKFILE_FAIL_IMMEDIATELY | (LOCKFILE_EXCLUSIVE_LOCK if exclusive else 0)
    if k32.LockFileEx(handle, flags, 0, 1, 0, ctypes.byref(_OVERLAPPED())):
        return True
    err = ctypes.get_last_error()  # type: ignore[attr-defined]
    if err in (ERROR_LOCK_VIOLATION, ERROR_ACCESS_DENIED):  # held by another handle
        return False
    raise OSError(err, f"cannot lock the data folder: {ctypes.FormatError(err).strip()}")  # type: ignore[attr-defined]

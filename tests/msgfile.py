"""Write Outlook ``.msg`` files for the tests (no Outlook here, and no library writes them).

A ``.msg`` is an OLE compound file (MS-CFB, version 3: 512-byte sectors, a mini stream for
streams under 4096 bytes) holding MAPI properties as MS-OXMSG lays them out: a
``__properties_version1.0`` stream per object, variable-length values in
``__substg1.0_<tag>`` streams, one ``__attach_version1.0_#N`` storage per attachment
(an attached message in its ``__substg1.0_3701000D`` storage). Only what a reader of a
return's e-mail needs is written; the files are read back with olefile and extract-msg
in the tests.
"""

from __future__ import annotations

import struct

FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
SECTOR, MINI, CUTOFF = 512, 64, 4096

Tree = dict[str, "Tree | bytes"]  # a storage: name -> storage or stream contents


def _sort_key(name: str) -> tuple[int, str]:
    return (len(name), name.upper())


def compound_file(tree: Tree) -> bytes:
    """The bytes of a compound file with ``tree`` under its root storage."""
    entries: list[dict] = []  # directory entries, in id order

    def add(name: str, node: Tree | bytes) -> int:
        idx = len(entries)
        entry = {"name": name, "node": node, "left": NOSTREAM, "right": NOSTREAM}
        entries.append(entry)
        entry["child"] = NOSTREAM
        if isinstance(node, dict):
            kids = [add(k, node[k]) for k in sorted(node, key=_sort_key)]
            # a valid (degenerate, all-black) tree: the first child, each pointing right
            if kids:
                entry["child"] = kids[0]
                for a, b in zip(kids, kids[1:], strict=False):
                    entries[a]["right"] = b
        return idx

    add("Root Entry", tree)
    mini_data = bytearray()
    mini_fat: list[int] = []
    big: list[tuple[int, bytes]] = []
    for i, e in enumerate(entries):
        node = e["node"]
        if isinstance(node, dict):
            continue
        e["size"] = len(node)
        if not node:
            e["start"] = END
        elif len(node) < CUTOFF:
            first = len(mini_fat)
            n = -(-len(node) // MINI)
            mini_fat.extend(range(first + 1, first + n))
            mini_fat.append(END)
            e["start"] = first
            mini_data += node + b"\0" * (n * MINI - len(node))
        else:
            big.append((i, node))
    # regular sectors: big streams, the mini stream, the mini FAT, the directory, the FAT
    runs: list[tuple[str, bytes]] = [(f"e{i}", data) for i, data in big]
    runs.append(("mini", bytes(mini_data)))
    mf = b"".join(struct.pack("<I", x) for x in mini_fat)
    runs.append(("minifat", mf))
    n_dir = -(-len(entries) // 4)
    runs.append(("dir", b"\0" * (n_dir * SECTOR)))
    starts: dict[str, int] = {}
    fat: list[int] = []
    body: list[bytes] = []
    at: dict[str, int] = {}
    for key, data in runs:
        n = -(-len(data) // SECTOR)
        if n == 0:
            starts[key] = END
            continue
        starts[key] = len(fat)
        at[key] = len(body)
        fat.extend(range(len(fat) + 1, len(fat) + n))
        fat.append(END)
        body.append(data + b"\0" * (n * SECTOR - len(data)))
    n_fat = 1
    while n_fat * (SECTOR // 4) < len(fat) + n_fat:
        n_fat += 1
    assert n_fat <= 109, "test files stay small"
    fat_start = len(fat)
    fat.extend([FATSECT] * n_fat)
    fat.extend([FREE] * (n_fat * (SECTOR // 4) - len(fat)))
    for i, _ in big:
        entries[i]["start"] = starts[f"e{i}"]
    root = entries[0]
    root["start"], root["size"] = starts["mini"], len(mini_data)
    d = bytearray()
    for e in entries:
        name = e["name"].encode("utf-16-le") + b"\0\0"
        assert len(name) <= 64
        kind = 5 if e is root else (1 if isinstance(e["node"], dict) else 2)
        start = e.get("start", 0 if kind == 1 else END)
        d += name + b"\0" * (64 - len(name))
        d += struct.pack("<HBB", len(name), kind, 1)
        d += struct.pack("<III", e["left"], e["right"], e["child"])
        d += b"\0" * 16 + b"\0" * 4 + b"\0" * 16
        d += struct.pack("<IQ", start, e.get("size", 0))
    d += b"\0" * (n_dir * SECTOR - len(d))
    # unused directory slots: empty entries whose siblings/child say "none"
    for k in range(len(entries), n_dir * 4):
        off = k * 128
        d[off + 68 : off + 80] = struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM)
    body[at["dir"]] = bytes(d)
    header = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16)
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, n_fat, starts["dir"], 0, CUTOFF,
                          starts["minifat"], -(-len(mf) // SECTOR), END, 0)  # fmt: skip
    difat = list(range(fat_start, fat_start + n_fat)) + [FREE] * (109 - n_fat)
    header += b"".join(struct.pack("<I", x) for x in difat)
    fat_bytes = b"".join(struct.pack("<I", x) for x in fat)
    return bytes(header) + b"".join(body) + fat_bytes


# -- MS-OXMSG ----------------------------------------------------------------------------
PT_LONG, PT_UNICODE, PT_BINARY, PT_OBJECT = 0x0003, 0x001F, 0x0102, 0x000D


def _props(header: bytes, props: list[tuple[int, int, object]]) -> tuple[bytes, Tree]:
    """A ``__properties_version1.0`` stream and the ``__substg1.0_`` streams it refers to."""
    out, streams = bytearray(header), {}
    for pid, ptype, value in props:
        tag = (pid << 16) | ptype
        if ptype == PT_LONG:
            assert isinstance(value, int)
            out += struct.pack("<IIiI", tag, 6, value, 0)
            continue
        if ptype == PT_OBJECT:
            out += struct.pack("<IIII", tag, 6, 0xFFFFFFFF, 0)
            continue
        # a string's stream has no terminating null; its size counts one (MS-OXMSG 2.4.2.2)
        data = value.encode("utf-16-le") if isinstance(value, str) else value
        assert isinstance(data, bytes)
        streams[f"__substg1.0_{tag:08X}"] = data
        out += struct.pack("<IIII", tag, 6, len(data) + (2 if ptype == PT_UNICODE else 0), 0)
    return bytes(out), streams


def _message(subject: str, files: list[tuple[str, bytes | Tree]], top: bool) -> Tree:
    tree: Tree = {}
    props = [(0x001A, PT_UNICODE, "IPM.Note"), (0x0037, PT_UNICODE, subject),
             (0x1000, PT_UNICODE, "Monthly return attached."), (0x0E07, PT_LONG, 1)]  # fmt: skip
    head = struct.pack("<8xIIII8x", 1, len(files), 1, len(files)) if top else b"\0" * 24
    stream, subs = _props(head, props)
    tree["__properties_version1.0"] = stream
    tree.update(subs)
    recip, rsubs = _props(
        b"\0" * 8,
        [(0x3001, PT_UNICODE, "Project lead"), (0x39FE, PT_UNICODE, "lead@nhs.net"),
         (0x0C15, PT_LONG, 1)],
    )  # fmt: skip
    tree["__recip_version1.0_#00000000"] = {"__properties_version1.0": recip, **rsubs}
    for n, (name, content) in enumerate(files):
        if isinstance(content, dict):  # an attached message (method 5: embedded)
            att, asubs = _props(
                b"\0" * 8,
                [(0x3705, PT_LONG, 5), (0x3001, PT_UNICODE, name), (0x3701, PT_OBJECT, 0)],
            )
            tree[f"__attach_version1.0_#{n:08X}"] = {
                "__properties_version1.0": att,
                **asubs,
                "__substg1.0_3701000D": content,
            }
            continue
        att, asubs = _props(
            b"\0" * 8,
            [(0x3705, PT_LONG, 1), (0x3707, PT_UNICODE, name), (0x3704, PT_UNICODE, name[:12]),
             (0x3701, PT_BINARY, content), (0x370E, PT_UNICODE, "application/octet-stream")],
        )  # fmt: skip
        tree[f"__attach_version1.0_#{n:08X}"] = {"__properties_version1.0": att, **asubs}
    if top:
        tree["__nameid_version1.0"] = {
            "__substg1.0_00020102": b"",
            "__substg1.0_00030102": b"",
            "__substg1.0_00040102": b"",
        }
    return tree


def write_msg(subject: str, files: list[tuple[str, bytes]], nest: int = 0) -> bytes:
    """An Outlook message with these attachments; ``nest`` > 0 puts it inside that many
    messages, each attached to the next (forwarded "as attachment")."""
    inner = _message(subject, list(files), top=nest == 0)
    for level in range(nest):
        inner = _message(f"FW: {subject}", [("forwarded.msg", inner)], top=level == nest - 1)
    return compound_file(inner)

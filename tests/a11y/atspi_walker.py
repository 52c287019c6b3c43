"""An AT-SPI client, as a screen reader (Orca) is one: walks a window's accessible tree
and Tabs through it, for tests/test_accessibility_atspi.py.

Runs under the system Python with Debian's python3-pyatspi (/usr/bin/python3), not the
project's .venv. Reads ``WALK {json}`` lines (pid, title) on stdin and answers each with
one ``RESULT {json}`` line: the controls seen, the problems found, and the focus order.
"""

from __future__ import annotations

import json
import sys
import time

import pyatspi

# Controls a keyboard user must reach with Tab (and a screen reader must name).
FIELDS = {
    pyatspi.ROLE_TEXT,
    pyatspi.ROLE_ENTRY,
    pyatspi.ROLE_PASSWORD_TEXT,
    pyatspi.ROLE_SPIN_BUTTON,
    pyatspi.ROLE_COMBO_BOX,
    pyatspi.ROLE_DATE_EDITOR,
}
NO_ROLE = {pyatspi.ROLE_UNKNOWN, pyatspi.ROLE_INVALID, pyatspi.ROLE_REDUNDANT_OBJECT}
NO_ROLE.add(pyatspi.ROLE_FILLER)  # what Qt gives a plain QWidget: a focusable one has no role
# Reached by other keys than Tab (arrows, Alt, F-keys) or part of another control.
NOT_TAB_STOPS = {
    pyatspi.ROLE_MENU_ITEM,
    pyatspi.ROLE_MENU,
    pyatspi.ROLE_MENU_BAR,
    pyatspi.ROLE_CHECK_MENU_ITEM,
    pyatspi.ROLE_RADIO_MENU_ITEM,
    pyatspi.ROLE_PAGE_TAB,
    pyatspi.ROLE_TABLE_CELL,
    pyatspi.ROLE_LIST_ITEM,
    pyatspi.ROLE_TABLE_COLUMN_HEADER,
    pyatspi.ROLE_TABLE_ROW_HEADER,
    pyatspi.ROLE_SCROLL_BAR,
}
CONTAINERS_OF_ITEMS = {
    pyatspi.ROLE_TABLE,
    pyatspi.ROLE_TREE_TABLE,
    pyatspi.ROLE_TREE,
    pyatspi.ROLE_LIST,
    pyatspi.ROLE_LIST_BOX,
    pyatspi.ROLE_MENU_BAR,
    pyatspi.ROLE_COMBO_BOX,
    pyatspi.ROLE_SPIN_BUTTON,
}


def _states(o) -> set:
    return set(o.getState().getStates())


def find_window(pid: int, title: str, wait: float = 8.0):
    desktop = pyatspi.Registry.getDesktop(0)
    end = time.monotonic() + wait
    while True:
        for app in desktop:
            if app is None:
                continue
            try:
                if app.get_process_id() != pid:
                    continue
            except Exception:
                continue
            found = [w for w in app if w is not None and w.name == title]
            active = [w for w in found if pyatspi.STATE_ACTIVE in _states(w)]
            if active or found:
                return (active or found)[0]
        if time.monotonic() > end:
            return None
        time.sleep(0.2)


def window_names(pid: int) -> list[str]:
    for app in pyatspi.Registry.getDesktop(0):
        if app is not None and app.get_process_id() == pid:
            return [f"{w.getRoleName()} {w.name!r}" for w in app if w is not None]
    return []


def walk(window) -> list[dict]:
    """Every showing node under ``window``: role, name, states, path (index chain)."""
    nodes: list[dict] = []

    def visit(o, path: tuple, trail: str, inside_items: bool) -> None:
        try:
            st = _states(o)
            role = o.getRole()
            name = (o.name or "").strip()
        except Exception:
            return
        if pyatspi.STATE_SHOWING not in st:
            return
        label = f"{o.getRoleName()} {name!r}"
        node = {
            "obj": o,
            "path": path,
            "role": role,
            "role_name": o.getRoleName(),
            "name": name,
            "focusable": pyatspi.STATE_FOCUSABLE in st,
            "enabled": pyatspi.STATE_ENABLED in st or pyatspi.STATE_SENSITIVE in st,
            "inside_items": inside_items,
            "where": trail + " > " + label if trail else label,
        }
        nodes.append(node)
        if role in CONTAINERS_OF_ITEMS:
            inside_items = True
        for i, child in enumerate(o):
            if child is not None:
                visit(child, (*path, i), node["where"], inside_items)

    visit(window, (), "", False)
    return nodes


def _proxies(nodes: list[dict]) -> set[tuple]:
    """Focusable containers that hand focus on to a control inside them (a tab widget to
    its tab bar): the control inside is what is checked."""
    focusable = [
        n["path"]
        for n in nodes
        if n["focusable"] and not n["inside_items"] and n["role"] not in NOT_TAB_STOPS
    ]
    return {p for p in focusable if any(q != p and q[: len(p)] == p for q in focusable)}


def problems_of(nodes: list[dict]) -> list[str]:
    found = []
    proxies = _proxies(nodes)
    for n in nodes:
        if not n["focusable"] or n["inside_items"] or n["role"] in NOT_TAB_STOPS:
            continue
        if n["path"] in proxies:
            continue
        if n["role"] in NO_ROLE:
            found.append(f"role missing: a focusable {n['role_name']} ({n['where']})")
        elif not n["name"]:
            kind = "field not labelled" if n["role"] in FIELDS else "no accessible name"
            found.append(f"{kind}: {n['where']}")
    return found


def tab_stops(nodes: list[dict]) -> list[dict]:
    proxies = _proxies(nodes)
    return [
        n
        for n in nodes
        if n["focusable"]
        and n["enabled"]
        and not n["inside_items"]
        and n["role"] not in NOT_TAB_STOPS
        and n["path"] not in proxies
        # a label that can be selected with the mouse takes click focus, not Tab focus;
        # AT-SPI shows both as "focusable", and a label is read, not operated
        and n["role"] != pyatspi.ROLE_LABEL
    ]


def _focused(stops: list[dict], window) -> tuple | None:
    for n in stops:
        try:
            if pyatspi.STATE_FOCUSED in _states(n["obj"]):
                return n["path"]
        except Exception:
            continue
    # focus on something that is not a stop (e.g. inside a combo box): find it
    for n in walk(window):
        if pyatspi.STATE_FOCUSED in _states(n["obj"]):
            return n["path"]
    return None


def tab_through(window, stops: list[dict]) -> tuple[list[str], list[str]]:
    """Press Tab (through the X server, as a user would) until the focus comes round
    again; the order focus took, and the stops it never reached."""
    by_path = {n["path"]: n for n in stops}

    def owner(path: tuple | None) -> tuple | None:
        if path is None:
            return None
        p = path
        while p and p not in by_path:
            p = p[:-1]
        if p in by_path:
            return p
        # focus on a container that hands it on (a tab widget): the control inside
        inner = sorted(q for q in by_path if q[: len(path)] == path)
        tabs = [q for q in inner if by_path[q]["role"] == pyatspi.ROLE_PAGE_TAB_LIST]
        return (tabs or inner or [None])[0]

    order: list[tuple] = []
    first = owner(_focused(stops, window))
    if first is not None:
        order.append(first)
    last = first
    stuck = 0
    for _ in range(4 * len(stops) + 8):
        pyatspi.Registry.generateKeyboardEvent(0xFF09, None, pyatspi.KEY_SYM)  # Tab
        now = last
        end = time.monotonic() + 0.4
        while time.monotonic() < end:
            time.sleep(0.03)
            now = owner(_focused(stops, window))
            if now != last:
                break
        if now is None:
            break  # focus left the window
        if now == last:
            stuck += 1  # Tab inside one control (a date's sections): a few are allowed
            if stuck > 4:
                break  # Tab is trapped here
            continue
        stuck = 0
        if now == first or now in order:
            break  # came round
        order.append(now)
        last = now
    # radio buttons: one per group is a Tab stop (arrows move within the group)
    reached = set(order)
    groups_reached = {p[:-1] for p in reached if by_path[p]["role"] == pyatspi.ROLE_RADIO_BUTTON}
    skipped = []
    for n in stops:
        if n["path"] in reached:
            continue
        if n["role"] == pyatspi.ROLE_RADIO_BUTTON and n["path"][:-1] in groups_reached:
            continue
        skipped.append(n["where"])
    return [by_path[p]["where"] for p in order], skipped


def main() -> int:
    for line in sys.stdin:
        if not line.startswith("WALK "):
            continue
        req = json.loads(line[5:])
        window = find_window(req["pid"], req["title"])
        if window is None:
            result = {
                "error": f"no accessible window titled {req['title']!r} for the app; "
                f"it has {window_names(req['pid'])}"
            }
        else:
            nodes = walk(window)
            stops = tab_stops(nodes)
            order, skipped = tab_through(window, stops)
            problems = problems_of(nodes)
            problems += [f"focus order skips: {w}" for w in skipped]
            result = {
                "role": window.getRoleName(),
                "nodes": len(nodes),
                "stops": len(stops),
                "order": order,
                "problems": problems,
            }
        print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A real RxLog process for the crash test: logs, edits and deletes until it is killed.

Two ways to run it (``tests/reliability/test_rel_crash.py`` uses both):

``crash_driver.py once DATA_DIR RUN LOGFILE``
    Open RxLog in DATA_DIR and work until killed: a cold process start, as a user's.

``crash_driver.py zygote``
    Import RxLog once, then for each tab-separated line
    ``RUN DATA_DIR RUN_NO TODAY DELAY LOGFILE [idle]`` read on stdin fork a child that
    does what ``once`` does (``idle``: only opens), SIGKILL it after DELAY seconds (if
    it is still running) and print ``done RUN_NO <how it ended>``. Forking skips the
    ~0.3 s of imports, so hundreds of kills fit in a CI minute.

The child writes one line to LOGFILE *after* each operation returns (``L i id``,
``E i id``, ``D i id``), with ``os.write`` so nothing sits in a buffer: a line in
the file means RxLog said "saved". Every operation is a pure function of (run, i), so
the checker knows exactly what each entry must hold and what the one operation in
flight at the kill was.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
import traceback
from datetime import date, timedelta
from pathlib import Path

FIRST_DAY = date(2026, 1, 1)
CODES = ("QRY-CLIN", "REP-MGMT", "SAF-AUDIT", "QRY-PAT")


def planned(run: int, i: int) -> tuple[str, dict[str, object]]:
    """The operation number ``i`` of run ``run`` does: (kind, values)."""
    if i % 10 == 4:
        return "edit", {"minutes": 2}
    if i % 10 == 9:
        return "delete", {}
    day = FIRST_DAY + timedelta(days=(run * 7 + i) % 300)
    return "log", {
        "code": CODES[(run + i) % len(CODES)],
        "date": day,
        "minutes": 1,
        "note": f"crash r{run} i{i}",
    }


def work(data_dir: Path, run: int, logfile: Path, idle: bool = False) -> None:
    from rxlog.domain import EntryInput
    from rxlog.service import RxLog

    fd = os.open(logfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def say(line: str) -> None:
        os.write(fd, (line + "\n").encode())

    try:
        app = RxLog.open(data_dir)
        if idle:
            pass
        elif app.technician() is None:
            app.setup("Crash Test", "5012345")
        if not idle and not app.placements():
            app.add_placement("G82001", "Crash Surgery", "primary", FIRST_DAY, None)
        say("open")
        while idle:  # only opening was to be tested (e.g. a migration)
            time.sleep(1)
        last_id = None
        i = 0
        while True:
            kind, values = planned(run, i)
            if kind == "log":
                last_id = app.log(EntryInput(**values)).entry.id  # type: ignore[arg-type]
                say(f"L {i} {last_id}")
            elif kind == "edit" and last_id:
                app.edit(last_id, values, "crash test edit")
                say(f"E {i} {last_id}")
            elif kind == "delete" and last_id:
                app.delete(last_id, "crash test delete")
                say(f"D {i} {last_id}")
            i += 1
    except BaseException:
        say("ERROR " + traceback.format_exc().replace("\n", " | "))
        os._exit(3)


def _wait_for(logfile: Path, wanted: str, limit: float = 30.0) -> None:
    """Until the process writing ``logfile`` has reported ``wanted`` ("open": its data
    folder open, migrations done; a number: that many logs), an error, or ``limit``
    seconds have passed (its work only ends by a kill or an error)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        with contextlib.suppress(FileNotFoundError):
            text = logfile.read_text()
            if "ERROR" in text:
                return
            if wanted == "open" and text.startswith("open\n"):
                return
            if wanted != "open" and text.count("\nL ") >= int(wanted):
                return
        time.sleep(0.005)


def zygote() -> None:
    import alembic.command  # noqa: F401 - import everything before forking
    import alembic.config  # noqa: F401

    import rxlog.audit  # noqa: F401
    import rxlog.service  # noqa: F401
    import rxlog.storage.backups  # noqa: F401

    print("ready", flush=True)
    for line in sys.stdin:
        parts = line.rstrip("\n").split("\t")
        if parts[0] != "RUN":
            continue
        _, data_dir, run, today, delay, logfile, *mode = parts
        pid = os.fork()
        if pid == 0:
            os.environ["RXLOG_TODAY"] = today
            work(Path(data_dir), int(run), Path(logfile), idle="idle" in mode)
            os._exit(0)
        for after in (m[6:] for m in mode if m.startswith("after:")):  # kill only after it
            _wait_for(Path(logfile), after)
        time.sleep(float(delay))
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        how = (
            "killed"
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            else f"exited {os.waitstatus_to_exitcode(status)}"
        )
        print(f"done {run} {how}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "zygote":
        zygote()
    else:
        work(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))

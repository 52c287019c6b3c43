"""Write PNGs of RxLog's main screens to docs/screenshots/ (offscreen, no display needed).

    .venv/bin/python scripts/screenshots.py [OUT_DIR]

Uses a temporary data folder filled with the reproducible demo technician, with
"today" pinned to 2026-11-20, so the pictures are the same on every machine. The
offscreen screen is a 1366×768 laptop's, less a 40-pixel taskbar: every window and
dialog sizes itself from it, as on the laptop.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_SCREEN = Path(tempfile.gettempdir()) / "rxlog-laptop-screen.json"
_SCREEN.write_text(
    '{"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 728,'
    ' "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}'
)
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"
os.environ["RXLOG_TODAY"] = "2026-11-20"

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from rxlog.demo import fill_demo  # noqa: E402
from rxlog.service import RxLog  # noqa: E402
from rxlog.ui.main_window import MainWindow  # noqa: E402
from rxlog.ui.setup_wizard import SetupWizard  # noqa: E402

TODAY = date(2026, 11, 20)


def save(widget, out: Path, name: str) -> None:  # noqa: ANN001
    QApplication.processEvents()
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    qapp = QApplication.instance() or QApplication([])
    qapp.setApplicationName("RxLog")
    with tempfile.TemporaryDirectory(prefix="rxlog-shots-") as tmp:
        rx = RxLog.open(Path(tmp) / "data", today=lambda: TODAY)
        fill_demo(rx, months=2)
        rx.set_setting("favourites", '["REC-ADM", "ACU-TTO", "INT-OMIT"]')
        win = MainWindow(rx)  # sized from the laptop's screen, as at a first start
        win.show()
        QTest.keyClicks(win.quick.line, "tto 3 25m")
        save(win, out, "main-window")

        win.quick.clear()
        QTest.keyClicks(win.quick.line, "int-omit s4 h:c 900m")
        QTest.keyClick(win.quick.line, Qt.Key.Key_Return)
        save(win, out, "detail-panel-error")
        win.quick.clear()
        win.quick_error.hide()
        win.details.clear_errors()

        # An admission reconciliation: the admission date-time and the time done (QS120)
        QTest.keyClicks(win.quick.line, "rec-adm y ad:-2d@22:40 t:09:05")
        QTest.keyClick(win.quick.line, Qt.Key.Key_Tab)
        save(win, out, "detail-panel-admission")
        win.quick.clear()
        win.quick.line.setFocus()

        t0 = datetime.combine(TODAY, datetime.min.time()).astimezone() + timedelta(hours=9)
        QTest.keyClicks(win.quick.line, "acu-ward")
        win.start_timer(t0)
        for m in range(1, 31):
            win.tick(t0 + timedelta(minutes=m))
        win.stop_timer(t0 + timedelta(hours=3))
        win.dialog.adjustSize()
        save(win.dialog, out, "timer-review")
        win.dialog.reject()
        win.timers.clear()
        win._show_timer()
        win.statusBar().clearMessage()

        win.tabs.setCurrentIndex(1)
        save(win, out, "history")
        win.tabs.setCurrentIndex(2)
        save(win, out, "summary")
        win.tabs.setCurrentIndex(0)
        win.open_placements()
        save(win.dialog, out, "placements")
        win.dialog.reject()
        win.open_absence()
        save(win.dialog, out, "absence")
        win.dialog.reject()
        win.open_backups()
        save(win.dialog, out, "backups")
        win.dialog.reject()

        QTest.keyClicks(win.quick.line, "rec 25")
        save(win, out, "quick-entry-preview")
        QTest.keyClick(win.quick.line, Qt.Key.Key_Return)
        save(win.dialog, out, "line-question")
        win.dialog.reject()
        win.quick.clear()

        month = win.open_month()
        save(month, out, "month-dialog")
        month.folder.setText(tmp)
        confirm = month.ask_to_sign()
        save(confirm, out, "sign-off-question")
        confirm.reject()
        month.reject()
        win._tick.stop()
        win.close()
        rx.close()

        fresh = RxLog.open(Path(tmp) / "fresh", today=lambda: TODAY)
        wiz = SetupWizard(TODAY, fresh.setup, fresh.add_placement, app=fresh)
        wiz.show()
        wiz.you.name.setText("Alex Morgan")
        wiz.you.gphc.setText("1234567")
        wiz.next()  # refused: shows the error beside the field
        save(wiz, out, "wizard")
        wiz.you.gphc.setText("5012345")
        wiz.next()
        save(wiz, out, "wizard-placement")
        wiz.placement.form.ods.setText("G82001")
        wiz.placement.form.name.setText("Riverside Medical Centre")
        wiz.next()
        wiz.month_end.passphrase.setText("correct horse battery")
        wiz.month_end.again.setText("correct horse batery")
        wiz.month_end.lead.setText("alex.lead@nhs.net")
        wiz.next()  # refused: the two passphrases differ
        save(wiz, out, "wizard-month-end")
        wiz.close()
        fresh.close()


if __name__ == "__main__":
    main()

"""``rxlog check``: the storage checks (``rxlog.storage.health``) and the audit chain.

The audit chain is the core's (``rxlog.audit``), so it is checked here, above storage,
rather than by storage reaching up into the core.
"""

from __future__ import annotations

from pathlib import Path

from rxlog.storage.health import CheckItem, CheckReport


def full_check(data_dir: Path) -> CheckReport:
    """Integrity, schema revision, audit chain, permissions and last backups, changing
    nothing. The audit item follows the schema item, as ``rxlog check`` has always listed it."""
    from rxlog import audit
    from rxlog.storage import health

    report = health.full_check(Path(data_dir))
    if report.audit_due is not None:
        ok, detail = audit.verify_file(report.audit_due)
        at = next((i + 1 for i, it in enumerate(report.items) if it.name == "schema"), 0)
        report.items.insert(at, CheckItem("audit", ok, detail))
    return report

"""The data dictionary of the combined dataset the lead exports (one row per entry).

Columns are those of the technician's return CSV (docs/return-format.md, described in
full in docs/data-dictionary.md); this module says what each one means for the
``Data dictionary`` sheet and ``data-dictionary.csv`` that travel with the export.
"""

from __future__ import annotations

from rxlog.returnformat.csvfile import CSV_COLUMNS

ENTRY_COLUMNS: dict[str, str] = {
    "return_id": "The return: <GPhC number>-<YYYY-MM>, the same for every version of a "
    "technician's month",
    "version": "Version of the return the row comes from (only the newest imported version "
    "of each return is in the dataset)",
    "entry_id": "Stable id of the entry in the technician's RxLog (UUID)",
    "gphc": "GPhC registration number of the pharmacy technician (7 digits, starts with 5)",
    "site": "ODS code of the site where the work was done (GP practice, PCN, trust, trust site)",
    "site_name": "Name of that site, as the technician entered it",
    "site_kind": "gp_practice, pcn, trust or trust_site (from the ODS code's format)",
    "sector": "primary (PCN / general practice) or secondary (hospital) care",
    "phase": "Project phase on that date (e.g. baseline, pilot), as set in the technician's RxLog",
    "date": "Day of the activity (YYYY-MM-DD)",
    "code": "Activity code from the RxLog taxonomy (as logged; the report rolls retired "
    "codes up to their replacement through replaced_by)",
    "title": "Title of the activity code",
    "category": "Taxonomy category of the code",
    "taxonomy_version": "Version of the taxonomy the code was logged under",
    "minutes": "Technician minutes spent on the activity",
    "count": "Patients or items the activity covered (see count_unit); empty when the code "
    "counts nothing",
    "count_unit": "What count counts: patients or items; empty where the code counts nothing",
    "significance": "Significance of an intervention on the scale named in significance_scale",
    "significance_scale": "Scale of significance (Eadon 1992, 1-6)",
    "harm": "Harm category of the error an intervention caught (NCC MERP A-I)",
    "harm_scale": "Scale of harm (NCC MERP index)",
    "released_minutes": "Clinician (GP, pharmacist) minutes released by the activity",
    "outcome": "Outcome of an intervention: accepted, declined or pending",
    "cost_avoided": "Cost avoided in GBP, derived from released_minutes with the unit-cost "
    "table named in unit_cost_version",
    "unit_cost_version": "Version of the unit-cost table used (each figure cites its source)",
    "qs120_days": "Days from discharge information received to reconciliation (NICE QS120: "
    "within 7 days in primary care)",
    "qs120_minutes": "Minutes from the patient's admission to an admission reconciliation "
    "(NICE QS120: within 24 hours in acute care); empty when not recorded",
}

RETURN_COLUMNS: dict[str, str] = {
    "return_id": "The return (GPhC number and month)",
    "version": "Version imported (the newest; earlier versions were replaced)",
    "gphc": "GPhC registration number of the technician",
    "technician": "Technician's name as signed in the return",
    "month": "Month the return covers (YYYY-MM)",
    "main_site": "Site with the most entries that month",
    "sector": "Sector of the main site",
    "rows": "Entries in the return",
    "taxonomy_versions": "Taxonomy versions the month's entries were logged under",
    "unit_cost_version": "Unit-cost table version used for cost_avoided",
    "supersedes_reason": "Reason the technician gave for reopening the month (v2 and later)",
    "exported_at": "When the technician exported the return",
    "imported_at": "When it was imported into the central store (UTC)",
    "key_fingerprint": "SHA-256 fingerprint of the installation key that signed it",
}

assert tuple(ENTRY_COLUMNS) == CSV_COLUMNS, "data dictionary out of step with the CSV"

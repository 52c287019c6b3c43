"""Grading scales for interventions, stored by name with each graded value.

A review found 82 different grading tools with little validation (Vo et al., Drug Saf
2016), so every graded entry records which scale its value is on.
"""

from __future__ import annotations

# Eadon H. "Assessing the quality of ward pharmacists' interventions", Int J Pharm
# Pract 1992; used in NHS pharmacy intervention audits (e.g. EJHP 2022;29(Suppl 1):A31).
SIGNIFICANCE_SCALE = "Eadon 1992 (1-6)"
SIGNIFICANCE = {
    1: "Detrimental to the patient",
    2: "No significance to patient care",
    3: "Significant, no improvement in care",
    4: "Significant, improves the standard of care",
    5: "Very significant, prevents major organ failure or similar",
    6: "Potentially life-saving",
}

# NCC MERP Index for Categorizing Medication Errors (nccmerp.org/medErrorCatIndex.html).
HARM_SCALE = "NCC MERP index (A-I)"
HARM = {
    "A": "Circumstances or events with the capacity to cause error",
    "B": "Error occurred but did not reach the patient",
    "C": "Reached the patient, caused no harm",
    "D": "Reached the patient, needed monitoring or intervention to preclude harm",
    "E": "Temporary harm, intervention required",
    "F": "Temporary harm, initial or prolonged hospitalisation",
    "G": "Permanent harm",
    "H": "Intervention required to sustain life",
    "I": "Contributed to or resulted in death",
}

OUTCOMES = ("accepted", "declined", "pending")

"""Step 6 – drug, formulation and daily dose, with the suggested range and any deviation.

The justification fields of a medication appear as soon as the rule engine reports a
deviation for it (dose above the range, an exception-only drug, diazepam with reduced
respiration, a drug outside the table) — or when something is already written in them.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from core.case import Medication
from core.findings import Severity
from i18n import _
from ui.wizard.banners import tint
from ui.wizard.formatting import dose_range
from ui.wizard.lists import ListSection
from ui.wizard.page import Section, StepPage
from ui.wizard.widgets import FieldRow, FindingsLabel, wrapping_label

OTHER = "other"
#: Deviations (see core/rules/medication.py) by the field they concern.  Until justified, the
#: rule engine points them at the justification field; they are shown beside the dose or the
#: drug as well, where the GP made the choice.
DOSE_DEVIATIONS = frozenset({"DOSE_ABOVE_RANGE"})
DRUG_DEVIATIONS = frozenset({"EXCEPTION_DRUG", "DRUG_NOT_IN_TABLE",
                             "AVOID_WITH_REDUCED_RESPIRATION"})
DEVIATION_CODES = DOSE_DEVIATIONS | DRUG_DEVIATIONS


class MedicationRow(QObject):
    """Keeps one medication row's dynamic parts current: hints, other-name, deviation box."""

    def __init__(self, page: MedicationPage, row: Section, path: str, index: int) -> None:
        super().__init__(row)
        self.page = page
        self.path = path
        self.index = index
        f = page.fields
        drugs = [(d.id, page.ctx.text(d.name)) for d in page.ctx.pathway.drugs]
        drugs.append((OTHER, _("Other drug (not in the table)")))
        self.drug: FieldRow = f.choice(f"{path}.drug", _("Drug"), drugs,
                                       none_label=_("Not chosen"), none_value="")
        self.drug_deviation = FindingsLabel(self.drug, target=self.drug.editor)
        self.drug.add_below(self.drug_deviation)
        row.add(self.drug)
        self.other_name: FieldRow = f.line(f"{path}.other_name", _("Name of the other drug"))
        row.add(self.other_name)
        row.add(f.choice(f"{path}.formulation", _("Formulation"), none_label=_("Not chosen"),
                         none_value="", dynamic=self._formulations))
        self.dose: FieldRow = f.line(f"{path}.daily_dose", _("Daily dose (mg)"),
                                     placeholder=_("e.g. 12 or 7,5"), max_length=40)
        self.dose_deviation = FindingsLabel(self.dose, target=self.dose.editor)
        self.dose.add_below(self.dose_deviation)
        row.add(self.dose)
        self.deviation = self._deviation_box(row, path)
        row.add(self.deviation, full=True)
        row.add(f.line(f"{path}.schedule", _("How it is taken (time of day, supervision)")),
                full=True)
        row.add(f.date(f"{path}.start_date", _("Start date")))
        row.add(f.date(f"{path}.planned_end", _("Planned end")))
        row.add(f.text(f"{path}.taper_plan", _("Tapering plan"), lines=2))
        row.add(f.text(f"{path}.tolerance_note",
                       _("Tolerance (needed for a start dose above the range)"), lines=2))

        page.controller.changed.connect(self._changed)
        page.controller.findings_changed.connect(self.update)
        self.update()

    def _deviation_box(self, row: Section, path: str) -> QFrame:
        f = self.page.fields
        box = QFrame(row)
        box.setFrameShape(QFrame.Shape.StyledPanel)
        tint(box, "#fff4d6")
        layout = QVBoxLayout(box)
        layout.addWidget(wrapping_label(
            _("Deviation from the guidance: write why it is right for this patient, and name "
              "the specialist in addiction medicine (TSB) who agreed."), box))
        justification = f.text(f"{path}.deviation_justification", _("Justification"), lines=3)
        justification.findings.hidden_codes = DEVIATION_CODES
        layout.addWidget(justification)
        layout.addWidget(f.line(f"{path}.deviation_agreed_by",
                                _("Agreed with (specialist in TSB)")))
        return box

    def _changed(self, path: str) -> None:
        if path == f"{self.path}.drug":
            self._choose_only_formulation()
        self.update()

    def _choose_only_formulation(self) -> None:
        """A drug with a single formulation needs no choice (the GP can still see it)."""
        medication = self.medication()
        drug = self.page.ctx.pathway.drug(medication.drug) if medication else None
        if (medication is not None and drug is not None and len(drug.formulations) == 1
                and drug.formulation(medication.formulation) is None):
            self.page.controller.set_value(f"{self.path}.formulation", drug.formulations[0].id)

    def medication(self) -> Medication | None:
        medications = self.page.controller.case.medications
        return medications[self.index] if self.index < len(medications) else None

    def _formulations(self) -> list[tuple[object, str]]:
        medication = self.medication()
        drug = self.page.ctx.pathway.drug(medication.drug) if medication else None
        return [(f.id, self.page.ctx.text(f.name)) for f in drug.formulations] if drug else []

    def deviation_needed(self) -> bool:
        prefix = self.path + "."
        for finding in self.page.controller.findings:
            if not finding.field.startswith(prefix):
                continue
            if finding.code in DEVIATION_CODES or (
                    finding.severity is Severity.BLOCKER
                    and finding.field.endswith(".deviation_justification")):
                return True
        return False

    def update(self, *_args: object) -> None:
        medication = self.medication()
        if medication is None:
            return
        drug = self.page.ctx.pathway.drug(medication.drug)
        self.other_name.setVisible(medication.drug == OTHER or bool(medication.other_name))
        if drug is not None and drug.dose_min_mg is not None and drug.dose_max_mg is not None:
            hint = _("Suggested: {range} per day").format(
                range=dose_range(drug.dose_min_mg, drug.dose_max_mg))
        elif drug is not None:
            hint = _("No suggested dose range: this drug is an individual exception.")
        else:
            hint = ""
        self.dose.set_hint(hint)
        self.drug.set_hint(self.page.ctx.text(drug.note) if drug is not None and drug.note
                           else "")
        justification = f"{self.path}.deviation_justification"
        pending = [f for f in self.page.controller.findings if f.field == justification]
        self.dose_deviation.set_findings([f for f in pending if f.code in DOSE_DEVIATIONS])
        self.drug_deviation.set_findings([f for f in pending if f.code in DRUG_DEVIATIONS])
        self.deviation.setVisible(
            self.deviation_needed() or bool(medication.deviation_justification.strip())
            or bool(medication.deviation_agreed_by.strip()))


class MedicationPage(StepPage):
    def build(self) -> None:
        self.intro(_("The table suggests drugs and daily doses; the dose is assessed for each "
                     "patient. A deviation is possible with a written justification and the "
                     "agreement of a specialist in TSB."))
        table = self.section(_("Suggested drugs"), columns=2)
        for drug in self.ctx.pathway.drugs:
            name = self.ctx.text(drug.name)
            if drug.dose_min_mg is not None and drug.dose_max_mg is not None:
                text = _("{drug}: {range} per day").format(
                    drug=name, range=dose_range(drug.dose_min_mg, drug.dose_max_mg))
            else:
                text = _("{drug}: only as an individual exception").format(drug=name)
            table.add(wrapping_label(text, table))
        self.medications = ListSection(
            self, "medications", new_item=Medication, build_row=self._row,
            row_title=lambda i: _("Medication {number}").format(number=i + 1),
            add_text=_("Add &medication"), empty_text=_("No medication chosen yet."),
            remove_question=_("Remove {item}? What is written in it is deleted."))
        self.body.addWidget(self.medications)

    def _row(self, row: Section, path: str, index: int) -> None:
        MedicationRow(self, row, path, index)

    def row_widgets(self) -> list[QWidget]:
        return list(self.medications.rows)

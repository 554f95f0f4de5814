"""The documents: journal note, prescription text, consent form and treatment plan.

Builders are pure functions from a case and its pathway to a :class:`~core.documents.model.
Document` (the render model) in a chosen language; the same model feeds the preview, the copied
text (:func:`~core.documents.model.to_text`) and the PDF (:mod:`core.pdf`).
"""

from core.documents.consent import consent_form
from core.documents.journal import journal_note, prescription_text
from core.documents.model import Document, to_text
from core.documents.treatment_plan import treatment_plan

__all__ = [
    "Document",
    "consent_form",
    "journal_note",
    "prescription_text",
    "to_text",
    "treatment_plan",
]

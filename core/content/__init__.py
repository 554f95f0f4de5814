"""Versioned pathway content (legal basis, checklists, drug table, consent items) as data."""

from core.content.loader import ContentError, ContentLibrary, load_library, load_pathway_file
from core.content.pathway import Drug, Pathway, Text

__all__ = [
    "ContentError",
    "ContentLibrary",
    "Drug",
    "Pathway",
    "Text",
    "load_library",
    "load_pathway_file",
]

"""Stage 2 — documents: the catalogue of families, their contexts, French formats, DOCX rendering."""

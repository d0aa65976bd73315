"""Stage 3 — PDF: LibreOffice conversion, what a PDF is, and the assembly of jury packets."""

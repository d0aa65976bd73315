"""Stage 3 — PDF (pypdf): what a PDF is, and the assembly of jury packets. LibreOffice is pipeline.libreoffice."""

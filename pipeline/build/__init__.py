"""The build: documents from the workbook (builder), the manifest of what was written, the output
folder's keeper (outputs), one build per folder (lock), the jury packets (packets)."""

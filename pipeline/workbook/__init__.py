"""Stage 1 — the workbook: its contract (schema), reading (xlsx, CSV), validation, and `copar init`."""

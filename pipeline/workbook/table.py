"""The shape every input source is read into before headers are located: numbered rows of raw values.

Its own module so that the .xlsx reader (reader.py) and the CSV reader (csvfiles.py) share it
without importing each other.
"""

from __future__ import annotations

from typing import Any

Table = list[tuple[int, list[Any]]]  # (row number, values); rows without any value may be left out

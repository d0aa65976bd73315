"""LibreOffice: DOCX → PDF. The one engine every conversion goes through.

- `calls`: the primitives — find soffice, run one batch call under time limits, kill a
  process group, the PDF export filter's options, staged names, collect a checked PDF;
- `listener` (and the `unobridge` script): a LibreOffice kept running per worker, driven
  through UNO — the other backend of a call, with the same contract as a batch call;
- `scheduler`: pure policy — what the next call takes, merging, bisection, retries and
  the hang rule — tested without any process;
- `grouping`: several DOCX merged into one, the PDF split back;
- `stream`: `ConversionStream`, worker threads running the scheduler's calls as
  documents are rendered, and `convert_many` (a list in, a result each out);
- `orphans`: the registry that lets any copar command kill what a killed copar left.

Nothing here imports the build or any feature.
"""

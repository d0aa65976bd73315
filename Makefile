# Shortcuts for the two scripts at the top of the README, the fast test tier and the benchmark.
FAST = not slow and not soffice and not node and not browser and not pdfium and not poppler
.PHONY: demo test fast bench clean
demo:
	scripts/demo.sh
test:
	scripts/test.sh
fast:  # the fast tier: no LibreOffice, Node, browser, pdfium, poppler nor slow test (docs/architecture.md, Tests)
	.venv/bin/pytest -q -p no:cacheprovider -m "$(FAST)"
bench:
	scripts/setup.sh && .venv/bin/python tools/bench.py $(BENCH_ARGS)  # BENCH_ARGS="--students 0": the sample only
clean:
	rm -rf outputs/* .pytest_cache .ruff_cache

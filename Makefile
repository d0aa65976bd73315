# Shortcuts for the two scripts at the top of the README.
.PHONY: demo test bench clean
demo:
	scripts/demo.sh
test:
	scripts/test.sh
bench:
	scripts/setup.sh && .venv/bin/python tools/bench.py $(BENCH_ARGS)  # BENCH_ARGS="--students 0": the sample only
clean:
	rm -rf outputs/* .pytest_cache .ruff_cache

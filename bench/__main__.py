"""`python -m bench`: run every benchmark in this package, then print one RESULT line per figure.

A benchmark is a module of `bench` with `run(options) -> (figures, problems)` and, optionally,
`add_arguments(parser)`. The exit status is 1 when a benchmark found a problem (a 5xx, rows that
do not match the accepted requests), so `make bench` fails loudly; a figure that misses its
target is reported but is not a problem.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import pkgutil
import sys
import time
import traceback

import bench
from bench.harness import report, say


def benchmarks() -> list:
    modules = []
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "run", None)):
            modules.append(module)
    return modules


def main(argv: list[str] | None = None) -> int:
    modules = benchmarks()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    for module in modules:
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser)
    options = parser.parse_args(argv)
    figures, problems = [], []
    started = time.perf_counter()
    for module in modules:
        try:
            module_figures, module_problems = module.run(options)
        except Exception:
            # One broken benchmark must not throw away the figures the others have measured.
            failure = traceback.format_exc()
            say(f"!!! {module.__name__} failed:\n{failure}")
            module_figures, module_problems = [], [f"{module.__name__} failed: {failure.strip().splitlines()[-1]}"]
        figures.extend(module_figures)
        problems.extend(module_problems)
        # What a benchmark leaves alive in this process (the dashboard's some 140 MB) is set aside
        # from the collector, so that the next one's load generator does not traverse it. With the
        # dashboard's heap left to the collector, the kill fault that follows it had one request
        # without an answer for 30 s in each of two runs; with it set aside, in neither (see
        # docs/performance.md, "The run of 2026-12-05 05:46"; why a slower collector makes a
        # request wait for its timeout is not found).
        gc.collect()
        gc.freeze()
    say(f"== all benchmarks done in {time.perf_counter() - started:.0f} s")
    return report(figures, problems)


if __name__ == "__main__":
    sys.exit(main())

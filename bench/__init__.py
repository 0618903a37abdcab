"""Benchmarks for Cermin: `python -m bench` (or `make bench`) runs every module here that defines
`run(options)`, then prints one `RESULT name=value unit` line per figure.

- `bench.submit`: the public SKM form under load (GET the form, POST the answers) on SQLite and
  PostgreSQL, against a bare Flask endpoint served the same way; and the form's gzip size.
- `bench.bare`: the bare Flask app used as the baseline.
- `bench.harness`: throwaway databases, a gunicorn server and the load generator.
"""

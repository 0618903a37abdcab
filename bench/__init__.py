"""Benchmarks for Cermin: `python -m bench` (or `make bench`) runs every module here that defines
`run(options)`, then prints one `RESULT name=value unit` line per figure.

- `bench.submit`: the public SKM form under load (GET the form, POST the answers) on SQLite and
  PostgreSQL, against a bare Flask endpoint served the same way; and the form's gzip size.
- `bench.bare`: the bare Flask app used as the baseline.
- `bench.load`: 10,000 citizens at 64 connections against gunicorn on PostgreSQL, every stored row
  matched with what the clients were told (and the client and databases the fault runs share).
- `bench.faults`: the same under faults: a gunicorn worker killed, PostgreSQL stopped, Redis stopped.
- `bench.harness`: throwaway databases, a gunicorn server and the load generator.
"""

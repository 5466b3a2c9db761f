"""Test doubles and helpers shared by the test folders and the benchmarks (`python -m bench.NAME`).

Import them as `tests.support.<module>`: the repository root is on sys.path (pytest `pythonpath`, or the current
directory for `python -m`).
"""

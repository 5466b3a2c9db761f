"""Benchmarks. Run each from the repository root as a module, `python -m bench.NAME`, so that it imports the test
doubles it shares with the tests (a stub teacher, `git octo serve` over a tiny model) as `tests.support`."""

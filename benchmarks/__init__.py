"""Benchmarks of the analysis package: a corpus generator and the pipeline timings.

Run ``python -m benchmarks --docs 10000`` (or ``make bench``); the project README
says what is measured and shows the results.
"""

"""Benchmarks of the analysis package: a realistic corpus generator and the timings.

``python -m benchmarks --docs 10000 [--only 02 05]`` (or ``make bench DOCS=10000
ONLY="02 05"``) generates documents (:mod:`benchmarks.generate`) and times, each in
a fresh process, the naive recipe, our stage pipeline and the notebooks through
the runner, cold and warm (:mod:`benchmarks.run`), with the peak memory of every
process tree (:mod:`benchmarks.memory`) and the clause repetition of the generated
and the real corpus (:mod:`benchmarks.repetition`).
"""

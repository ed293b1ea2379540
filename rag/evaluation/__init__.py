"""Evaluation: `rag eval` and `rag bench`. The runner that drives a pipeline over a gold set
(run.py), gold sets and SQuAD-style benchmarks (gold.py, squad.py), per-question records
(records.py), pure metric functions (metrics.py, and cmrc.py, the official CMRC 2018 scorer),
aggregation (aggregate.py), the report with plots (report.py, plots.py), run comparison
(compare.py) and the index/search benchmark (bench.py). A shell over the pipeline: lower
stages never import it."""

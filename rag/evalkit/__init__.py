"""The parts of `rag eval`: gold sets (gold.py), per-question records (records.py), pure metric
functions (metrics.py, cmrc.py), aggregation (aggregate.py), the report (report.py), run
comparison (compare.py) and the SQuAD-style benchmark converter (squad.py). The runner that
drives a pipeline over a gold set is rag/evaluate.py."""

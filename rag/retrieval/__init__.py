"""Retrieval: query -> ranked Hits. The hybrid retriever over a loaded index (retriever.py),
weighted reciprocal rank fusion and near-duplicate removal (fusion.py), and the rewriting of a
follow-up question into a standalone query (followup.py). It imports config, errors, types,
text and index; never answer or a shell."""

"""Ingestion: files -> Document -> Chunk. Reading files of each format with their encodings
(load.py, encoding.py), cleaning web debris and reading a document's date and source (clean.py),
finding its sections (sections.py) and cutting sections into chunks at sentence ends (chunk.py).
It imports config, errors, types and text; never index, retrieval, answer or a shell."""

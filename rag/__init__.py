"""rag: retrieval-augmented question answering over Chinese document collections.

Data flows one way, one subpackage a stage: text (normalisation, tokenizer, sentences, numbers,
names) <- ingest (files -> Document -> Chunk) <- index (dense + sparse) <- retrieval (Hits) <-
answer (prompt, generation, citations, verification); models holds the embedder and generator
backends. pipeline.Rag is the one object the shells (cli, ui, evaluation) drive; config, errors
and types are shared by all."""

__version__ = "0.1.0"

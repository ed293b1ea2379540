"""rag: retrieval-augmented question answering over Chinese document collections."""

__version__ = "0.1.0"

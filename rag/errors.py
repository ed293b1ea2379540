"""Our own exceptions. Every message says what went wrong and what the user can do about it;
the CLI prints it as one line on stderr and exits 1."""


class RagError(Exception):
    """Base of every error a user can act on."""


class ConfigError(RagError):
    """A setting is unknown or has a value of the wrong kind."""


class ModelError(RagError):
    """A model is missing, corrupt, or could not be fetched or loaded."""


class LoadError(RagError):
    """A source document could not be read."""


class RagIndexError(RagError):
    """An index is missing, damaged, or was built with other settings."""


class NoIndexError(RagIndexError):
    """Nothing has been indexed there yet (a new, empty knowledge base)."""


class Stopped(RagError):
    """The asker stopped the answer (the page's 停止, a closed HTTP stream)."""


class GenerationError(RagError):
    """The generator failed to produce an answer."""


class EvalError(RagError):
    """A gold set, benchmark file or evaluation run cannot be used as given."""

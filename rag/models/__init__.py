"""Models: the registry of default models and where they live (registry.py), assembling them
from pinned PyPI wheels (wheels.py) with the e5 weight converter (e5convert.py), the embedder
(embedder.py) and the generators, one file per backend (llm/). It imports config and errors
only; heavy libraries load on first use."""

"""What keeps a knowledge base's documents as its users want them, over the pipeline object of
rag.knowledge: uploads (checked, stored, indexed, deleted: rag.collections.uploads, shared by the
chat page and the HTTP API) and watched folders (rag.collections.watch: re-indexed a few seconds
after their files change, for `rag index --watch` and `rag serve`'s watch setting)."""

"""`rag serve`: the HTTP API on one FastAPI/uvicorn server, with the chat page mounted at `/`.

app (the FastAPI app: auth, OpenAI-shaped errors, mounting the page, watched folders), openai_api
(/v1/models, /v1/chat/completions, streaming), kb_api (/v1/search, knowledge bases, their
documents and upload jobs, /healthz), answers (the queue the one loaded model answers from), jobs
(indexing in the background), soak (locust against a server), run (uvicorn in a thread or in the
foreground). A thin shell over `rag.knowledge.KnowledgeBases` (one `rag.pipeline.Rag` per
knowledge base): it returns the objects of `rag search --json` / `rag ask --json` and takes
uploads through rag.collections.uploads, as the chat page does; it never reaches into the stages below.
"""

"""The chat page: the Gradio app and its event handlers (app.py), the HTML of answers and
sources (render.py), the collection panel (collection.py) and the static CSS/JS (static/). A thin
shell over the pipeline: it imports config, errors, types, the citation grammar and the pipeline
object, never verification or retrieval internals."""

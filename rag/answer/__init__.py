"""Answering: hits -> prompt -> Answer with citations. The answer loop (answerer.py), what a
question asks for (question.py), which passages are about what it names (subjects.py), the
passage context (passages.py), each passage as the prompt shows it, whole or cut to its
sentences nearest the question (shown.py), the prompt (prompt.py), the one citation grammar
(citations.py), sentence verification (verify.py) and extractive answers (extract.py). It
imports config, errors, types, text, retrieval (follow-up rewriting) and models (the generator,
on first use); it takes its search function from the pipeline, and never imports a shell."""

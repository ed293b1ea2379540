"""Text: the lowest stage. Script and width normalisation and the one Han-character test
(normalize.py), the one tokenizer with its part-of-speech tags and word rarity (tokenize.py), the
one sentence splitter (sentences.py), numbers, units and dates (numbers.py), names (names.py),
content words and coverage (terms.py), and the loader of the language data in rag/lang/zh/
(lexicon.py). It imports nothing of rag but its own modules, so every stage may import it."""

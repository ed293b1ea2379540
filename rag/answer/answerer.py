"""retrieve -> prompt -> generate -> parse and verify citations -> Answer.

Correctness does not rest on the model (MODELS.md: told to abstain, the 1.5B model refuses
answerable questions; not told, it invents answers). So:
- weak evidence (query-term coverage or retrieval score under calibrated thresholds) is refused
  before any generation, and so is a question whose passages the model, asked first, doubts
  answer it (rag.answer.judge.doubt; a P(否) threshold calibrated per generator);
- the answer streams sentence by sentence, and only sentences whose numbers, dates and names
  occur in a cited passage are shown; an uncited sentence is matched to a passage or dropped;
- when the model answers but no sentence survives, it is asked once more, for the passages' own
  wording (a reworded question lures small models into garbling the figure);
- when the model declines, fails, or still no sentence survives, the best passage sentence is given
  instead if it plainly answers (extractive fallback), else the answer is a refusal that still
  lists the closest passages.
"""

from __future__ import annotations

import dataclasses
import glob
import time
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from rag.answer.citations import attach_citations, strip_citations
from rag.answer.extract import Closeness, Evidence, assess, closest_sentence, extract_answer, reading
from rag.answer.faq import Match, approved
from rag.answer.judge import doubt, judge
from rag.answer.passages import context_of
from rag.answer.prompt import REFUSAL, STOP, Prompt, build_prompt, language_of, passages_shown
from rag.answer.subjects import Subjects
from rag.answer.verify import Claim, Verifier, supporting_spans
from rag.config import Config
from rag.errors import ConfigError, GenerationError, Stopped
from rag.retrieval.followup import standalone_query
from rag.text.names import mentions
from rag.text.normalize import to_traditional, writes_traditional
from rag.text.sentences import SentenceStream
from rag.types import Answer, Citation, Hit

MODES = ("generate", "extract")
# A passage on several subjects scores under the dense floor though one of its sentences answers.
# The sentence nearest a question it answers scores about 0.01 above its passage (median over
# DRCD-200 and the seeds' answerable questions; about 0 where the answer was left out of the
# collection), so a sentence clears the floor at the floor plus that (eval/notes/refusal-and-doubt.md)
SENTENCE_MARGIN = 0.01
Search = Callable[..., Sequence[Hit]]
OnToken = Callable[[str], None]
OnSources = Callable[[Sequence[Citation]], None]
ShouldStop = Callable[[], bool]


@dataclass
class _Output:
    """What the user sees, in order; converted to traditional script for a traditional question."""

    on_token: OnToken | None
    traditional: bool
    started: float
    parts: list[str] = field(default_factory=list)
    first_ms: float | None = None
    sources_ms: float | None = None  # when the passages being read were shown
    held: list[str] | None = None  # while an answer awaits the judge: what it would show
    should_stop: ShouldStop | None = None  # asked before each model call and each piece it writes
    model_ms: dict[str, float] = field(default_factory=dict)  # prefill / decode time, summed over model calls
    tokens: dict[str, int] = field(default_factory=dict)  # prompt / completion tokens, summed likewise

    def count(self, begun: float, first: float | None, done: float, usage=None) -> None:
        """Add one model call: its prefill ends at the first piece, its decode at the last."""
        first = done if first is None else first
        for key, value in (("prefill", first - begun), ("decode", done - first)):
            self.model_ms[key] = self.model_ms.get(key, 0.0) + value * 1000
        for key, value in (("prompt", usage.prompt_tokens), ("completion", usage.completion_tokens)) if usage else ():
            self.tokens[key] = self.tokens.get(key, 0) + value

    def check(self) -> None:
        """Raise Stopped when the asker stopped the answer: the model is let go at once."""
        if self.should_stop is not None and self.should_stop():
            raise Stopped("stopped by the asker")

    def hold(self) -> None:
        self.held = []

    def release(self, keep: bool) -> None:
        """Show what was held (keep), or drop it; later text is shown as it comes."""
        held, self.held = self.held or [], None
        for text in held if keep else ():
            self.emit(text, convert=False)

    def in_script(self, text: str, sources: Sequence[str] = ()) -> str:
        """The text in the question's script; what it copies from `sources` (the passages it
        cites) in their own characters."""
        return to_traditional(text, sources) if self.traditional else text

    def emit(self, text: str, convert: bool = True, sources: Sequence[str] = ()) -> None:
        text = self.in_script(text, sources) if convert else text
        if self.held is not None:
            self.held.append(text)
            return
        if not self.parts:
            text = text.lstrip()
        if not text:
            return
        if self.first_ms is None:
            self.first_ms = (time.perf_counter() - self.started) * 1000
        self.parts.append(text)
        if self.on_token:
            self.on_token(text)

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()


@dataclass
class _Draft:
    """The generated answer as it is checked."""

    claims: list[Claim] = field(default_factory=list)
    declined: bool = False
    error: str = ""

    @property
    def supported(self) -> list[Claim]:
        return [c for c in self.claims if c.supported]

    @property
    def attempted(self) -> bool:
        """The model gave an answer (not a decline, not an error), though maybe none that held."""
        return not (self.declined or self.error) and any(c.reason != "empty" for c in self.claims)

    @property
    def dropped(self) -> tuple[tuple[str, str], ...]:
        return tuple((c.text, c.reason) for c in self.claims if not c.supported and c.reason != "empty")

    @property
    def why(self) -> str:
        if self.error:
            return f"model failed: {self.error}"
        if self.declined:
            return "the model said the passages do not hold the answer"
        first = next((reason for _text, reason in self.dropped), "no answer")
        return f"no sentence held ({first})"


class Answerer:
    def __init__(self, config: Config, search: Search, generator=None, closeness: Closeness | None = None):
        """`closeness` (rag.answer.closeness) ranks passage sentences by meaning as well as by the
        question's words, for the key sentence and the extractive answer."""
        self.config = config
        self.search = search
        self._generator = generator
        self.closeness = closeness
        self.last_draft: _Draft | None = None  # what the model said and why sentences were dropped

    @property
    def generator(self):
        if self._generator is None:
            from rag.models.llm import make_generator

            self._generator = make_generator(self.config)
        return self._generator

    def ask(
        self,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        mode: str | None = None,
        on_token: OnToken | None = None,
        should_stop: ShouldStop | None = None,
        on_sources: OnSources | None = None,
    ) -> Answer:
        """A cited answer or a refusal; `on_sources` gets the passages being read as soon as
        they are retrieved (extract.reading), `on_token` the verified text as it is shown, and
        `should_stop` is asked before each model call and between the pieces the model writes
        (True raises Stopped, freeing the model for the next question)."""
        mode = mode or self.config.answer_mode
        if mode not in MODES:
            raise ConfigError(f"answer mode '{mode}' is not one of: {', '.join(MODES)}")
        started = time.perf_counter()
        query = standalone_query(question, history)
        hits = tuple(self.search(query, k=max(self.config.top_k, self.config.context_chunks)))
        retrieved = time.perf_counter()
        out = _Output(on_token, writes_traditional(question), started, should_stop=should_stop)
        subjects = Subjects(query, hits[: self.config.context_chunks], self._doc_mentions)
        context = tuple(subjects.ordered(hits[: self.config.context_chunks]))  # passage [n] is context[n - 1]
        if on_sources is not None and context:
            on_sources(reading(query, context))
            out.sources_ms = (time.perf_counter() - started) * 1000
        evidence = assess(query, context, subjects.docs())
        self.last_draft = None
        weak = "nothing retrieved" if not context else self._weakness(evidence, query, context)
        # an entry close in meaning answers a reworded question whose words the gate finds too few
        faq = approved(
            query,
            context,
            self.closeness,
            self.config.faq_min_closeness,
            self.config.faq_min_coverage,
            self.config.chunk_size,
        )
        if faq:
            answer = self._approved(question, faq, context, hits, out)
        elif weak:
            answer = self._refusal(question, hits, out, mode, weak)
        elif mode == "extract":
            # by words alone: the extract mode is the fast one, and meaning changed none of its
            # answers on the seeds or DRCD (eval/notes/key-sentence.md)
            answer = self._extract(
                question, query, hits, context, evidence.about, out, by_meaning=False
            ) or self._refusal(question, hits, out, mode, "no passage sentence plainly answers")
        else:
            with _stopping(self.generator, should_stop):
                answer = self._generate(question, query, hits, context, subjects, out)
        return self._timed(answer, query, out, started, retrieved)

    def _weakness(self, evidence: Evidence, query: str, context: Sequence[Hit]) -> str | None:
        """Why the evidence is too weak to answer from, None when it is strong enough. English
        words cannot be found in Chinese passages, so an English question is judged by the
        (multilingual) retrieval score alone."""
        if evidence.about is not None and not evidence.about:
            return "nothing retrieved is about what the question names"
        floor = self.config.refuse_min_score
        if evidence.score is not None and evidence.score < floor and not self._sentence_clears(query, context, floor):
            return f"retrieval score {evidence.score:.3f} under {floor}"  # off-topic
        if language_of(query) != "en" and evidence.coverage < self.config.refuse_min_coverage:
            return f"passages hold {evidence.coverage:.2f} of the question's words"
        return None

    def _sentence_clears(self, query: str, context: Sequence[Hit], floor: float) -> bool:
        """Whether a sentence of the passages the prompt shows (those within its budget) is near
        enough to the question (SENTENCE_MARGIN over the floor) though no passage as a whole is."""
        if self.closeness is None:
            return False
        budget = self.config.context_tokens
        shown = [p.hit for p in passages_shown(query, context, self.config, budget, self.closeness)]
        return closest_sentence(query, shown, self.closeness) >= floor + SENTENCE_MARGIN

    def _doc_mentions(self, doc: str, forms: tuple[str, ...]) -> bool:
        """Whether a document mentions a name anywhere: one search restricted to it."""
        hits = self.search(" ".join(forms), k=3, doc_glob=glob.escape(doc))
        return any(mentions(forms, context_of(h.chunk)) for h in hits)

    def _generate(
        self,
        question: str,
        query: str,
        hits: tuple[Hit, ...],
        context: tuple[Hit, ...],
        subjects: Subjects,
        out: _Output,
    ) -> Answer:
        prompt = build_prompt(query, context, self.config, n_ctx=self.generator.n_ctx, closeness=self.closeness)
        out.check()
        doubts, limit = self._doubt(prompt, query, out)
        if doubts.get("answerable", 0.0) >= limit:
            why = f"the model doubts the passages answer it (P(否) {doubts['answerable']:.2f})"
            answer = self._extract(question, query, hits, context, subjects.docs(), out) or self._refusal(
                question, hits, out, "generate", why
            )
            return dataclasses.replace(answer, doubts=doubts)
        if self.config.verify_judge:
            out.hold()
        draft = self.last_draft = self._draft(prompt.messages, prompt.passages, query, subjects, out)
        dropped = draft.dropped
        if not draft.supported and draft.attempted:
            prompt = build_prompt(
                query, context, self.config, n_ctx=self.generator.n_ctx, quote=True, closeness=self.closeness
            )
            draft = self.last_draft = self._draft(prompt.messages, prompt.passages, query, subjects, out)
            dropped += draft.dropped
        if self.config.verify_judge:
            withdrawn, no = self._judge(draft, prompt, query, out)
            dropped += withdrawn
            doubts.update({} if no is None else {"judge": no})
        if draft.supported:
            citations = _citations(draft.supported, prompt.passages)
            answer = Answer(question, out.text, False, citations, hits, mode="generate")
        else:
            answer = self._extract(question, query, hits, context, subjects.docs(), out) or self._refusal(
                question, hits, out, "generate", draft.why
            )
        return dataclasses.replace(answer, dropped=dropped, doubts=doubts)

    def _doubt(self, prompt: Prompt, query: str, out: _Output) -> tuple[dict[str, float], float]:
        """({"answerable": P(否)}, the P(否) that refuses) when the check is on and the model can
        weigh, else ({}, inf); timed as model prefill. Not for English questions: the thresholds
        were calibrated on Chinese ones."""
        from rag.models.registry import max_doubt

        limit = max_doubt(self.config, self.generator.name)
        if limit is None or language_of(query) == "en":
            return {}, float("inf")
        begun = time.perf_counter()
        try:
            no = doubt(self.generator, prompt.messages, prompt.question_line)
        except GenerationError:
            no = None  # the answer's own call will report what went wrong
        if no is None:
            return {}, float("inf")
        out.count(begun, None, time.perf_counter())
        return {"answerable": no}, limit

    def _draft(self, messages, passages: Sequence[Hit], query: str, subjects: Subjects, out: _Output) -> _Draft:
        verifier = Verifier(
            [h.chunk for h in passages],
            self.config.verify_min_overlap,
            query,
            subjects.is_about,
            self.config.verify_key_rarity,
            self.config.verify_min_anchor,
        )
        draft, sentences = _Draft(), SentenceStream()
        out.check()
        begun, first = time.perf_counter(), None
        try:
            with closing(self.generator.stream(messages, self.config.max_tokens, STOP)) as stream:
                for piece in stream:
                    out.check()
                    first = first or time.perf_counter()
                    if not all(self._take(s, verifier, draft, out) for s in sentences.feed(piece)):
                        break
                else:
                    for sentence in sentences.flush():
                        self._take(sentence, verifier, draft, out)
        except GenerationError as exc:
            draft.error = str(exc)
        out.count(begun, first, time.perf_counter(), self.generator.last_usage)
        return draft

    def _judge(
        self, draft: _Draft, prompt: Prompt, query: str, out: _Output
    ) -> tuple[tuple[tuple[str, str], ...], float | None]:
        """Ask the model whether the passages state the answer it gave; a 'no' withdraws every
        claim (the answer falls back to a passage sentence that plainly answers, or a refusal).
        Returns the withdrawn sentences with the reason, and the judge's P(否) where it weighed one."""
        if not draft.supported:
            out.release(True)
            return (), None
        verdict = judge(
            self.generator,
            prompt.messages,
            "".join(out.held or []),
            query,
            prompt.question_line,
            STOP,
            self.config.verify_judge_max_no,
        )
        out.release(verdict.stands)
        if verdict.stands:
            return (), verdict.no
        why = "the model, asked again, said the passages do not state it"
        if verdict.no is not None:
            why += f" (P(否) {verdict.no:.2f})"
        withdrawn = tuple((c.text, why) for c in draft.supported)
        draft.claims = [dataclasses.replace(c, supported=False, reason=why) if c.supported else c for c in draft.claims]
        return withdrawn, verdict.no

    @staticmethod
    def _take(sentence: str, verifier: Verifier, draft: _Draft, out: _Output) -> bool:
        """Check one sentence and show it if it holds; False stops generation (the model
        declined before saying anything we could show)."""
        claim = verifier.check(sentence)
        draft.claims.append(claim)
        lead = sentence[: len(sentence) - len(sentence.lstrip())]
        if claim.supported or (claim.declined and draft.supported):
            out.emit(lead + claim.text, sources=verifier.texts(claim.cites))
        if claim.declined and not draft.supported:
            draft.declined = True
            return False
        return True

    def _extract(
        self,
        question: str,
        query: str,
        hits: tuple[Hit, ...],
        context: tuple[Hit, ...],
        about: frozenset[str] | None,
        out: _Output,
        by_meaning: bool = True,
    ) -> Answer | None:
        """The passage sentences that plainly answer, from documents `about` what the question
        names (Subjects.docs()), as an answer; None when none does."""
        closeness = self.closeness if by_meaning else None
        chosen = extract_answer(query, context, self.config.extract_min_coverage, about, closeness=closeness)
        if not chosen:
            return None
        for i, sentence in enumerate(chosen):
            out.emit(
                ("" if i == 0 else " ") + attach_citations(sentence.text, [sentence.n]),
                sources=[context[sentence.n - 1].chunk.text],
            )
        by_n: dict[int, list[tuple[int, int]]] = {}
        for sentence in chosen:
            by_n.setdefault(sentence.n, []).append(sentence.span)
        citations = tuple(Citation(n, context[n - 1].chunk, tuple(sorted(spans))) for n, spans in by_n.items())
        return Answer(question, out.text, False, citations, hits, mode="extract")

    @staticmethod
    def _approved(question: str, match: Match, context: tuple[Hit, ...], hits: tuple[Hit, ...], out: _Output) -> Answer:
        """An FAQ entry's answer, word for word, cited to its row."""
        entry = match.entry
        out.emit(attach_citations(entry.answer, [entry.n]), convert=False)
        citation = Citation(entry.n, context[entry.n - 1].chunk, (entry.span,))
        return Answer(
            question,
            out.text,
            False,
            (citation,),
            hits,
            mode="faq",
            doubts={"faq_closeness": round(match.closeness, 4), "faq_coverage": round(match.coverage, 4)},
        )

    @staticmethod
    def _refusal(question: str, hits: tuple[Hit, ...], out: _Output, mode: str, why: str) -> Answer:
        text = out.in_script(REFUSAL[language_of(question)])  # as answers are
        out.emit(text, convert=False)
        return Answer(question, text, True, (), hits, mode=mode, why=why)

    @staticmethod
    def _timed(answer: Answer, query: str, out: _Output, started: float, retrieved: float) -> Answer:
        done = time.perf_counter()
        timings = {
            "retrieve": (retrieved - started) * 1000,
            "generate": (done - retrieved) * 1000,
            "total": (done - started) * 1000,
        }
        if out.first_ms is not None:
            timings["first_token"] = out.first_ms
        if out.sources_ms is not None:
            timings["first_sources"] = out.sources_ms
        timings.update(out.model_ms)
        return dataclasses.replace(answer, timings_ms=timings, query=query, tokens=dict(out.tokens))


def _citations(claims: Sequence[Claim], passages: Sequence[Hit]) -> tuple[Citation, ...]:
    """One Citation per cited passage, in order of first use, with the sentences that back its
    claims as highlight spans."""
    bodies: dict[int, list[str]] = {}
    for claim in claims:
        for n in claim.cites:
            bodies.setdefault(n, []).append(strip_citations(claim.text))
    return tuple(
        Citation(n, passages[n - 1].chunk, supporting_spans(passages[n - 1].chunk.text, texts))
        for n, texts in bodies.items()
    )


def _stopping(generator: Any, should_stop: ShouldStop | None) -> AbstractContextManager[None]:
    """A stop that lands inside the model's reading of the prompt, where the generator can take
    one (llama.cpp); elsewhere it waits for the model's next piece."""
    from rag.models.llm import Interruptible

    if should_stop is not None and isinstance(generator, Interruptible):
        return generator.stopping(should_stop)
    return nullcontext()

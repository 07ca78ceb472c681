"""The question-answering engine: a loaded index plus the model, behind `ask()`.

`qa.load(dir)` returns an `Engine`; the CLI, the Python API and the UI all call `Engine.ask`, so they
give the same answer object.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Container, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa import answer as _answer
from qa.answer import EMPTY_INDEX, Answer, Citation, compose
from qa.config import Settings
from qa.embed.protocol import Embedder, StatesEmbedder, encode_one
from qa.errors import UsageError
from qa.ingest.boilerplate import running_text
from qa.query import conversation, cues, fusion, late, pasted, word_evidence
from qa.query.citations import Copies, Hit, evidence_window, make_citation, merge_hits, one_per_story, sentence_joins
from qa.query.fusion import SentenceScores
from qa.query.highlight import answering, compute_idf
from qa.query.params import RetrievalParams
from qa.query.scored import Carried, Chosen, Scored
from qa.query.validate import DateLike, as_question, check_dates, check_k, clean_question, filter_articles
from qa.query.word_evidence import WordEvidence
from qa.store import search
from qa.store.tables import Place, expand_runs
from qa.store.texts import document_text

if TYPE_CHECKING:

    import numpy as np

    from qa.store.loader import Index

# How many of the closest passages an abstention shows, for the reader to judge; how many citations the
# confidence's year check reads whatever k is (k=1 abstained on a question k=5 answered, and k=10
# answered one k=5 refused: reviews); how many citations are made whatever k is, so that the first k are
# the same for any k up to it (a lower passage merged into an excerpt grows it: a review's k=10 cited
# [60:782] where k=1 cited [60:470]).
NEAREST, CHECKED, POOL = 3, 5, 10


def _neighbours(ids: np.ndarray, doc_of: np.ndarray) -> np.ndarray:
    """The sentences just before and after `ids` in the same document. The next sentence id may be the
    first of another document, and which one depends on how the index is laid out (one index or its
    shards number documents differently), so it is never a neighbour."""
    import numpy as np

    out = [ids[(ids + step >= 0) & (ids + step < len(doc_of))] for step in (-1, 1)]
    return np.concatenate([x[doc_of[x + step] == doc_of[x]] + step for x, step in zip(out, (-1, 1), strict=True)])


def _best_passage(scored: Scored) -> int | None:
    """The id of `scored`'s best passage (None if it has none): the one whose article a follow-up's
    carried search leads to."""
    import numpy as np

    return int(scored.passages[int(np.argmax(scored.passage_scores))]) if scored.passages.size else None


class Engine:
    def __init__(self, data: Index, embedder: Embedder, settings: Settings) -> None:
        import numpy as np

        self.data = data
        self.embedder = embedder
        self.settings = settings
        # A follow-up's carried search only has to find the conversation's article (the question's own
        # vector then finds the passage in it), so it runs a faster copy of the model where there is
        # one (int8 weights for ONNX: see _carried), loaded at the first follow-up.
        coarse = getattr(embedder, "coarse", None)
        self._carried_embedder: Embedder = coarse() if callable(coarse) else embedder
        # Late interaction reads the citations with the same faster copy when it gives token states.
        self._late_reader: Embedder = (
            self._carried_embedder if isinstance(self._carried_embedder, StatesEmbedder) else embedder
        )
        self._idf: dict[str, float] | None = None  # made on first use (a fallback; see _citation_idf)
        self.params = RetrievalParams()
        self._doc_number = {src: d for d, src in enumerate(data.documents)}
        # Files telling the same story (qa/stories.py): a story is cited once, the others named in also_in.
        self._story = {src: doc.story for src, doc in data.documents.items()}
        members: dict[str, list[str]] = {}
        for src in sorted(data.documents):
            members.setdefault(self._story[src], []).append(src)
        self._also_in = {src: tuple(m for m in group if m != src) for group in members.values() for src in group}
        self._described = {s: sum(bool(x) for x in (d.title, d.published, d.outlet)) for s, d in data.documents.items()}
        # The confidence's word shares (qa/query/word_evidence.py); its lemmatiser loads beside the model.
        docs = data.documents
        self._word_evidence = WordEvidence(
            data.tokens, data.lexical.words, lambda s: docs[s].text, lambda s: docs[s].published
        )
        threading.Thread(target=word_evidence.preload, name="qa-lemmas", daemon=True).start()
        self._side: ThreadPoolExecutor | None = None
        self._side_lock = threading.Lock()
        # Document d's sentences are rows bounds[d]:bounds[d + 1] of data.sentences (sorted by document).
        self._sentence_bounds = np.searchsorted(data.sentences[:, 0], np.arange(len(data.documents) + 1))

    def _citation_idf(self) -> dict[str, float]:
        """Word weights for picking a highlight when no indexed sentence lies inside a cited span
        (rare): computed over every passage the first time it is needed, not at every load."""
        if self._idf is None:
            self._idf = compute_idf(c.text for c in self.data.chunks)
        return self._idf

    @property
    def path(self) -> Path:
        return self.data.path

    def documents(self) -> list[dict[str, object]]:
        """The indexed documents by source (DocRecord.describe) with their number of passages."""
        return [
            {**d.describe(), "chunks": d.chunks} for d in sorted(self.data.documents.values(), key=lambda d: d.source)
        ]

    def text(self, source: str) -> str:
        """The text that citations of `source` slice: the file itself for .txt/.md, the extracted
        article for a saved web page."""
        return document_text(self.data.documents, source)

    def ask(
        self,
        question: str,
        k: int | None = None,
        *,
        source: str | None = None,
        since: DateLike = None,
        until: DateLike = None,
        history: Sequence[str] | None = None,
    ) -> Answer:
        """Answer `question` with up to `k` cited passages (see CITATIONS.md). `history`: the
        conversation's earlier questions, oldest first; a follow-up is searched with what they
        carry when the corpus answers that better (`_choose`, qa/query/conversation.py); a long message
        also as its main question, and an earlier one counts as its main question (qa/query/pasted.py).
        The path: `_answer` (filters, refusals) -> `_carried` (beside) and `_score` -> `_choose` ->
        `_cite` (`_rescore`, `_window`) -> confidence and abstention -> `late.rerank`."""
        q, filters = clean_question(question), {"source": source, "since": since, "until": until}
        earlier = pasted.main_questions(history)
        return pasted.ask_long(self._answer, q, k, filters, earlier) or self._answer(q, k, filters, earlier)

    def _answer(self, q: str, k: int | None, filters: dict[str, Any], history: Sequence[str] | None) -> Answer:
        import numpy as np

        source, since, until = filters["source"], filters["since"], filters["until"]
        earlier = conversation.earlier_questions(history)
        k = check_k(k, self.settings.k)
        if source is not None and not isinstance(source, str):
            raise UsageError(f"The source filter {source!r} is not a file-name pattern; use a glob, e.g. '00[12]_*'.")
        since, until = check_dates(since, until)
        allowed, undated = filter_articles(self.data.documents, source, since, until)
        chunks = self.data.chunks
        if allowed is not None and not allowed:
            return Answer(q, True, _answer.no_article_matches(source, since, until, undated), query=q)
        if not chunks:
            return Answer(q, True, EMPTY_INDEX, query=q)

        data = self.data
        doc_mask = None
        if allowed is not None:
            doc_mask = np.array([src in allowed for src in data.documents], dtype=bool)
        # (a question of no word at all, "???", is no follow-up: it names nothing, and says so)
        terms = conversation.carried_terms(q, earlier) if earlier and conversation.has_words(q) else []
        if not terms and (refusal := conversation.nothing_to_look_for(q, filtered=source is not None)):
            return Answer(q, True, refusal, confidence=0.0, query=q)  # "When?", "What did he add?": nothing carried
        carried_query = conversation.search_text(q, terms)
        thread = conversation.thread_of(q, earlier) if terms else None
        side = self._side_pool().submit(self._carried, carried_query, doc_mask, q, thread) if terms else None
        # the question's token states too, from the same run, when late interaction may read it
        qv, states = encode_one(self.embedder, as_question(q), self._reads_late())
        own = self._score(q, qv, doc_mask)
        chosen = self._choose(q, qv, own, side, states)
        citations = self._cite(chosen, q, max(k, POOL), allowed)  # the first k answer (below)
        query, confidence = chosen.query, chosen.confidence
        if citations:  # the abstention's confidence, now that the cited articles are known
            sources = [c.source for c in citations[:CHECKED]]
            confidence = self._word_evidence.confidence(chosen, own, sources, len(chunks), earlier)
        if not citations or confidence < self.settings.min_confidence:
            text = _answer.not_in_sources(source, since, until, undated, word_evidence.reads_as_english(q))
            return Answer(q, True, text, (), citations[: min(k, NEAREST)], confidence=confidence, query=query)
        if isinstance(self.embedder, StatesEmbedder) and isinstance(self._late_reader, StatesEmbedder):
            # Read against what was searched: a follow-up's own words are too few to read a passage
            # by ("What did he add?"; bench/conversations.jsonl follow-ups hit@1 .673 vs .709), but
            # only they vote (`pieces`: the carried words would pull back to the earlier answer).
            # `chosen.states` are those of the text searched, from the run that encoded it (None: read here).
            passages_reader, read = self._late_reader, self.settings.late_top
            pieces, asked = (late.own_pieces(states), query) if query != q else (None, as_question(q))  # as encoded
            citations = late.rerank(
                citations, asked, self.embedder, passages_reader, self.params, read, chosen.states, pieces
            )
        citations = citations[:k]
        return Answer(q, False, compose(citations, prose=running_text), citations, confidence=confidence, query=query)

    def _choose(self, q: str, qv: np.ndarray, own: Scored, side: Future[Carried] | None, states: Any) -> Chosen:
        """The search the answer comes from: the question's own, or a follow-up's carried one (`side`)
        when the corpus answers that better (conversation.carried_wins). Confidence that the corpus
        answers at all: the closest sentence's cosine times the share of the question's words the
        corpus uses; `_answer` completes it once the first citation is known (qa/query/word_evidence.py,
        README "Abstention"): the cosine alone is fooled by another language or a shared topic."""
        cosine = max(0.0, own.best_cosine)
        alone = Chosen(own, own, cosine, cosine * own.coverage, q, states)
        if side is None:
            return alone
        carried, best, carried_states = side.result()
        carried_query = carried.text
        by_searched = conversation.judged_by_searched(q, own.coverage)
        carried_cosine = max(0.0, carried.best_cosine)
        carried_confidence = carried_cosine * (carried.coverage if by_searched else own.coverage)
        if not conversation.carried_wins(q, carried_confidence, alone.confidence) or not conversation.names_in(
            q, self._best_article(carried)
        ):
            return alone
        # The carried words find the conversation's article; the question's own words find the passage
        # in it (carried ones pull back to the earlier answer's), searched once the carried search won.
        # "When?" or "Where?" has none, and asks a detail of what was just asked: the carried words find it.
        ranks = carried
        if conversation.WITHIN_ARTICLE and best is not None:
            import numpy as np

            doc = int(self.data.chunk_doc[best])
            within = np.arange(len(self.data.documents)) == doc
            if conversation.asks_a_detail(q):
                ranks = carried.only(within[self.data.chunk_doc[carried.passages]])
            else:
                ranks = self._score(q, qv, within)
        return Chosen(ranks, carried, carried_cosine, carried_confidence, carried_query, carried_states, by_searched)

    def _cite(self, chosen: Chosen, q: str, k: int, allowed: Container[str] | None = None) -> tuple[Citation, ...]:
        """The citations of the chosen search's best passages: second stage, excerpts, merging; a
        story's in the best-described copy the filters allow (`allowed`: None, all)."""
        import numpy as np

        scored = chosen.scored
        sent = scored.sentence_scores
        order = np.argsort(-scored.passage_scores, kind="stable")[: self.params.ranked_for(k)]
        passages = scored.passages[order]
        # Second stage, over the best passages only: their sentences are re-scored with what their text
        # shows (see _rescore), and each passage's score moves by its best sentence's change.
        raw = sent.copy() if self.params.pair_context else sent  # only the highlight's context pairing reads it
        passage_scores = scored.passage_scores[order].copy()
        n = self.params.rerank
        passage_scores[:n] = self._rescore(passages[:n], passage_scores[:n], sent, q)
        # back to [0, 1]: a sentence's cue can lift the sentence term above its first-stage maximum
        passage_scores *= self.params.top / (self.params.top + self.params.sentence * self.params.cue)
        rank = np.argsort(-passage_scores, kind="stable")
        # Each passage, best first, becomes the excerpt around its evidence (lazily: as many as k needs).
        hits = (self._window(int(passages[i]), float(passage_scores[i]), sent, raw) for i in rank)
        read = Copies(self.text, lambda s: self.data.documents[s].regions, self._described, allowed)
        stories = one_per_story(hits, self._story, self._also_in, read)
        spans = merge_hits(stories, k, ordered=True, text_of=self.text)
        # Optionally cite only passages that hold up against the best one (QA_MIN_RELATIVE_SCORE; off by
        # default: cross-validation found that a cut costs answers held by a lower citation).
        if spans and self.settings.min_relative_score > 0:
            spans = [sp for sp in spans if sp.score >= self.settings.min_relative_score * spans[0].score]
        docs, idf, also_in = self.data.documents, self._citation_idf, self._also_in
        return tuple(
            make_citation(n, sp, docs[sp.source], chosen.query, idf, sp.highlight, also_in=also_in[sp.source])
            for n, sp in enumerate(spans, 1)
        )

    def _side_pool(self) -> ThreadPoolExecutor:
        """The threads a follow-up's carried search runs on while the question's own runs on the
        caller's (a follow-up is searched twice: alone and with what the conversation carries). ONNX
        Runtime, FAISS and numpy release the GIL, so with a free core a follow-up costs about one
        search and a half instead of two (bench/run.py's follow-up row). One thread per core, up to 4,
        for follow-ups asked at once; made at the first follow-up, gone with the engine."""
        with self._side_lock:
            if self._side is None:
                self._side = ThreadPoolExecutor(min(4, os.cpu_count() or 1), thread_name_prefix="qa-follow-up")
            return self._side

    def _reads_late(self) -> bool:
        """Whether late interaction may re-read this engine's first citations (qa/query/late.py)."""
        p, reader = self.params, self._late_reader
        states = isinstance(self.embedder, StatesEmbedder) and isinstance(reader, StatesEmbedder)
        return p.late > 0 and self.settings.late_top >= 2 and states

    def _carried(
        self, carried_query: str, doc_mask: np.ndarray | None, q: str, thread: conversation.Thread | None = None
    ) -> Carried:
        """A follow-up's carried search (beside the question's own, `Engine._side_pool`), with its best
        passage, whose article the question's own words are searched in if it wins (`_choose`): carried
        words find the conversation's article, its own words the passage (carried ones would pull back to
        the earlier answer's). `thread` (conversation.thread_of): its words searched when that article
        does not name what its first question names, the others' words when that question names nothing
        the corpus uses."""

        def search(text: str) -> tuple[Scored, Any]:
            # The int8 copy (Engine.__init__): a follow-up costs 1.16-1.26x a question asked alone, not
            # 1.34x (SQuAD, 2 cores); answers within one turn of bench/conversations.jsonl's.
            v, st = encode_one(self._carried_embedder, text, self._reads_late())
            return self._score(text, v, doc_mask), st

        carried, states = search(carried_query)
        if thread is not None and thread.words and not conversation.names_in(thread.start, self._best_article(carried)):
            carried, states = search(conversation.search_text(q, thread.words))
            source = self._best_source(carried)
            if thread.others and source and self._word_evidence.names_nothing_used(thread.start, carried, source):
                carried, states = search(conversation.search_text(q, thread.others))  # it was off the corpus
        return carried, _best_passage(carried), states

    def _best_source(self, scored: Scored) -> str:
        """The article holding `scored`'s best passage ("" if it has none)."""
        return "" if (best := _best_passage(scored)) is None else self.data.chunks.place(best).source

    def _best_article(self, scored: Scored) -> str:
        return str(self.data.documents[s].text) if (s := self._best_source(scored)) else ""

    def _score(self, q: str, qv: np.ndarray, doc_mask: np.ndarray | None) -> Scored:
        """Fused scores for the candidate passages of one question. Candidates are the nearest passages
        by vector and the best by BM25, `params.candidates` of each, with their exact cosines and BM25
        scores and their sentences' (the index's candidate stage, qa/store/search.py, over one index or
        its shards). Normalisation is over the candidates, so cost grows with the candidates, not with
        the corpus. A corpus smaller than the candidate pool is scored in full."""

        data = self.data
        tokens = data.tokens(q)
        c = data.candidates(search.request(qv[0], tokens, self.params.candidates, len(data.chunks), doc_mask))
        # pair_p / pair_s: membership pairs of the candidates (passage in local numbering, sentence
        # global), read off the CSR rows: cost by candidates, not by corpus.
        indptr, sent_ids = data.passage_sentences
        flat, pair_p = expand_runs(indptr[c.passages], indptr[c.passages + 1] - indptr[c.passages])
        pair_s = sent_ids[flat]
        sent = fusion.SentenceScores(
            len(data.sentences), c.sentences, fusion.sentence_scores(c.sentence_dense, c.sentence_bm25, self.params)
        )
        passage = fusion.passage_scores(c.dense, c.bm25, sent, pair_s, pair_p, self.params)
        best_cosine = float(c.sentence_dense.max()) if c.sentence_dense.size else 0.0
        return Scored(
            c.passages, passage, sent, best_cosine, q, tokens, c.coverage, c.frequencies, c.corpus_frequencies
        )

    def _rescore(self, passages: np.ndarray, scores: np.ndarray, sent: SentenceScores, q: str) -> np.ndarray:
        """Second-stage passage scores. Each sentence of (or next to) these passages is re-scored in
        place in `sent`: times `heading` if it does not read as running text (`running_text`), plus
        `cue` if it offers the kind of phrase the question asks for (qa/query/cues.py). A passage's score
        then changes by its best sentence's change (the sentence term of fusion.passage_scores)."""
        import numpy as np

        w = self.params
        cue = cues.Cue(q) if w.cue > 0 else None
        if passages.size == 0 or (w.heading >= 1.0 and (cue is None or cue.kind is None)):
            return scores
        indptr, sent_ids = self.data.passage_sentences
        inside = [sent_ids[indptr[p] : indptr[p + 1]] for p in passages]
        ids = np.unique(np.concatenate([*inside, *(_neighbours(x, self.data.sentences[:, 0]) for x in inside)]))
        before = [float(sent[x].max()) if x.size else 0.0 for x in inside]
        docs = self.data.chunks.docs
        for i, (d, a, b) in zip(ids.tolist(), self.data.sentences[ids].tolist(), strict=True):
            sentence = docs[d].text[a:b]
            if w.heading < 1.0 and not running_text(sentence):
                sent[i] *= w.heading
            if cue is not None and cue.offers(sentence):
                sent[i] += w.cue
        change = np.array([float(sent[x].max()) - b if x.size else 0.0 for x, b in zip(inside, before, strict=True)])
        out: np.ndarray = scores + w.sentence * change / w.top
        return out

    def _window(self, passage: int, score: float, sent: SentenceScores, raw: SentenceScores) -> Hit:
        """Passage `passage` as a citation candidate: the excerpt around its evidence sentence, with
        that sentence (or two, when the answer runs on) as the highlight.

        The evidence is the best sentence inside the passage by its score (second-stage for sentences
        of the best `params.rerank` passages and their neighbours) plus a share of the previous
        sentence's: a question often names its subject in the sentence before the one that answers it.
        """
        import numpy as np

        w = self.params
        place = self.data.chunks.place(passage)
        d = self._doc_number[place.source]
        lo, hi = int(self._sentence_bounds[d]), int(self._sentence_bounds[d + 1])
        rows = self.data.sentences[lo:hi]
        inside = np.flatnonzero((rows[:, 1] >= place.start) & (rows[:, 2] <= place.end))
        if inside.size == 0:
            return Hit(place, score)  # no indexed sentence inside: cite the passage, pick a highlight later
        scores = sent[lo:hi]  # sentences outside the candidates score 0
        smoothed = scores.copy()
        smoothed[1:] += w.previous_share * scores[:-1]
        best = int(inside[np.argmax(smoothed[inside])])
        pair = None
        if w.pair_context:
            # The sentence closest to the question itself: when it is next to the evidence, it is the
            # context the question restates, and both are highlighted.
            matched = int(inside[np.argmax(raw[lo:hi][inside])])
            pair = matched if abs(matched - best) == 1 else None
        if pair is None and w.pair_ratio <= 1.0:
            neighbours = [j for j in (best - 1, best + 1) if 0 <= j < len(rows)]
            j = max(neighbours, key=lambda j: float(scores[j]), default=None)
            if j is not None and float(scores[j]) >= w.pair_ratio * float(scores[best]) > 0:
                pair = j
        doc = self.data.documents[place.source]
        spans, text = rows[:, 1:3], doc.text
        join = sentence_joins(text, spans)
        (start, end), (hs, he) = evidence_window(spans, join, best, pair, fill_chars=w.fill_chars, text=text)
        hs, he = answering(text, spans, smoothed, (start, end), (hs, he), doc.title)  # no heading, question, title
        return Hit(Place(place.source, int(start), int(end)), score, (int(hs), int(he)))

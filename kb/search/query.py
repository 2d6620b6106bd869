"""A reader's query, parsed into terms and turned into FTS5 MATCH text.

Every word becomes a quoted FTS5 string, so no query can be malformed or reach SQL:
operators the reader types (``AND``, ``-``, ``*``, ``:``, parentheses) are just words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

MIN_PREFIX = 2
SHORT_PREFIX = 3
STEM_FLOOR = 4  # a prefix is never cut shorter than this, nor below half the word
MAX_TERMS = 16
_CHUNK = re.compile(r'"([^"]*)"|([^\s"]+)')
_WORD = re.compile(r"\w+")
_LONGEST_SYNONYM = 4
# Words that carry a question's grammar, not its topic: "how do I …", "what is the
# difference between A and B", "why is my … slow". They never decide a ranking, and no
# entry has to contain them (a quoted phrase keeps them: it is matched as written).
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "best",
        "between",
        "but",
        "by",
        "can",
        "could",
        "did",
        "difference",
        "differences",
        "do",
        "does",
        "doing",
        "done",
        "for",
        "from",
        "get",
        "gets",
        "getting",
        "good",
        "got",
        "had",
        "has",
        "have",
        "having",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "i'm",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "those",
        "to",
        "too",
        "use",
        "used",
        "uses",
        "using",
        "versus",
        "vs",
        "want",
        "was",
        "way",
        "ways",
        "we",
        "were",
        "what",
        "whats",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "work",
        "works",
        "would",
        "you",
        "your",
        "make",
        "need",
        "fastapi",
    ]
)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def title_key(text: str) -> str:
    """``text``'s words with a plural's final ``s`` dropped: what is compared to find an
    entry whose title is the query, so that "custom exception" finds Custom Exceptions."""
    return " ".join(
        word[:-1] if len(word) > 3 and word.endswith("s") else word for word in words(text)
    )


@dataclass(frozen=True)
class Term:
    """One thing every result must contain: a phrase, or any of its synonyms."""

    phrase: str  # what the reader typed, normalised: words joined by single spaces
    synonyms: tuple[str, ...] = ()
    prefix: bool = False
    quoted: bool = False
    stop: bool = False  # a question or filler word (STOP_WORDS)

    def expression(
        self,
        short_prefix_columns: tuple[str, ...] = (),
        indexed_prefix: Callable[[str], bool] | None = None,
        expand: Callable[[str], tuple[str, ...] | None] | None = None,
    ) -> str:
        if self.synonyms:
            return "(" + " OR ".join(f'"{p}"' for p in (self.phrase, *self.synonyms)) + ")"
        if not self.prefix:
            return f'"{self.phrase}"'
        expansions = expand(self.phrase) if expand is not None and " " not in self.phrase else None
        if expansions:
            # A prefix that starts too many of the index's words: its most frequent words
            # answer as well and cost a fraction of merging every one of them.
            return "(" + " OR ".join(f'"{word}"' for word in expansions) + ")"
        if " " not in self.phrase and len(self.phrase) > STEM_FLOOR:
            # The index holds Porter stems ("pagination" is "pagin"), which a word typed
            # half-way ("paginati") is not a prefix of: also try it shorter, down to the
            # first cut that some term of the index starts with (when that is known).
            shortest = max(STEM_FLOOR, len(self.phrase) // 2 + 1)
            cuts = []
            for end in range(len(self.phrase), shortest - 1, -1):
                cuts.append(self.phrase[:end])
                if indexed_prefix is not None and indexed_prefix(self.phrase[:end]):
                    break
            if len(cuts) == 1:
                return f'"{self.phrase}" *'
            return "(" + " OR ".join(f'"{cut}" *' for cut in cuts) + ")"
        if short_prefix_columns and len(self.phrase) <= SHORT_PREFIX and not self.phrase.isdigit():
            # Two or three letters typed so far match half the words of a large catalogue;
            # in titles, headings, tags and summaries they still point somewhere useful.
            return "{" + " ".join(short_prefix_columns) + f'}} : "{self.phrase}" *'
        return f'"{self.phrase}" *'


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[Term, ...] = field(default=())

    def match(
        self,
        short_prefix_columns: tuple[str, ...] = (),
        indexed_prefix: Callable[[str], bool] | None = None,
        expand: Callable[[str], tuple[str, ...] | None] | None = None,
    ) -> str | None:
        """Every term must match (AND); a short prefix only in ``short_prefix_columns``.

        ``indexed_prefix(text)`` says whether some term of the index starts with ``text``;
        a prefix that does is not also tried shorter. ``expand(prefix)`` may name the words
        a prefix stands for.
        """
        return (
            " AND ".join(
                term.expression(short_prefix_columns, indexed_prefix, expand) for term in self.terms
            )
            or None
        )

    def match_any(
        self,
        short_prefix_columns: tuple[str, ...] = (),
        indexed_prefix: Callable[[str], bool] | None = None,
        expand: Callable[[str], tuple[str, ...] | None] | None = None,
    ) -> str | None:
        """Any term may match (OR): the relaxed query, ranked by how many terms match."""
        return (
            " OR ".join(
                term.expression(short_prefix_columns, indexed_prefix, expand) for term in self.terms
            )
            or None
        )

    @property
    def topic(self) -> Query:
        """The query without its question and filler words, unless that leaves nothing."""
        kept = tuple(term for term in self.terms if not term.stop)
        if not kept or len(kept) == len(self.terms):
            return self
        return Query(text=self.text, terms=kept)

    @property
    def dropped(self) -> tuple[str, ...]:
        """The question and filler words :attr:`topic` leaves out."""
        topic = self.topic
        return () if topic is self else tuple(t.phrase for t in self.terms if t.stop)

    @property
    def words(self) -> list[str]:
        return [word for term in self.terms for word in term.phrase.split()]


class Synonyms:
    """Groups of equivalent phrases, read from ``content/_synonyms.yaml``."""

    def __init__(self, groups: list[list[str]] | None = None) -> None:
        self._by_phrase: dict[str, tuple[str, ...]] = {}
        for group in groups or []:
            phrases = [" ".join(words(str(item))) for item in group]
            phrases = [p for p in dict.fromkeys(phrases) if p]
            for phrase in phrases:
                others = tuple(p for p in phrases if p != phrase)
                self._by_phrase[phrase] = tuple(
                    dict.fromkeys([*self._by_phrase.get(phrase, ()), *others])
                )

    @classmethod
    def load(cls, path: Path) -> Synonyms:
        if not path.is_file():
            return cls()
        data = yaml.safe_load(path.read_text("utf-8")) or []
        if not isinstance(data, list) or not all(isinstance(g, list) for g in data):
            raise ValueError(f"{path}: expected a list of lists of phrases")
        return cls(data)

    def __len__(self) -> int:
        return len(self._by_phrase)

    def of(self, phrase: str) -> tuple[str, ...]:
        return self._by_phrase.get(phrase, ())

    def longest_match(self, tokens: list[str], start: int) -> int:
        """How many tokens from ``start`` form a phrase that has synonyms (0: none)."""
        for length in range(min(_LONGEST_SYNONYM, len(tokens) - start), 0, -1):
            if " ".join(tokens[start : start + length]) in self._by_phrase:
                return length
        return 0


def parse(text: str, synonyms: Synonyms | None = None, max_length: int = 200) -> Query:
    """Parse what the reader typed; the last bare word is a prefix while they type."""
    text = text[:max_length]
    synonyms = synonyms or Synonyms()
    terms: list[Term] = []
    bare: list[str] = []

    def flush(typing: bool) -> None:
        position = 0
        while position < len(bare):
            length = synonyms.longest_match(bare, position)
            if length:
                phrase = " ".join(bare[position : position + length])
                terms.append(Term(phrase, synonyms=synonyms.of(phrase)))
                position += length
                continue
            word = bare[position]
            last = position == len(bare) - 1
            terms.append(
                Term(
                    word,
                    prefix=typing and last and len(word) >= MIN_PREFIX,
                    stop=word in STOP_WORDS,
                )
            )
            position += 1
        bare.clear()

    for match in _CHUNK.finditer(text):
        quoted, chunk = match.group(1), match.group(2)
        if quoted is not None:
            flush(typing=False)
            phrase = " ".join(words(quoted))
            if phrase:
                terms.append(Term(phrase, quoted=True))
        else:
            bare.extend(words(chunk))
    flush(typing=bool(text) and not text[-1].isspace() and not text.endswith('"'))
    return Query(text=text, terms=tuple(terms[:MAX_TERMS]))

"""Typo tolerance from the index's own vocabulary, with rapidfuzz doing the distances."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LENGTH = 4  # shorter words are too ambiguous to correct
MIN_SIMILARITY = 0.75


class Vocabulary:
    """The words of the catalogue with their frequencies."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        self._sorted = sorted(counts)
        self._by_length: dict[int, list[str]] = {}
        for word in self._sorted:
            self._by_length.setdefault(len(word), []).append(word)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Vocabulary:
        from kb.search.query import words

        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(w for w in words(text) if len(w) >= 2 and not w.isdigit())
        return cls(counts)

    def __contains__(self, word: object) -> bool:
        return word in self.counts

    def __len__(self) -> int:
        return len(self.counts)

    def has_prefix(self, prefix: str) -> bool:
        index = bisect.bisect_left(self._sorted, prefix)
        return index < len(self._sorted) and self._sorted[index].startswith(prefix)

    def starting_with(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self._sorted, prefix)
        end = bisect.bisect_left(self._sorted, prefix + "\U0010ffff", start)
        return self._sorted[start:end]

    def correct(self, word: str) -> str | None:
        """The closest known word (ties go to the more frequent), or None."""
        if len(word) < MIN_LENGTH or word in self.counts or word.isdigit():
            return None
        candidates = [
            candidate
            for length in range(len(word) - 2, len(word) + 3)
            for candidate in self._by_length.get(length, ())
        ]
        matches = process.extract(
            word,
            candidates,
            scorer=OSA.normalized_similarity,
            score_cutoff=MIN_SIMILARITY,
            limit=5,
        )
        if not matches:
            return None
        best = max(matches, key=lambda m: (round(m[1], 3), self.counts[m[0]]))
        return best[0]

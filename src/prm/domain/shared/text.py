"""Text folding for case- and accent-insensitive matching."""

import re
import unicodedata
from collections.abc import Sequence

_WORD = re.compile(r"[^\W_]+")  # runs of letters and digits (Unicode-aware)


def fold(text: str) -> str:
    """Fold ``text`` for matching: case-folded, Unicode NFKD, combining marks removed.

    ``fold("Ávila") == fold("avila") == "avila"``; ``fold("Straße") == "strasse"``; the Turkish
    dotless ``ı`` folds to ``i`` as it does in most search engines, since ``"I".casefold()`` is ``i``.
    """
    if text.isascii():
        return text.lower()  # the same result, without the Unicode work, for most names
    # Case-fold first: some letters only decompose once folded (Greek iota subscript ``ᾲ`` → ``ὰι``).
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().replace("ı", "i")


def tokens(text: str) -> list[str]:
    """Split folded ``text`` into word tokens (letters and digits; other characters separate).

    ``tokens("José  García-L") == ["jose", "garcia", "l"]``.
    """
    return _WORD.findall(fold(text))


def prefixes_all_found(words: Sequence[str], prefixes: Sequence[str]) -> bool:
    """Whether each of ``prefixes`` starts one of ``words`` (both folded, see :func:`tokens`):
    ``["john", "smith"]`` and ``["jo", "smi"]`` is true; no ``prefixes`` is always true."""
    return all(any(word.startswith(prefix) for word in words) for prefix in prefixes)

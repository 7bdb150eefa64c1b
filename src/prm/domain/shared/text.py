"""Text folding for case- and accent-insensitive matching."""

import unicodedata


def fold(text: str) -> str:
    """Fold ``text`` for matching: Unicode NFKD, combining marks removed, case-folded.

    ``fold("Ávila") == fold("avila") == "avila"``; ``fold("Straße") == "strasse"``; the Turkish
    dotless ``ı`` folds to ``i`` as it does in most search engines, since ``"I".casefold()`` is ``i``.
    """
    # Case-fold first: some letters only decompose once folded (Greek iota subscript ``ᾲ`` → ``ὰι``).
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().replace("ı", "i")


def tokens(text: str) -> list[str]:
    """Split folded ``text`` into word tokens (letters and digits; other characters separate)."""
    folded = fold(text)
    out: list[str] = []
    word: list[str] = []
    for ch in folded:
        if ch.isalnum():
            word.append(ch)
        elif word:
            out.append("".join(word))
            word = []
    if word:
        out.append("".join(word))
    return out

"""Counting words."""


def count_words(text: str) -> int:
    """How many whitespace-separated words `text` holds."""
    return len(text.split())

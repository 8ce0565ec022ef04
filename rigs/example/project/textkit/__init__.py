"""textkit: small text helpers."""

from .words import count_words

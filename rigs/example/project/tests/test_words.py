import unittest

from textkit import count_words


class CountWordsTest(unittest.TestCase):
    def test_counts_words(self) -> None:
        self.assertEqual(count_words("a b  c"), 3)

    def test_empty(self) -> None:
        self.assertEqual(count_words(""), 0)

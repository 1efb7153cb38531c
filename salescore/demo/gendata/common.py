"""Small helpers every part uses: the audit columns, money as text, fast random draws."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from itertools import accumulate

# AuditedModel's bookkeeping columns as the generator fills them (never deleted, version 1).
AUDIT = ("created_at", "created_by_id", "updated_at", "updated_by_id", "version")


def money(fen: int) -> str:
    """An amount in fen as the decimal text both databases store ("1234.50")."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def pick(rng: random.Random, cumulative, total: float | None = None) -> int:
    """The index of a weighted choice, given the running totals of the weights."""
    total = cumulative[-1] if total is None else total
    return min(bisect_right(cumulative, rng.random() * total), len(cumulative) - 1)


def choose(rng: random.Random, options):
    """A weighted choice from ``[(value, weight), ...]`` (short lists, not in hot loops)."""
    roll = rng.random() * sum(weight for _value, weight in options)
    for value, weight in options:
        roll -= weight
        if roll < 0:
            return value
    return options[-1][0]


class Dice:
    """Draws from one seeded random.Random, several times cheaper than random.choice and randint
    (each of which is a chain of Python calls): the generator makes tens of millions of them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.random = rng.random

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def weighted(self, options):
        """A function drawing from ``[(value, weight), ...]`` (weights fixed once)."""
        values = [value for value, _weight in options]
        cumulative = list(accumulate(weight for _value, weight in options))
        total = cumulative[-1]
        cumulative[-1] = math.inf  # rounding can never step past the last value
        rnd = self.random

        def draw():
            return values[bisect_right(cumulative, rnd() * total)]

        return draw

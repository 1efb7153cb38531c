"""Time for the generator: integer seconds since the epoch (UTC) and local day numbers.

Rows get millions of timestamps, so datetime objects are too slow: a moment is an int, a local day
is an int (days since 1970-01-01 in the site's time zone, Asia/Shanghai), and both are turned into
the text both databases read ('YYYY-MM-DD HH:MM:SS' in UTC, 'YYYY-MM-DD') from small caches.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from django.utils import timezone

DAY = 86400
EPOCH = dt.date(1970, 1, 1)

# Chinese New Year (Spring Festival) by year: orders all but stop around it.
SPRING_FESTIVAL = {
    2020: dt.date(2020, 1, 25),
    2021: dt.date(2021, 2, 12),
    2022: dt.date(2022, 2, 1),
    2023: dt.date(2023, 1, 22),
    2024: dt.date(2024, 2, 10),
    2025: dt.date(2025, 1, 29),
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
    2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3),
}
# Order intake by month: the year-end rush (Q4, budgets spent), quiet around the festival.
MONTH_WEIGHT = (0.85, 0.7, 1.0, 1.0, 1.0, 1.05, 0.95, 0.95, 1.05, 0.95, 1.25, 1.45)
# Office hours (local seconds of the day) at which people work, with their weights.
WORK_HOURS = (8, 9, 9, 10, 10, 10, 11, 11, 13, 14, 14, 15, 15, 16, 16, 17, 18)


class Clock:
    """``now`` fixed at the start of a run; every generated moment is at or before it."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        now = now or timezone.now()
        tz = timezone.get_current_timezone()
        local = now.astimezone(tz)
        # Asia/Shanghai has no daylight saving time: one offset serves every generated moment.
        self.offset = int(local.utcoffset().total_seconds())
        self.now = int(now.timestamp())
        self.today = self.local_day(self.now)
        self.today_date = self.date_of(self.today)
        self.year = self.today_date.year
        self._years: dict[int, int] = {}
        # Text of every day a run uses (twelve years back, three ahead) and of every second of a day.
        self._first = self.today - 12 * 366
        self._days = [
            (EPOCH + dt.timedelta(days=d)).isoformat() for d in range(self._first, self.today + 3 * 366)
        ]
        self._hms = [f" {h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]

    # -- conversions ---------------------------------------------------------------------------

    def local_day(self, ts: int) -> int:
        return (ts + self.offset) // DAY

    def date_of(self, day: int) -> dt.date:
        return EPOCH + dt.timedelta(days=day)

    def day_of(self, date: dt.date) -> int:
        return (date - EPOCH).days

    def at(self, day: int, seconds: int) -> int:
        """The moment ``seconds`` after local midnight of ``day``."""
        return day * DAY + seconds - self.offset

    def ts(self, ts: int | None) -> str | None:
        """'YYYY-MM-DD HH:MM:SS' in UTC, as Django stores aware datetimes on SQLite and as
        PostgreSQL reads a timestamptz in a UTC session."""
        if ts is None:
            return None
        day, seconds = divmod(ts, DAY)
        index = day - self._first
        if 0 <= index < len(self._days):
            return self._days[index] + self._hms[seconds]
        return (EPOCH + dt.timedelta(days=day)).isoformat() + self._hms[seconds]

    def texts(self) -> tuple[list[str], list[str], int]:
        """For hot loops that format inline: day texts, ' HH:MM:SS' texts, the first day number.
        A moment ``ts`` reads ``days[ts // DAY - first] + seconds[ts % DAY]``."""
        return self._days, self._hms, self._first

    def date(self, day: int | None) -> str | None:
        if day is None:
            return None
        index = day - self._first
        if 0 <= index < len(self._days):
            return self._days[index]
        return (EPOCH + dt.timedelta(days=day)).isoformat()

    def year_of(self, day: int) -> int:
        year = self._years.get(day)
        if year is None:
            year = self._years[day] = self.date_of(day).year
        return year

    def aware(self, ts: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(ts, tz=dt.UTC)

    # -- realistic moments ---------------------------------------------------------------------

    def office_moment(self, rng: random.Random, day: int, *, weekend: bool = False) -> int:
        """A moment in office hours on ``day`` (or, mostly, the Friday before a weekend day unless
        ``weekend`` says the day stands), never after now."""
        rnd = rng.random
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
        if not weekend and weekday >= 5 and rnd() < 0.85:
            day -= weekday - 4
        ts = day * DAY - self.offset + WORK_HOURS[int(rnd() * len(WORK_HOURS))] * 3600 + int(rnd() * 60) * 60
        return min(ts, self.now - 60)

    def order_day_weights(self, first: int, last: int) -> list[float]:
        """Relative order intake per local day from ``first`` to ``last``: seasons, the festival,
        weekends, a growing company (about 15% a year) and day-to-day noise."""
        weights = []
        rng = random.Random(first * 7 + last)
        for day in range(first, last + 1):
            date = self.date_of(day)
            weight = MONTH_WEIGHT[date.month - 1]
            festival = SPRING_FESTIVAL.get(date.year)
            if festival is not None:
                offset = (date - festival).days
                if -7 <= offset <= 9:
                    weight *= 0.12
                elif -14 <= offset <= 16:
                    weight *= 0.6
            if date.month == 10 and date.day <= 7:  # National Day golden week
                weight *= 0.2
            if (day + 3) % 7 >= 5:
                weight *= 0.15
            weight *= math.exp(0.14 * (day - last) / 365)
            weight *= 0.75 + 0.5 * rng.random()
            weights.append(weight)
        return weights


def spread(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` over the weights (largest remainders stay in order): exact, no randomness."""
    whole = sum(weights) or 1.0
    counts, running, given = [], 0.0, 0
    for weight in weights:
        running += weight
        upto = round(total * running / whole)
        counts.append(upto - given)
        given = upto
    return counts

"""Japanese era dates (和暦), as certificates print them: 令和8年11月26日, 令和元年."""

from __future__ import annotations

import datetime as dt

#: (first day, era name), newest first.
ERAS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
    (dt.date(1912, 7, 30), "大正"),
    (dt.date(1873, 1, 1), "明治"),
)


def era_year(day: dt.date) -> tuple[str, int]:
    for start, name in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError("dates before 1873 (the solar calendar) have no era form here")


def wareki(day: dt.date | str) -> str:
    """``2026-11-26`` → ``令和8年11月26日``; the first year of an era is 元年."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    name, year = era_year(day)
    return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def fiscal_year(year: int) -> str:
    """A 年度 (April to March): 2026 → 令和8年度, and 2019 → 令和元年度 as municipalities
    named it (the era in force at the end of the calendar year)."""
    name, n = era_year(dt.date(year, 12, 31))
    return f"{name}{'元' if n == 1 else n}年度"

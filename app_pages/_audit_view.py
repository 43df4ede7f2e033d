"""The audit trail as the Audit page shows it: Europe/London times, guarded text, filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from geo.safe_text import csv_cell
from geo.users import audit_log, local_time

COLUMNS = ["When (Europe/London)", "who", "action", "detail"]
"""The columns shown."""


def shown_time(at: str) -> str:
    """
    Show a stored UTC time in Europe/London, with its date; unreadable text as it is.

    Examples
    --------
    >>> shown_time("2025-07-01T08:05:00+00:00"), shown_time("2025-12-01T08:05:00+00:00")
    ('01 Jul 2025 09:05', '01 Dec 2025 08:05')
    >>> shown_time("not a time")
    'not a time'
    """
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        return str(csv_cell(at))
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return local_time(when, with_date=True)


def audit_view(path: Path) -> pd.DataFrame:
    """
    Return the audit trail newest first, times in Europe/London, every text cell guarded.

    Parameters
    ----------
    path
        The plan store file.

    Returns
    -------
    pandas.DataFrame
        `COLUMNS`; ``who``, ``action`` and ``detail`` through `geo.safe_text.csv_cell`.
    """
    log = audit_log(path)
    view = pd.DataFrame(
        {
            COLUMNS[0]: [shown_time(a) for a in log["when"]],
            "who": [csv_cell(v) for v in log["who"]],
            "action": [csv_cell(v) for v in log["action"]],
            "detail": [csv_cell(v) for v in log["detail"]],
        },
        columns=COLUMNS,
    )
    return view.iloc[::-1].reset_index(drop=True)


def filter_audit(view: pd.DataFrame, people: Sequence[str], actions: Sequence[str]) -> pd.DataFrame:
    """
    Keep the entries of the people and actions picked (nothing picked: all).

    Examples
    --------
    >>> v = pd.DataFrame({"who": ["A", "B", "A"], "action": ["sign in", "export", "export"]})
    >>> filter_audit(v, ["A"], []).index.tolist(), filter_audit(v, ["A"], ["export"]).index.tolist()
    ([0, 2], [2])
    """
    keep = pd.Series(True, index=view.index)
    if people:
        keep &= view["who"].isin(list(people))
    if actions:
        keep &= view["action"].isin(list(actions))
    return view[keep]

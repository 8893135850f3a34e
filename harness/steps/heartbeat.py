"""Telling a Heartbeat the harness asked for from the station's periodic one.

A case that triggers a Heartbeat (TriggerMessage, F06) can only judge the Heartbeat that
follows if the periodic one cannot be it. Waiting "a response timeout" is not enough: a
station given a heartbeat interval shorter than that timeout (a profile with a 10 s
heartbeat and a 30 s timeout, or a station an earlier case gave a short interval) sends
its periodic Heartbeat inside the window, and a station that ignores the trigger passes.

:func:`trigger_window` times the trigger instead: when the periodic Heartbeat is due
before a Heartbeat asked for now could be judged, it lets that periodic one come first,
so that the window after the trigger ends before the next periodic one can come.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.verdicts import HarnessError

if TYPE_CHECKING:
    from harness.roles import CsmsRole

__all__ = ["Window", "trigger_window"]


@dataclass(frozen=True)
class Window:
    """Until when (monotonic clock) a Heartbeat can only be the one asked for."""

    closes: float

    def left(self) -> float:
        """Seconds left from now (0 once closed): the timeout of the expect after the
        trigger, so that the trigger's own round trip counts against the window."""
        return max(self.closes - time.monotonic(), 0.0)


def trigger_window(csms: CsmsRole, *, response: float, deviation: float, rule: str) -> Window:
    """The window, from now, within which a Heartbeat can only be one asked for now.

    ``response`` is the longest the harness waits for it (the response timeout),
    ``deviation`` the profile's time deviation, ``rule`` the rule a note or the error
    names. Waits for the periodic Heartbeat first when it is due within the window
    (answering the station meanwhile). Raises :class:`HarnessError` when the heartbeat
    interval the station was given leaves no such window at all.
    """
    return Window(time.monotonic() + _seconds(csms, response, deviation, rule))


def _seconds(csms: CsmsRole, response: float, deviation: float, rule: str) -> float:
    interval = csms.heartbeat_interval()
    if interval is None:
        csms.note(
            rule,
            "the harness gave this station no heartbeat interval in this run, so a "
            f"periodic Heartbeat within {response:g} s cannot be told from the one asked "
            "for",
        )
        return response
    best = min(response, interval - deviation)
    if best <= 0:
        raise HarnessError(
            f"the heartbeat interval the station was given ({interval} s) is within the "
            f"time deviation ({deviation:g} s): a Heartbeat asked for cannot be told from a "
            "periodic one",
            "setup",
        )
    due = csms.periodic_heartbeat_due()
    room = None if due is None else due - deviation
    if room is not None and room >= best:
        return best
    # The periodic Heartbeat is due before the window would close: let it come first.
    late = max((due or 0.0) + deviation, deviation)
    if csms.wait_for_heartbeat(late):
        due = csms.periodic_heartbeat_due()
        room = None if due is None else due - deviation
        return min(best, room) if room is not None and room > 0 else best
    csms.note(
        rule,
        f"the periodic Heartbeat due by now (interval {interval} s) did not come, so a "
        f"Heartbeat within {best:g} s of the trigger is taken as the one asked for",
    )
    return best

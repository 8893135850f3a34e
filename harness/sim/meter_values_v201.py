"""Periodic meter readings of the simulated 2.0.1 station's running transactions.

With SampledDataCtrlr.TxUpdatedInterval above 0 a station sends, every that many
seconds while a transaction runs, a TransactionEvent Updated with triggerReason
MeterValuePeriodic and the meter reading (E02.FR.10). The station sends these through
its usual path, so while it is offline they are queued and marked offline like any
other transaction message (E11.FR.01/.02). The interval is read again before each
reading: set back to 0, the readings stop; they stop too when the transaction ends.

The readings run on tasks of their own, not tied to a connection (a lost connection
must not stop the meter).
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import TYPE_CHECKING

from harness.sim.errors import CallErrorReceived, CallTimeout, NotConnected
from harness.sim.transactions_v201 import Session, TxEvent

if TYPE_CHECKING:
    from harness.sim.station_v201 import StationV201

__all__ = ["PeriodicMeter", "periodic_event"]


def periodic_event(session: Session) -> TxEvent:
    """The next event of ``session``'s running transaction: a periodic meter reading."""
    assert session.transaction_id is not None
    event = TxEvent(
        event_type="Updated",
        trigger="MeterValuePeriodic",
        transaction_id=session.transaction_id,
        seq_no=session.seq_no,
    )
    session.seq_no += 1
    return event


class PeriodicMeter:
    """The periodic readings of one station, one task per running transaction."""

    def __init__(self, v201: StationV201) -> None:
        self._v201 = v201
        self._tasks: set[asyncio.Task[None]] = set()

    def _interval(self) -> int:
        value = self._v201.device_model.value("SampledDataCtrlr", "TxUpdatedInterval")
        return int(value or 0)

    def started(self, session: Session) -> None:
        """A transaction started on ``session``: read its meter while it runs."""
        if self._interval() <= 0:
            return
        task = asyncio.ensure_future(self._read(session))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read(self, session: Session) -> None:
        v201 = self._v201
        while True:
            seconds = self._interval()
            if seconds <= 0:
                return
            await asyncio.sleep(v201.station.timers.scaled(seconds))  # the protocol timer
            if self._interval() <= 0 or not session.running:
                return
            if v201.sessions.get(session.evse) is not session:
                return
            # a connection lost while sending: the next reading goes to the queue
            with suppress(CallErrorReceived, CallTimeout, NotConnected):
                await v201.send_events(session, [periodic_event(session)])

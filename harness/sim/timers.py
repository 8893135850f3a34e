"""Protocol timers of the simulators, as parameters so the self-tests run in milliseconds."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SimTimers"]


@dataclass(frozen=True)
class SimTimers:
    """Every delay a simulator uses, in seconds of real time.

    ``interval_scale`` multiplies the whole-second intervals that travel in OCPP frames
    (the BootNotification ``interval``, HeartbeatInterval): the schemas make them
    integers, so a test that wants a 50 ms heartbeat sends ``interval: 1`` with
    ``interval_scale=0.05`` and every frame stays schema-valid.
    """

    heartbeat_fallback: float = 60
    retry_backoff_min: float = 0.05
    retry_backoff_max: float = 2.0
    boot_retry_default: float = 1.0
    #: how long a CALL waits for its answer (the station's OCPPCommCtrlr.MessageTimeout):
    #: above the harness's longest hold of a CALL (its session's hold_seconds, 2 s), short
    #: so that the cases of a CSMS that does not answer (E13 retries, TC_E_41/42_CS) take
    #: seconds and an operator action that sends such a message returns within its bound
    message_timeout: float = 3
    interval_scale: float = 1.0
    #: how long a station with option slow-restart or late-boot-retry takes beyond the
    #: least it may (a real device restarts in tens of seconds; the embedded runs keep it
    #: well inside their connect timeout)
    restart_time: float = 0.5
    #: how long a simulated device takes to do on its own what a message it answered
    #: made it do (well inside the harness's response timeout)
    reaction_time: float = 0.2

    def scaled(self, protocol_seconds: float) -> float:
        """Real seconds for an interval the protocol expresses in seconds."""
        return protocol_seconds * self.interval_scale

"""Simulated charging station and CSMS: conformant by default, with named defects.

They are the embedded DUT of the harness, the self-test bench of every catalog case
(conformant -> must pass; each defect a case claims to catch -> must fail for the named
rule) and stand-alone tools (``ocpp-harness sim station|csms``).
"""

from harness.sim.control_api import ControlServer
from harness.sim.csms import Refusal, SimCsms, StationRecord
from harness.sim.defects import (
    CSMS_DEFECTS,
    DEFECTS,
    STATION_DEFECTS,
    Defect,
    defects_for,
    get_defect,
    validate_defects,
)
from harness.sim.errors import (
    CallErrorReceived,
    CallTimeout,
    InvalidParams,
    NotConnected,
    PeerClosed,
    SimError,
    UnsupportedAction,
)
from harness.sim.peer import FrameEvent, FrameHook, OcppPeer, Reply
from harness.sim.recorder import FrameRecorder, Recorded
from harness.sim.station import Connector, SimStation, Transaction
from harness.sim.timers import SimTimers

__all__ = [
    "CSMS_DEFECTS",
    "DEFECTS",
    "STATION_DEFECTS",
    "CallErrorReceived",
    "CallTimeout",
    "Connector",
    "ControlServer",
    "Defect",
    "FrameEvent",
    "FrameHook",
    "FrameRecorder",
    "InvalidParams",
    "NotConnected",
    "OcppPeer",
    "PeerClosed",
    "Recorded",
    "Refusal",
    "Reply",
    "SimCsms",
    "SimError",
    "SimStation",
    "SimTimers",
    "StationRecord",
    "Transaction",
    "UnsupportedAction",
    "defects_for",
    "get_defect",
    "validate_defects",
]

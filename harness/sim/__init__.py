"""Simulated charging station and CSMS: conformant by default, with named defects and
named options.

They are the embedded DUT of the harness, the self-test bench of every catalog case
(conformant -> must pass; each defect a case claims to catch -> must fail for the named
rule; each option, a legal variation, -> must pass too) and stand-alone tools
(``ocpp-harness sim station|csms``).
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
    NotAllowed,
    NotConnected,
    PeerClosed,
    SimError,
    UnsupportedAction,
)
from harness.sim.options import (
    OPTIONS,
    SimOption,
    get_option,
    options_for,
    validate_options,
)
from harness.sim.peer import FrameEvent, FrameHook, OcppPeer, Reply
from harness.sim.recorder import FrameRecorder, Recorded
from harness.sim.station import Connector, SimStation, Transaction
from harness.sim.timers import SimTimers

__all__ = [
    "CSMS_DEFECTS",
    "DEFECTS",
    "OPTIONS",
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
    "NotAllowed",
    "NotConnected",
    "OcppPeer",
    "PeerClosed",
    "Recorded",
    "Refusal",
    "Reply",
    "SimCsms",
    "SimError",
    "SimOption",
    "SimStation",
    "SimTimers",
    "StationRecord",
    "Transaction",
    "UnsupportedAction",
    "defects_for",
    "get_defect",
    "get_option",
    "options_for",
    "validate_defects",
    "validate_options",
]

"""Block K, Smart Charging — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls, the rules are the Part 2
requirement ids the table names. The charging profiles a case sends are written in the
DUT profile's [charging] rate unit and number of phases; a limit Part 6 gives as 6 (A)
is multiplied as the errata's "limit multiplier" says (harness.dut.Charging.limit).
"""

from typing import Any

from harness import testcase
from harness.states import cs_transactions as tx_states
from harness.steps.idle import leave_idle

BLOCK = "K SmartCharging"


def _tx_profile(dut, profile_id: int, amps: float) -> dict[str, Any]:
    """A TxProfile without a transactionId: Relative, one period from 0 s limited to
    ``amps`` (in the configured rate unit), with the configured number of phases."""
    charging = dut.profile.charging
    return {
        "id": profile_id,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": profile_id,
                "chargingRateUnit": charging.rate_unit,
                "chargingSchedulePeriod": [
                    {
                        "startPeriod": 0,
                        "limit": charging.limit(amps),
                        "numberPhases": charging.number_phases,
                    }
                ],
            }
        ],
    }


@testcase(
    "TC_K_38_CS",
    "Remote start transaction with charging profile - Ignore chargingProfile",
    table=285,
    requirements=["F01.FR.12", "F01.FR.13"],
    catches={"remote-start-profile-refused": "F01.FR.12"},
)
def test_tc_k_38_cs(csms, dut):
    csms.comment("Reusable state EVConnectedPreSession")
    tx = tx_states.ev_connected_pre_session(csms, dut)
    csms.finally_do(f"leave EVSE {tx.evse} idle", leave_idle, csms, dut, tx)
    # A station without smart charging (the Part 5 condition) ignores the profile and
    # starts as for any remote start (F01.FR.12): Accepted, with the transactionId where
    # the plug-in started one already (F01.FR.13); the AuthorizeRequest where
    # AuthorizeRemoteStart asks for one; the event RemoteStart with the remoteStartId.
    csms.step("1-6", "RequestStartTransaction with a TxProfile: Accepted; the start goes on")
    tx_states.authorized(
        csms,
        dut,
        tx,
        method="remote",
        charging_profile=_tx_profile(dut, 1, 6),
        accept_rule="F01.FR.12",
    )
    csms.step(7, "Reusable state EnergyTransferStarted")
    tx_states.energy_transfer_started(csms, dut, tx)

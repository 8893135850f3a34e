"""Block P, DataTransfer — OCPP 2.0.1, the DUT is a charging station (harness = CSMS).

Each case follows its table in OCPP 2.0.1 Part 6 (Edition 3 with the errata to
2025-09); its numbered steps are the ``csms.step(...)`` calls.
"""

from harness import testcase
from harness.matching import absent_or, exactly_one, one_of
from harness.steps import device_model as dm

BLOCK = "P DataTransfer"

#: Part 6 TC_P_01_CS's vendor, which no station implements, and a message id nobody uses
#: (Part 6 <Configured messageId>: any unused one)
OCTT_VENDOR = "org.openchargealliance.octt"
UNUSED_MESSAGE_ID = "ocpp-harness-unused"

#: customData as any sender may add it to any 2.0.1 object (its vendorId and anything)
CUSTOM_DATA = {"vendorId": "org.ocpp-harness", "note": "custom data the station ignores"}


@testcase(
    "TC_P_01_CS",
    "Data Transfer to the Charging Station - Rejected / Unknown VendorId / Unknown MessageId",
    table=419,
    requirements=["P01.FR.05", "P01.FR.06"],
    catches=["data-transfer-accepts-unknown-vendor"],
)
def test_tc_p_01_cs(csms, dut):
    csms.step(
        "1-2", "DataTransfer for the OCTT vendor: UnknownVendorId, UnknownMessageId or Rejected"
    )
    csms.call("DataTransfer", vendorId=OCTT_VENDOR, messageId=UNUSED_MESSAGE_ID).expect(
        rule="P01.FR.05", status=one_of("UnknownVendorId", "UnknownMessageId", "Rejected")
    )


@testcase(
    "TC_P_03_CS",
    "CustomData - Receive custom data",
    table=420,
    requirements=[],
    catches=["custom-data-refused"],
)
def test_tc_p_03_cs(csms, dut):
    variable = dm.Variable("OCPPCommCtrlr", "OfflineThreshold")
    dm.restore_after(csms, variable)
    csms.step("1-2", 'SetVariables OfflineThreshold = "200", Actual, with customData: Accepted')
    item = {**variable.data(), "attributeValue": "200", "attributeType": "Actual"}
    item["customData"] = CUSTOM_DATA
    csms.call("SetVariables", setVariableData=[item], customData=CUSTOM_DATA).expect(
        rule="B05.FR.10", setVariableResult=exactly_one({"attributeStatus": "Accepted"})
    )
    csms.step("3-4", "GetVariables OfflineThreshold, Actual: Accepted, the value 200")
    asked = {**variable.data(), "attributeType": "Actual", "customData": CUSTOM_DATA}
    csms.call("GetVariables", getVariableData=[asked]).expect(
        rule="B06.FR.10",
        getVariableResult=exactly_one(
            {
                "attributeStatus": "Accepted",
                "attributeType": absent_or("Actual"),
                "attributeValue": "200",
            }
        ),
    )

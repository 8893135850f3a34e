"""Facts from the OCPP specifications that the catalog and the simulators share.

One place for each fact, so that a test case and the simulator it is proven against
cannot drift apart.
"""

__all__ = ["OCPP16_REQUIRED_CORE_KEYS"]

#: OCPP 1.6 §9.1: the configuration keys every charge point has (Core profile)
OCPP16_REQUIRED_CORE_KEYS: tuple[str, ...] = (
    "AuthorizeRemoteTxRequests",
    "ClockAlignedDataInterval",
    "ConnectionTimeOut",
    "ConnectorPhaseRotation",
    "GetConfigurationMaxKeys",
    "HeartbeatInterval",
    "LocalAuthorizeOffline",
    "LocalPreauthorize",
    "MeterValuesAlignedData",
    "MeterValuesSampledData",
    "MeterValueSampleInterval",
    "NumberOfConnectors",
    "ResetRetries",
    "StopTransactionOnEVSideDisconnect",
    "StopTransactionOnInvalidId",
    "StopTxnAlignedData",
    "StopTxnSampledData",
    "SupportedFeatureProfiles",
    "TransactionMessageAttempts",
    "TransactionMessageRetryInterval",
    "UnlockConnectorOnEVSideDisconnect",
)

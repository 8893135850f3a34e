"""ocpp-harness: an OCPP-J compliance and interoperability test harness (pytest plugin).

Test cases import what they need from here: the ``testcase`` decorator, the
``DutFailure`` they raise for checks the facade does not express, and ``ANY``.
"""

from harness.matching import ANY
from harness.testcase import testcase
from harness.verdicts import DutFailure, HarnessError

__version__ = "0.1.0"

__all__ = ["ANY", "DutFailure", "HarnessError", "__version__", "testcase"]

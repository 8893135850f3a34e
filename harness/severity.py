"""How bad a broken rule is: errors fail a case, warnings are reported only."""

import enum

__all__ = ["Severity"]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"

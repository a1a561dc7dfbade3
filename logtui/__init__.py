"""logtui: watch the Docker containers of a production server over SSH, strictly read-only.

The spec's API is exported here; heavy modules load on first use, so that
`logtui --help` and `import logtui` stay quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "LogInterface",
    "ProductionLogCollector",
    "get_production_errors",
    "get_production_logs",
    "save_production_logs",
]

if TYPE_CHECKING:
    from .collector import ProductionLogCollector
    from .log_interface import (
        LogInterface,
        get_production_errors,
        get_production_logs,
        save_production_logs,
    )


def __getattr__(name: str) -> Any:
    if name == "ProductionLogCollector":
        from .collector import ProductionLogCollector

        return ProductionLogCollector
    if name in __all__:
        from . import log_interface

        return getattr(log_interface, name)
    raise AttributeError(f"module 'logtui' has no attribute {name!r}")

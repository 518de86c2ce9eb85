"""Region audit dashboards."""
from wijzer.audit import bp  # noqa: F401

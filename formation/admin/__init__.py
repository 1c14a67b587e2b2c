"""Admin of the unions' lifecycle: formation cases, founding, term renewal, dissolution."""

from formation.admin import cases, dissolution, founding, terms

__all__ = ["cases", "dissolution", "founding", "terms"]

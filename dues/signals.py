"""Keeps the cached yearly rates in step with the table, whoever writes it (admin, a migration, a shell)."""

from dues import selectors


def rate_changed(sender, **kwargs) -> None:
    selectors.rate_cache_clear()

"""The change page of a case decided by steps: the step buttons instead of the admin's save and delete buttons."""


def steps_change_context(extra_context: dict | None, steps: list) -> dict:
    """Context for `ModelAdmin.change_view` of a case whose state only its steps change (never a direct save)."""
    return {
        **(extra_context or {}),
        "steps": steps,
        "show_save": False,
        "show_save_and_continue": False,
        "show_save_and_add_another": False,
        "show_delete": False,
    }

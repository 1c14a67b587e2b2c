"""The change page of a case decided by steps: the step buttons instead of the admin's save and delete buttons."""

from django.urls import reverse


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


class StepButtonsMixin:
    """For a ModelAdmin whose `steps` maps a step name to (label, …): its change page shows a button for each step
    `step_names(request, obj)` allows, linking to the admin URL `<app>_<model>_step` (pk, name), and no save or
    delete buttons."""

    steps: dict = {}

    def step_names(self, request, obj) -> list[str]:
        return []

    def step_page_opened(self, request, obj) -> None:
        """Called with the case before its change page is built (a warning for the page, say)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        steps = []
        if obj is not None:
            self.step_page_opened(request, obj)
            url_name = f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_step"
            steps = [
                (name, self.steps[name][0], reverse(url_name, args=[obj.pk, name]))
                for name in self.step_names(request, obj)
            ]
        return super().change_view(request, object_id, form_url, steps_change_context(extra_context, steps))

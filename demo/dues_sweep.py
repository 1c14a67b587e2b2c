"""Demo city, last part: the daily arrears sweep, so the arrears list and the dashboard's buckets are filled."""

from dues import services
from unionhub.lib import clock


def build(ctx) -> None:
    counts = services.dues_sweep(today=clock.today())
    if ctx.stdout is not None:
        ctx.stdout.write(
            f"Arrears sweep on {clock.today():%Y-%m-%d}: {counts['reminded']} reminded, {counts['warned']} warned, "
            f"{counts['withdrawn']} withdrawn, {counts['reported']} reported to their unions."
        )

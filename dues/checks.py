"""Deploy checks (`manage.py check --deploy`): the sandbox payment provider credits months without money."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def sandbox_payments_check(app_configs=None, **kwargs):
    if settings.PAYMENT_PROVIDER != "sandbox":
        return []
    if not settings.UNIONHUB_ALLOW_SANDBOX_PAYMENTS:
        return [
            checks.Error(
                "PAYMENT_PROVIDER is 'sandbox': its pay page credits months without any money changing hands.",
                hint="Set PAYMENT_PROVIDER=wechatpay (with its WECHATPAY_* settings), or "
                "UNIONHUB_ALLOW_SANDBOX_PAYMENTS=true for a training deployment.",
                id="dues.E001",
            )
        ]
    return [
        checks.Warning(
            "Training deployment: the sandbox payment provider is on (UNIONHUB_ALLOW_SANDBOX_PAYMENTS=true); "
            "no payment is real and every page shows a training banner.",
            hint="Never for a live deployment: set PAYMENT_PROVIDER=wechatpay.",
            id="dues.W001",
        )
    ]

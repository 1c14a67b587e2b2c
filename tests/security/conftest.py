import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code an authenticator app would show now for this device."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def require_2fa(settings):
    settings.UNIONHUB_REQUIRE_ADMIN_2FA = True


@pytest.fixture
def totp_device():
    def make(user, *, confirmed=True) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="app", confirmed=confirmed)

    return make

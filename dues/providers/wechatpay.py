"""WeChat Pay API v3 through the `wechatpayv3` SDK: native (QR code) and JSAPI orders, notification signature
check and AES-256-GCM decryption, order query. Amounts are in fen.

The SDK does not reject stale timestamps, raises on a missing signature type and downloads platform certificates
for an unknown serial; every notification is therefore checked here first (headers, the WECHATPAY/SIGNTEST/
probe, a 300-second timestamp window, a known serial) so a forged or replayed one costs no network call."""

import datetime as dt
import json
import logging
import time
from pathlib import Path

from cryptography import x509
from django.conf import settings

from dues.providers.base import (
    NotificationRejected,
    PaymentProvider,
    VerifiedNotification,
    provider_time,
    reference,
)
from unionhub.lib.money import from_fen, to_fen

log = logging.getLogger(__name__)

HEADERS = (
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
)
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"


def _read(path: str | None) -> str | None:
    return Path(path).read_text() if path else None


class WeChatPayProvider(PaymentProvider):
    name = "wechatpay"

    def __init__(self, config: dict | None = None):
        self.config = config or settings.WECHATPAY
        self.max_age = int(getattr(settings, "WECHATPAY_NOTIFY_MAX_AGE_SECONDS", 300))

    # -- the SDK client ------------------------------------------------------------------------------------------
    def client(self, pay_type=None):
        from wechatpayv3 import WeChatPay, WeChatPayType

        c = self.config
        public_key = _read(c.get("PUBLIC_KEY_PATH"))
        return WeChatPay(
            wechatpay_type=pay_type or WeChatPayType.NATIVE,
            mchid=c["MCHID"],
            private_key=_read(c["PRIVATE_KEY_PATH"]),
            cert_serial_no=c["CERT_SERIAL_NO"],
            appid=c["APPID"],
            apiv3_key=c["API_V3_KEY"],
            notify_url=c.get("NOTIFY_URL"),
            cert_dir=c.get("PLATFORM_CERT_DIR"),
            public_key=public_key,
            public_key_id=c.get("PUBLIC_KEY_ID") if public_key else None,
            timeout=(3, 5),
            logger=None,
        )

    def known_serials(self) -> set[int]:
        """Serials of the platform keys we hold: the WeChat Pay public key id and unexpired certificates."""
        serials = set()
        key_id = self.config.get("PUBLIC_KEY_ID")
        if key_id and self.config.get("PUBLIC_KEY_PATH"):
            serials.add(key_id)
        cert_dir = self.config.get("PLATFORM_CERT_DIR")
        if cert_dir and Path(cert_dir).is_dir():
            now = dt.datetime.now(dt.UTC)
            for pem in Path(cert_dir).glob("*.pem"):
                cert = x509.load_pem_x509_certificate(pem.read_bytes())
                if cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
                    serials.add(cert.serial_number)
        return serials

    def _serial_known(self, serial: str) -> bool:
        known = self.known_serials()
        if serial in known:
            return True
        try:
            return int(serial, 16) in known
        except ValueError:
            return False

    # -- interface -----------------------------------------------------------------------------------------------
    def create_order(self, order) -> str:
        """A native order: the returned code_url is shown to the payer as a QR code."""
        code, message = self.client().pay(
            description=f"工会会费 {order.period_label}",
            out_trade_no=order.order_no,
            amount={"total": to_fen(order.total_amount), "currency": "CNY"},
        )
        data = json.loads(message) if isinstance(message, str) else {}
        if code not in range(200, 300) or "code_url" not in data:
            log.error("wechatpay order creation failed for %s: HTTP %s", order.order_no, code)
            raise RuntimeError("wechatpay order creation failed")
        return data["code_url"]

    def jsapi_params(self, order, *, openid: str) -> dict:
        """A JSAPI / mini-program order for a payer's openid: the parameters wx.requestPayment needs."""
        from wechatpayv3 import WeChatPayType

        client = self.client(WeChatPayType.JSAPI)
        code, message = client.pay(
            description=f"工会会费 {order.period_label}",
            out_trade_no=order.order_no,
            amount={"total": to_fen(order.total_amount), "currency": "CNY"},
            payer={"openid": openid},
        )
        prepay_id = json.loads(message).get("prepay_id") if code in range(200, 300) else None
        if not prepay_id:
            raise RuntimeError("wechatpay JSAPI order failed")
        timestamp, nonce = str(int(time.time())), order.order_no[-16:]
        package = f"prepay_id={prepay_id}"
        sign = client.sign([self.config["APPID"], timestamp, nonce, package])
        return {
            "appId": self.config["APPID"],
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": sign,
        }

    def verify_notification(self, *, headers: dict, body: bytes) -> VerifiedNotification:
        lower = {k.lower(): v for k, v in headers.items()}
        values = {name: (lower.get(name.lower()) or "").strip() for name in HEADERS}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise NotificationRejected("missing headers: " + ", ".join(missing))
        if values["Wechatpay-Signature"].startswith(PROBE_PREFIX):
            raise NotificationRejected("signature probe")
        if values["Wechatpay-Signature-Type"] != SIGNATURE_TYPE:
            raise NotificationRejected("unsupported signature type")
        try:
            timestamp = int(values["Wechatpay-Timestamp"])
        except ValueError as exc:
            raise NotificationRejected("bad timestamp") from exc
        if abs(time.time() - timestamp) > self.max_age:
            raise NotificationRejected("stale timestamp")
        if not self._serial_known(values["Wechatpay-Serial"]):
            raise NotificationRejected("unknown serial")
        try:
            result = self.client().callback(values, body)
        except Exception as exc:
            raise NotificationRejected("notification could not be verified") from exc
        if not result or not isinstance(result.get("resource"), dict):
            raise NotificationRejected("bad signature")
        return self._payment(result["resource"])

    def query_order(self, order) -> VerifiedNotification | None:
        code, message = self.client().query(out_trade_no=order.order_no)
        if code != 200:
            return None
        data = json.loads(message)
        if data.get("trade_state") != "SUCCESS":
            return None
        try:
            return self._payment(data)
        except NotificationRejected as exc:
            log.warning("wechatpay query for %s refused: %s", order.order_no, exc.reason)
            return None

    def close_order(self, order) -> None:
        code, _message = self.client().close(out_trade_no=order.order_no)
        if code not in range(200, 300):
            log.warning("wechatpay close of %s answered HTTP %s", order.order_no, code)

    def _payment(self, resource: dict) -> VerifiedNotification:
        if resource.get("mchid") != self.config["MCHID"]:
            raise NotificationRejected("merchant id mismatch")
        if self.config.get("APPID") and resource.get("appid") not in (None, self.config["APPID"]):
            raise NotificationRejected("app id mismatch")
        if resource.get("trade_state") != "SUCCESS":
            raise NotificationRejected("trade not successful")
        amount = resource.get("amount") or {}
        if not isinstance(amount, dict):
            raise NotificationRejected("bad amount")
        total = amount.get("total")
        if amount.get("currency", "CNY") != "CNY" or not isinstance(total, int) or isinstance(total, bool):
            raise NotificationRejected("bad amount")
        paid_at, raw = provider_time(resource.get("success_time"))
        return VerifiedNotification(
            order_no=reference(resource.get("out_trade_no"), "out_trade_no"),
            amount=from_fen(total),
            transaction_id=reference(resource.get("transaction_id"), "transaction_id"),
            paid_at=paid_at,
            paid_at_raw=raw,
        )

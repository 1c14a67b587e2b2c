"""WeChat Pay API v3 through the `wechatpayv3` SDK: native (QR code), H5, JSAPI and mini-program orders, notification signature
check and AES-256-GCM decryption, order query. Amounts are in fen.

The SDK does not reject stale timestamps, raises on a missing signature type and downloads platform certificates
for an unknown serial; every notification is therefore checked here first (headers, the WECHATPAY/SIGNTEST/
probe, a 300-second timestamp window, a known serial) so a forged or replayed one costs no network call."""

import datetime as dt
import json
import logging
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from django.conf import settings

from dues.providers.base import (
    NotificationRejected,
    OpenedOrder,
    PaymentProvider,
    PayRequest,
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
DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"


def h5_url_returning(h5_url: str, return_url: str) -> str:
    """The h5_url with the page WeChat sends the payer back to (`redirect_url`, url-encoded, as WeChat requires)."""
    if not return_url:
        return h5_url
    return f"{h5_url}{'&' if '?' in h5_url else '?'}redirect_url={quote(return_url, safe='')}"


def _read(path: str | None) -> str | None:
    return Path(path).read_text() if path else None


class WeChatPayProvider(PaymentProvider):
    name = "wechatpay"

    def __init__(self, config: dict | None = None):
        self.config = config or settings.WECHATPAY
        self.max_age = int(getattr(settings, "WECHATPAY_NOTIFY_MAX_AGE_SECONDS", 300))

    # -- the SDK client ------------------------------------------------------------------------------------------
    def client(self, pay_type=None, *, appid: str | None = None):
        from wechatpayv3 import WeChatPay, WeChatPayType

        c = self.config
        public_key = _read(c.get("PUBLIC_KEY_PATH"))
        client = WeChatPay(
            wechatpay_type=pay_type or WeChatPayType.NATIVE,
            mchid=c["MCHID"],
            private_key=_read(c["PRIVATE_KEY_PATH"]),
            cert_serial_no=c["CERT_SERIAL_NO"],
            appid=appid or c["APPID"],
            apiv3_key=c["API_V3_KEY"],
            notify_url=c.get("NOTIFY_URL"),
            cert_dir=c.get("PLATFORM_CERT_DIR"),
            public_key=public_key,
            public_key_id=c.get("PUBLIC_KEY_ID") if public_key else None,
            timeout=(3, 5),
            logger=None,
        )
        # The SDK has no option for its gateway; the address is a setting so tests reach a local stand-in.
        client._core._gate_way = (c.get("BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        return client

    def app_ids(self) -> set[str]:
        """Every appid an order of ours may be paid in: the merchant's, the Official Account's, the mini-program's."""
        ids = {
            self.config.get("APPID"),
            getattr(settings, "UNIONHUB_WECHAT_OFFICIAL_APPID", ""),
            getattr(settings, "UNIONHUB_WECHAT_MINIPROGRAM_APPID", ""),
        }
        return {i for i in ids if i}

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
    def create_order(self, order, request: PayRequest) -> OpenedOrder:
        """Open the order in the channel's WeChat Pay product: native → code_url (shown as a QR code); h5 → h5_url
        with the return page; jsapi / miniprogram → prepay_id, answered as the signed parameters of
        WeixinJSBridge getBrandWCPayRequest / wx.requestPayment."""
        from wechatpayv3 import WeChatPayType

        pay_type = {
            "native": WeChatPayType.NATIVE,
            "h5": WeChatPayType.H5,
            "jsapi": WeChatPayType.JSAPI,
            "miniprogram": WeChatPayType.MINIPROG,
        }[request.channel]
        app_id = request.app_id or self.config["APPID"]
        order_fields = {
            "description": f"工会会费 {order.period_label}",
            "out_trade_no": order.order_no,
            "amount": {"total": to_fen(order.total_amount), "currency": "CNY"},
        }
        if pay_type in (WeChatPayType.JSAPI, WeChatPayType.MINIPROG):
            if not request.openid:
                raise ValueError("a JSAPI or mini-program order needs the payer's openid")
            order_fields["payer"] = {"openid": request.openid}
        if pay_type == WeChatPayType.H5:
            if not request.client_ip:
                raise ValueError("an H5 order needs the payer's address")
            order_fields["scene_info"] = {
                "payer_client_ip": request.client_ip,
                "h5_info": {
                    "type": "Wap",
                    "app_name": self.config.get("H5_APP_NAME") or "工会会费",
                    "app_url": self.config.get("H5_APP_URL") or settings.SITE_URL or "",
                },
            }
            if not order_fields["scene_info"]["h5_info"]["app_url"]:
                del order_fields["scene_info"]["h5_info"]["app_url"]
        client = self.client(pay_type, appid=app_id)
        code, message = client.pay(**order_fields)
        try:
            data = json.loads(message) if isinstance(message, str) else {}
        except ValueError:
            data = {}
        answer = {"native": "code_url", "h5": "h5_url"}.get(request.channel, "prepay_id")
        if code not in range(200, 300) or not isinstance(data, dict) or not data.get(answer):
            log.error(
                "wechatpay %s order creation failed for %s: HTTP %s", request.channel, order.order_no, code
            )
            raise RuntimeError("wechatpay order creation failed")
        if request.channel == "native":
            return OpenedOrder(pay_url=data["code_url"])
        if request.channel == "h5":
            return OpenedOrder(pay_url=h5_url_returning(data["h5_url"], request.return_url))
        return OpenedOrder(pay_url="", pay_params=self.pay_params(client, app_id, data["prepay_id"]))

    @staticmethod
    def pay_params(client, app_id: str, prepay_id: str) -> dict:
        """The parameters of getBrandWCPayRequest / wx.requestPayment, signed (RSA-SHA256) by the merchant key over
        appId, timeStamp, nonceStr and package, each followed by a newline."""
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        return {
            "appId": app_id,
            "timeStamp": timestamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": client.sign([app_id, timestamp, nonce, package]),
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
        app_ids = self.app_ids()
        if app_ids and resource.get("appid") is not None and resource.get("appid") not in app_ids:
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

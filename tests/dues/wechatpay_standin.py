"""A local HTTP server on 127.0.0.1 standing in for the WeChat Pay API v3 (the merchant gateway): it checks each
request's Authorization signature with the merchant's public key, records the request, answers as WeChat Pay does
(native code_url, h5_url, prepay_id, order query, close) and signs every answer with the platform key, which the
SDK verifies. A test may set the answer of one path (`answer`), or make every request fail as WeChat Pay does in an
outage (`failing`: 500 SYSTEM_ERROR). `/h5pay/` stands in for WeChat's H5 cashier page (it records who came, with
which Referer)."""

import base64
import json
import os
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MCHID, APPID, APIV3_KEY, KEY_ID = (
    "1900000109",
    "wxd678efh567hg6787",
    "a" * 16 + "b" * 16,
    "PUB_KEY_ID_0114232134912410",
)
OFFICIAL_APPID, MINIPROGRAM_APPID = "wx2421b1c4370ec43b", "wx8888888888888888"
AUTH = re.compile(r'(\w+)="([^"]*)"')


def key_pair():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_private(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pem_public(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def verifies(public_key, signature_b64: str, message: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature_b64), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except Exception:
        return False
    return True


def configure(settings, tmp_path, *, merchant, platform, base_url: str) -> None:
    """settings.WECHATPAY for the stand-in: our merchant key, its platform public key, its address."""
    (tmp_path / "merchant.pem").write_text(pem_private(merchant))
    (tmp_path / "platform_pub.pem").write_bytes(pem_public(platform))
    settings.PAYMENT_PROVIDER = "wechatpay"
    settings.UNIONHUB_WECHAT_OFFICIAL_APPID = OFFICIAL_APPID
    settings.UNIONHUB_WECHAT_MINIPROGRAM_APPID = MINIPROGRAM_APPID
    settings.WECHATPAY = {
        "MCHID": MCHID,
        "APPID": APPID,
        "API_V3_KEY": APIV3_KEY,
        "CERT_SERIAL_NO": "5157F09EFDC0",
        "PRIVATE_KEY_PATH": str(tmp_path / "merchant.pem"),
        "PLATFORM_CERT_DIR": None,
        "NOTIFY_URL": "https://unionhub.example/api/v1/payments/wechatpay/notify/",
        "PUBLIC_KEY_PATH": str(tmp_path / "platform_pub.pem"),
        "PUBLIC_KEY_ID": KEY_ID,
        "BASE_URL": base_url,
        "H5_APP_NAME": "工会会费",
        "H5_APP_URL": "https://unionhub.example",
    }


def notification(
    platform, resource: dict, *, timestamp=None, serial=KEY_ID, signature=None, drop=()
) -> tuple[str, dict]:
    """A payment notification as WeChat Pay sends it: the resource AES-GCM encrypted with the API v3 key, the body
    signed with the platform key (header names as sent on the wire). `timestamp`, `serial` and `signature` replace
    what WeChat Pay would send; the headers named in `drop` are left out."""
    aes_nonce = os.urandom(6).hex()
    ciphertext = AESGCM(APIV3_KEY.encode()).encrypt(
        aes_nonce.encode(), json.dumps(resource).encode(), b"transaction"
    )
    body = json.dumps(
        {
            "id": "EV-" + uuid.uuid4().hex[:10],
            "create_time": "2025-04-15T10:00:06+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "associated_data": "transaction",
                "nonce": aes_nonce,
                "ciphertext": base64.b64encode(ciphertext).decode(),
            },
        }
    )
    timestamp, nonce = str(int(time.time()) if timestamp is None else timestamp), uuid.uuid4().hex
    if signature is None:
        signed = platform.sign(
            f"{timestamp}\n{nonce}\n{body}\n".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        signature = base64.b64encode(signed).decode()
    headers = {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }
    return body, {name: value for name, value in headers.items() if name not in drop}


def wsgi_headers(headers: dict) -> dict:
    """Wire header names as the Django test client takes them (Wechatpay-Serial → HTTP_WECHATPAY_SERIAL)."""
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


class WeChatPayStandIn:
    def __init__(self, *, merchant_public_key, platform_key):
        self.merchant_public_key = merchant_public_key
        self.platform_key = platform_key
        # every API request: method, path, body (parsed), verified, status and answer (payload) sent back
        self.requests: list[dict] = []
        self.paid: dict[
            str, dict
        ] = {}  # out_trade_no → the transaction the query answers (trade_state SUCCESS)
        self.h5_visits: list[dict] = []
        self.answers: dict[tuple[str, str], tuple[int, dict | None]] = {}  # (method, path) → status, payload
        self.failing = False  # every API request answers 500 SYSTEM_ERROR
        self.fail_next = False  # the next API request does
        standin = self

        class Handler(BaseHTTPRequestHandler):
            entry = None  # this request's record in standin.requests

            def _answer(
                self, status: int, payload: dict | None, *, sign=True, content_type="application/json"
            ):
                body = json.dumps(payload).encode() if payload is not None else b""
                if self.entry is not None:
                    self.entry.update(status=status, answer=payload)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if sign:
                    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
                    signed = standin.platform_key.sign(
                        f"{timestamp}\n{nonce}\n{body.decode()}\n".encode(),
                        padding.PKCS1v15(),
                        hashes.SHA256(),
                    )
                    self.send_header("Wechatpay-Timestamp", timestamp)
                    self.send_header("Wechatpay-Nonce", nonce)
                    self.send_header("Wechatpay-Signature", base64.b64encode(signed).decode())
                    self.send_header("Wechatpay-Serial", KEY_ID)
                    self.send_header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                split = urlsplit(self.path)
                if split.path == "/h5pay/":
                    standin.h5_visits.append(
                        {"query": parse_qs(split.query), "referer": self.headers.get("Referer", "")}
                    )
                    page = (
                        "<!doctype html><title>WeChat Pay H5</title><h1 id=h5-cashier>微信支付</h1>".encode()
                    )
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                fields = dict(AUTH.findall(self.headers.get("Authorization", "")))
                message = f"{self.command}\n{self.path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{raw}\n"
                verified = (
                    self.headers.get("Authorization", "").startswith("WECHATPAY2-SHA256-RSA2048 ")
                    and fields.get("mchid") == MCHID
                    and verifies(standin.merchant_public_key, fields.get("signature", ""), message)
                )
                self.entry = {
                    "method": self.command,
                    "path": self.path,
                    "body": json.loads(raw) if raw else None,
                    "verified": verified,
                }
                standin.requests.append(self.entry)
                if not verified:
                    return self._answer(401, {"code": "SIGN_ERROR", "message": "签名错误"})
                if standin.failing or standin.fail_next:
                    standin.fail_next = False
                    return self._answer(500, {"code": "SYSTEM_ERROR", "message": "系统错误"})
                body = json.loads(raw) if raw else {}
                path = split.path
                if (self.command, path) in standin.answers:
                    return self._answer(*standin.answers[(self.command, path)])
                if self.command == "POST" and path == "/v3/pay/transactions/native":
                    return self._answer(
                        200, {"code_url": f"weixin://wxpay/bizpayurl?pr={uuid.uuid4().hex[:7]}"}
                    )
                if self.command == "POST" and path == "/v3/pay/transactions/h5":
                    prepay = "wx" + uuid.uuid4().hex[:24]
                    port = self.server.server_address[1]
                    return self._answer(
                        200,
                        {"h5_url": f"http://127.0.0.1:{port}/h5pay/?prepay_id={prepay}&package=2150917749"},
                    )
                if self.command == "POST" and path == "/v3/pay/transactions/jsapi":
                    return self._answer(200, {"prepay_id": "wx" + uuid.uuid4().hex[:30]})
                match = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)(/close)?", path)
                if match and self.command == "POST" and match.group(2):
                    return self._answer(204, None)
                if match and self.command == "GET":
                    order_no = match.group(1)
                    if order_no in standin.paid:
                        return self._answer(200, standin.paid[order_no])
                    return self._answer(
                        200,
                        {"mchid": MCHID, "appid": APPID, "out_trade_no": order_no, "trade_state": "NOTPAY"},
                    )
                return self._answer(
                    404, {"code": "NOT_FOUND", "message": f"no such path {path} ({len(body)} fields)"}
                )

            do_POST = do_GET = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def mark_paid(
        self, order, *, appid: str, trade_type: str, transaction_id: str = "4200001234202504"
    ) -> dict:
        """WeChat Pay now knows the order as paid (what the query answers)."""
        fen = int(order.total_amount * 100)
        self.paid[order.order_no] = {
            "mchid": MCHID,
            "appid": appid,
            "out_trade_no": order.order_no,
            "transaction_id": transaction_id,
            "trade_type": trade_type,
            "trade_state": "SUCCESS",
            "success_time": "2025-04-15T10:00:05+08:00",
            "amount": {"total": fen, "payer_total": fen, "currency": "CNY", "payer_currency": "CNY"},
        }
        return self.paid[order.order_no]

    def answer(self, method: str, path: str, status: int, payload: dict | None) -> None:
        """From now on `method path` (the path without its query) is answered so, signed as any answer."""
        self.answers[(method, path)] = (status, payload)

    def api_requests(self, path_prefix: str) -> list[dict]:
        return [r for r in self.requests if r["path"].startswith(path_prefix)]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

"""A stand-in for WeChat's servers on loopback: the project's real client (unionhub.lib.wechat, requests) talks to
it over HTTP. Tests set what it answers and read what it was asked."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

MINI_APPID, MINI_SECRET = "wx-mini-test", "mini-secret-test"
OFFICIAL_APPID, OFFICIAL_SECRET = "wx-official-test", "official-secret-test"
SESSION_KEY = "SESSION-KEY-MUST-NOT-LEAK"


class WeChatStandIn:
    def __init__(self):
        self.sessions: dict[str, dict] = {}  # js_code -> {"openid", "unionid"} or {"errcode", "errmsg"}
        self.oauth_codes: dict[str, str] = {}  # web OAuth code -> openid
        self.authorize_as = ""  # the openid of the WeChat user on the authorisation page (a browser test)
        self.token_delay = 0.0
        self.token_fetches = 0
        self.tokens: list[str] = []
        self.sent: list[dict] = []  # subscribe messages: {"access_token", "body"}
        self.send_answers: list[dict] = []  # answers for the next sends, else ok
        self.requests: list[str] = []
        self._lock = threading.Lock()

    def answer(self, method: str, path: str, query: dict, body: dict) -> dict:
        q = {k: v[0] for k, v in query.items()}
        self.requests.append(path)
        if path == "/sns/jscode2session":
            if (q.get("appid"), q.get("secret")) != (MINI_APPID, MINI_SECRET):
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            found = self.sessions.pop(q.get("js_code"), None)  # a code is good once
            if found is None:
                return {"errcode": 40029, "errmsg": "invalid code"}
            if "errcode" in found:
                return found
            return {"session_key": SESSION_KEY, **found}
        if path == "/connect/oauth2/authorize":  # the page WeChat shows: silent for snsapi_base, then back
            if q.get("appid") != OFFICIAL_APPID or q.get("scope") != "snsapi_base" or not self.authorize_as:
                return {"errcode": 10003, "errmsg": "redirect_uri domain mismatch"}
            code = f"web-code-{len(self.oauth_codes) + len(self.requests)}"
            self.oauth_codes[code] = self.authorize_as
            back = (
                q["redirect_uri"]
                + ("&" if "?" in q["redirect_uri"] else "?")
                + urlencode({"code": code, "state": q.get("state", "")})
            )
            return {"__redirect__": back}
        if path == "/sns/oauth2/access_token":
            if (q.get("appid"), q.get("secret")) != (OFFICIAL_APPID, OFFICIAL_SECRET):
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            openid = self.oauth_codes.pop(q.get("code"), None)
            if openid is None:
                return {"errcode": 40029, "errmsg": "invalid code"}
            return {"access_token": "WEB-AT", "expires_in": 7200, "openid": openid, "scope": "snsapi_base"}
        if path in ("/cgi-bin/stable_token", "/cgi-bin/token"):
            source = body if method == "POST" else q
            if (source.get("appid"), source.get("secret")) not in (
                (MINI_APPID, MINI_SECRET),
                (OFFICIAL_APPID, OFFICIAL_SECRET),
            ):
                return {"errcode": 40125, "errmsg": "invalid appsecret"}
            with self._lock:
                self.token_fetches += 1
                token = f"AT-{source['appid']}-{self.token_fetches}"
                self.tokens.append(token)
            time.sleep(self.token_delay)
            return {"access_token": token, "expires_in": 7200}
        if path == "/cgi-bin/message/subscribe/send":
            token = q.get("access_token", "")
            self.sent.append({"access_token": token, "body": body})
            if self.send_answers:
                return self.send_answers.pop(0)
            if token not in self.tokens:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            return {"errcode": 0, "errmsg": "ok", "msgid": 3000 + len(self.sent)}
        return {"errcode": 404, "errmsg": "no such API in the stand-in"}


def _handler(stand_in: WeChatStandIn):
    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            answer = stand_in.answer(self.command, url.path, parse_qs(url.query), body)
            if "__redirect__" in answer:
                self.send_response(302)
                self.send_header("Location", answer["__redirect__"])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            answer = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = _serve

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def wechat_server(settings):
    """The stand-in on 127.0.0.1, with the mini-program and the Official Account configured against it."""
    stand_in = WeChatStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand_in))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.UNIONHUB_WECHAT_API_BASE = base
    settings.UNIONHUB_WECHAT_OPEN_BASE = base
    settings.UNIONHUB_WECHAT_MINIPROGRAM_APPID = MINI_APPID
    settings.UNIONHUB_WECHAT_MINIPROGRAM_SECRET = MINI_SECRET
    settings.UNIONHUB_WECHAT_OFFICIAL_APPID = OFFICIAL_APPID
    settings.UNIONHUB_WECHAT_OFFICIAL_SECRET = OFFICIAL_SECRET
    stand_in.base = base
    yield stand_in
    server.shutdown()
    server.server_close()

"""OpenAPI generation (drf-spectacular) for our API style: serializers nested in their view, errors documented.

Every operation declares its error answers from the registry `unionhub.lib.errors.ERROR_CODES`: the codes of the
framework where they apply (login, body, rate limit, 404) and the codes its view lists with
`@error_codes(...)` (`unionhub.api`), each status with the shared body {"code", "detail"} whose `code` is an enum
of exactly those codes, their Chinese messages beside them; a 400 of an operation with a request body may also
be DRF's per-field lists (`FieldErrors`). Operations are grouped by who calls them (tags member, staff, provider).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_examples_list
from rest_framework.permissions import AllowAny

from unionhub.lib.api import declared_error_codes
from unionhub.lib.errors import ALL, AUTH, BODY, ERROR_CODES, PAGES, THROTTLED, VIEW, UnregisteredErrorCode

ERROR_STATUSES = ("400", "401", "403", "404", "409", "429", "503")
ERROR_DESCRIPTIONS = {
    "400": _("请求不正确或业务规则不允许"),
    "401": _("未登录或登录凭证无效"),
    "403": _("没有权限"),
    "404": _("不存在或不在权限范围内"),
    "409": _("当前状态不允许此操作"),
    "429": _("请求过于频繁"),
    "503": _("服务暂时不可用，请稍后再试"),
}
TAGS = [
    {
        "name": "member",
        "description": _("会员：小程序和手机页面调用的接口——注册、登录、本人资料、入会、转会、缴纳会费。"),
    },
    {
        "name": "staff",
        "description": _("工会工作人员：在本级及下级工会范围内审批申请、管理会籍、创建工会和账号。"),
    },
    {"name": "provider", "description": _("支付机构：沙箱和微信支付的服务器回调（签名验证后入账）。")},
    {"name": "system", "description": _("运维：健康检查。")},
]
AUDIENCES = {tag["name"] for tag in TAGS}
FIELD_ERRORS = {
    "type": "object",
    "description": "按字段列出的校验错误（DRF）：字段名 → 错误说明列表；non_field_errors 为整体错误。",
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"type": "string"}},
            # a list or a nested object's fields: index or name → its own errors
            {"$ref": "#/components/schemas/FieldErrors"},
        ]
    },
    "example": {"id_number": ["请确保这个字段不能超过 18 个字符。"]},
}


def error_code_table() -> str:
    rows = [f"| `{code}` | {entry.status} | {entry.message} |" for code, entry in sorted(ERROR_CODES.items())]
    return (
        "全部错误代码（code 的值永不改变；detail 为给用户看的说明）：\n\n| code | HTTP | 说明 |\n|---|---|---|\n"
        + ("\n".join(rows))
    )


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction):
        # "RegisterApi.InputSerializer" -> "RegisterApiInputSerializer": views may all call theirs InputSerializer.
        return type(serializer).__qualname__.replace(".", "")

    def get_summary(self):
        """A view's `api_summary` (Chinese; one string, or one per method) names the operation in the docs."""
        summary = getattr(self.view, "api_summary", None)
        if isinstance(summary, dict):
            summary = summary.get(self.method.lower())
        return str(summary) if summary else super().get_summary()

    def get_tags(self):
        audience = getattr(self.view, "api_audience", None)
        if isinstance(audience, dict):
            audience = audience.get(self.method.lower())
        if audience is None:
            permissions = self.view.get_permissions()
            if any(type(p).__name__ == "IsUnionStaff" for p in permissions):
                audience = ("staff",)
            elif self.path.startswith("/api/v1/payments/"):
                audience = ("provider",)
            else:
                audience = ("member",)
        unknown = set(audience) - AUDIENCES
        if unknown:
            raise ValueError(f"{type(self.view).__name__}.api_audience: unknown tags {sorted(unknown)}")
        return list(audience)

    # -- error answers -------------------------------------------------------------------------------------------
    def _needs_login(self) -> bool:
        return bool(self.view.get_authenticators()) and not all(
            isinstance(p, AllowAny) for p in self.view.get_permissions()
        )

    def _takes_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None

    def error_answers(self) -> dict[str, list[str]]:
        """status -> the codes this operation may answer, in registry order."""
        declared = declared_error_codes(self.view, self.method)
        for code in declared:
            if code not in ERROR_CODES:
                raise UnregisteredErrorCode(
                    code, f"declared on {type(self.view).__name__}.{self.method.lower()}"
                )
            if ERROR_CODES[code].where == PAGES:
                raise ValueError(
                    f"{code!r} is registered as a page-only code but {type(self.view).__name__} "
                    f"declares it: register it with where=VIEW in unionhub/errors.py"
                )
        applies = {
            ALL: True,
            AUTH: self._needs_login(),
            BODY: self._takes_body(),
            THROTTLED: bool(getattr(self.view, "throttle_classes", None)),
            VIEW: False,
            PAGES: False,
        }
        answers: dict[str, list[str]] = {}
        for code, entry in ERROR_CODES.items():
            if applies.get(entry.where, False) or code in declared:
                answers.setdefault(str(entry.status), []).append(code)
        return answers

    def _field_errors_ref(self) -> dict:
        component = ResolvedComponent(
            name="FieldErrors", type=ResolvedComponent.SCHEMA, object="FieldErrors", schema=FIELD_ERRORS
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _error_response(self, status: str, codes: list[str]) -> dict:
        messages = [str(ERROR_CODES[code].message) for code in codes]
        body = {
            "type": "object",
            "required": ["code", "detail"],
            "properties": {
                "code": {
                    "type": "string",
                    "enum": codes,
                    "x-enum-descriptions": messages,
                    "description": "错误代码（不随语言变化）",
                },
                "detail": {"type": "string", "description": "给用户看的说明（随 Accept-Language 翻译）"},
            },
        }
        if status == "400":  # a service's check of named fields: {"code": "invalid", "detail", "fields"}
            body["properties"]["fields"] = self._field_errors_ref()
        schema = body
        if status == "400" and self._takes_body():
            schema = {"anyOf": [body, self._field_errors_ref()]}
        lines = "\n".join(f"- `{code}`：{message}" for code, message in zip(codes, messages, strict=True))
        media = {"schema": schema}
        examples = [
            e
            for e in self.get_examples()
            if e.response_only and status in tuple(map(str, e.status_codes or ()))
        ]
        if examples:
            media["examples"] = build_examples_list(examples)
        return {
            "content": {"application/json": media},
            "description": f"{ERROR_DESCRIPTIONS[status]}。\n\n{lines}",
        }

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status, codes in self.error_answers().items():
            responses.setdefault(status, self._error_response(status, codes))
        return responses


def postprocess(result, generator, request, public):
    """Tags with their Chinese descriptions, and the whole code registry as the `ErrorCode` component."""
    result["tags"] = [{"name": tag["name"], "description": str(tag["description"])} for tag in TAGS]
    codes = sorted(ERROR_CODES)
    result.setdefault("components", {}).setdefault("schemas", {})["ErrorCode"] = {
        "type": "string",
        "enum": codes,
        "x-enum-descriptions": [str(ERROR_CODES[code].message) for code in codes],
        "description": error_code_table(),
    }
    return result

"""OpenAPI generation (drf-spectacular) for our API style: serializers nested in their view, errors documented."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.permissions import AllowAny

ERROR_BODY = {
    "type": "object",
    "description": '错误：{"code": "...", "detail": "..."}，或按字段列出的校验错误。',
    "additionalProperties": {},
}
ERROR_DESCRIPTIONS = {
    "400": "请求不正确或业务规则不允许",
    "401": "未登录",
    "403": "没有权限",
    "404": "不存在或不在权限范围内",
    "409": "当前状态不允许此操作",
    "429": "请求过于频繁",
}


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction):
        # "RegisterApi.InputSerializer" -> "RegisterApiInputSerializer": views may all call theirs InputSerializer.
        return type(serializer).__qualname__.replace(".", "")

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["400", "404"]
        if not any(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes += ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        if getattr(self.view, "throttle_classes", None):
            codes.append("429")
        for code in codes:
            responses.setdefault(code, {
                "content": {"application/json": {"schema": ERROR_BODY}}, "description": ERROR_DESCRIPTIONS[code],
            })
        return responses

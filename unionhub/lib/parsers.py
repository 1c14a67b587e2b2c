"""Request parsers that refuse what no view should see: JSON nested deeper than JSON_MAX_DEPTH, a JSON body that is
not an object, and text holding NUL or lone surrogates (which PostgreSQL and UTF-8 cannot store)."""

import json
import re

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import parsers

from unionhub.lib.errors import InvalidCharacters, MalformedBody

DEFAULT_MAX_DEPTH = 64
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def max_depth() -> int:
    return int(getattr(settings, "JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH))


def depth_exceeds(data, limit: int) -> bool:
    """Whether parsed JSON nests deeper than `limit` (walked with a stack, not recursion)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def unsafe_text(value: str) -> bool:
    return bool(_UNSAFE.search(value))


def check_text(data, where: str = "") -> None:
    """Raise InvalidCharacters if any key or string value of parsed data holds NUL or a lone surrogate; the answer
    names the field (its path, e.g. `committees.0.name`) so a client can point at it."""
    stack = [(data, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if unsafe_text(item):
                raise InvalidCharacters(path)
        elif isinstance(item, dict):
            for key, value in item.items():
                if unsafe_text(key):  # JSON object keys are always strings
                    raise InvalidCharacters(path or "body")
                stack.append((value, f"{path}.{key}" if path else key))
        elif isinstance(item, list | tuple):
            stack.extend((value, f"{path}.{i}" if path else str(i)) for i, value in enumerate(item))


class SafeJSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit, objects only, and text checked."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        too_deep = MalformedBody(gettext("JSON 嵌套层数超过 %(n)s 层。") % {"n": max_depth()})
        try:
            data = json.loads(raw.decode(settings.DEFAULT_CHARSET))
        except RecursionError:  # the decoder's own limit (about 1,000 levels): far beyond ours
            raise too_deep from None
        except ValueError as exc:
            raise MalformedBody() from exc
        if depth_exceeds(data, max_depth()):
            raise too_deep
        if not isinstance(data, dict):
            raise MalformedBody(gettext("请求内容应为 JSON 对象。"))
        check_text(data)
        return data


class SafeFormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_text({key: data.getlist(key) for key in data})
        return data


class SafeMultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        check_text({key: result.data.getlist(key) for key in result.data})
        check_text([upload.name or "" for upload in result.files.values()], where="files")
        return result

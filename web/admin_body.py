"""Reading an admin request's JSON body: known fields only, each of the right kind, or a 422 that
names the field — before anything is changed."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ticketing.errors import InvalidInput
from web.request_parsing import json_object


class Body:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    async def read(cls, request: web.Request, allowed: tuple[str, ...]) -> Body:
        data = await json_object(request)
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise InvalidInput(f"未知字段：{', '.join(unknown)}", code="unknown_fields", fields=unknown)
        return cls(data)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    @staticmethod
    def _bad(key: str, what: str) -> InvalidInput:
        return InvalidInput(f"字段 {key} {what}", code="invalid_fields", field=key)

    def text(self, key: str, *, required: bool = False, max_len: int = 100) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise InvalidInput(f"缺少字段：{key}", code="missing_field", field=key)
            return None
        if not isinstance(value, str) or len(value) > max_len or (required and not value.strip()):
            raise self._bad(
                key, f"须为不超过 {max_len} 字的非空文本" if required else f"须为不超过 {max_len} 字的文本"
            )
        return value.strip()

    def integer(self, key: str, *, required: bool = False) -> int | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise InvalidInput(f"缺少字段：{key}", code="missing_field", field=key)
            return None
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > 2**31:
            raise self._bad(key, "须为整数")
        return value

    def number(self, key: str, *, required: bool = False) -> float | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise InvalidInput(f"缺少字段：{key}", code="missing_field", field=key)
            return None
        if not isinstance(value, int | float) or isinstance(value, bool) or not -1e9 < value < 1e9:
            raise self._bad(key, "须为数字")
        return float(value)

    def flag(self, key: str, *, required: bool = False) -> bool | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise InvalidInput(f"缺少字段：{key}", code="missing_field", field=key)
            return None
        if not isinstance(value, bool):
            raise self._bad(key, "须为 true 或 false")
        return value

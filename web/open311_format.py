"""GeoReport v2 bodies in JSON and XML, and its error array.

The spec names the XML elements (`<services><service>`, `<service_requests><request>`,
`<errors><error>`); JSON carries the same fields. Both are UTF-8, XML with its declaration. Errors use
the spec's shape (`code` = the HTTP status, `description` = a message for people, here in Chinese)
plus `error_code`, our stable machine-readable code, which GeoReport clients simply ignore.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

from aiohttp import web

FORMATS = ("json", "xml")
JSON_TYPE = "application/json"
XML_TYPE = "text/xml"  # the content type the spec names for XML
# Element names of list items inside a list-valued field (service definition, discovery).
ITEM_NAMES = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}

Record = Mapping[str, Any]


class GeoReportError(Exception):
    """A failure answered as a GeoReport error array; `status` is also the array's `code`."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ElementTree.Element, name: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(name, "item")
        for inner in value:
            _append(element, item_name, inner)
    else:
        element.text = _text(value)


def to_xml(root: str, item: str | None, data: Record | Sequence[Record]) -> bytes:
    """`data` is a list of records (each an `item` element under `root`) or one record (`root` itself)."""
    element = ElementTree.Element(root)
    if isinstance(data, Mapping):
        for key, value in data.items():
            _append(element, key, value)
    else:
        for record in data:
            _append(element, item or "item", record)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)


def render(
    fmt: str, root: str, item: str | None, data: Record | Sequence[Record], *, status: int = 200
) -> web.Response:
    if fmt == "xml":
        body = to_xml(root, item, data)
        return web.Response(body=body, status=status, content_type=XML_TYPE, charset="utf-8")
    text = json.dumps(data, ensure_ascii=False)
    return web.Response(text=text, status=status, content_type=JSON_TYPE, charset="utf-8")


def error_response(fmt: str, error: GeoReportError) -> web.Response:
    # An unknown format cannot be answered in itself: JSON is the fallback.
    fmt = fmt if fmt in FORMATS else "json"
    record = {"code": error.status, "description": error.description, "error_code": error.code}
    return render(fmt, "errors", "error", [record], status=error.status)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise GeoReportError(404, "unknown_format", f"不支持的格式：{fmt}（可用：json、xml）")
    return fmt

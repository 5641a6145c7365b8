"""The OpenAPI document is valid and describes every JSON route the app serves."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from web.openapi import document

UNDOCUMENTED_PREFIXES = ("/open311/", "/api/openapi.json")


async def test_document_is_valid_and_complete(client):
    served = await (await client.get("/api/openapi.json")).json()
    validate(served)
    documented = {(path, method) for path, ops in served["paths"].items() for method in ops}
    for route in client.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method == "HEAD" or not (path.startswith("/api/") or path == "/healthz"):
            continue
        if path.startswith(UNDOCUMENTED_PREFIXES):
            continue
        path = re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", path)
        assert (path, route.method.lower()) in documented, f"{route.method} {path} is undocumented"
    assert document() == served

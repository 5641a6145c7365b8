"""The OpenAPI description of the 回访 calls (web.surveys_api); the review decision is the ticket
action "survey_review" (described with the other actions)."""

from __future__ import annotations

from typing import Any

from web.openapi import _body, _error, _json


def survey_paths() -> dict[str, Any]:
    ok = {"200": _json({"type": "object"}), "401": _error(), "403": _error()}
    return {
        "/api/surveys/callbacks": {
            "get": {"summary": "人工回访清单：未接通、未听清与到期的回访（话务员）", "responses": ok}
        },
        "/api/surveys/review": {
            "get": {"summary": "回访复核队列：未解决或不满意（市级平台）", "responses": ok}
        },
        "/api/surveys/{task_id}/answers": {
            "post": {
                "summary": "录入人工回访结果（话务员）",
                "parameters": [
                    {"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["resolved", "satisfaction"],
                        "properties": {
                            "resolved": {"type": "boolean"},
                            "satisfaction": {
                                "type": "string",
                                "enum": ["satisfied", "basically_satisfied", "unsatisfied"],
                            },
                        },
                    }
                ),
                "responses": {**ok, "404": _error(), "409": _error(), "422": _error()},
            }
        },
        "/api/citizens/callback-opt-out": {
            "put": {
                "summary": "市民是否接受回访（话务员登记）",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["phone", "opt_out"],
                        "properties": {"phone": {"type": "string"}, "opt_out": {"type": "boolean"}},
                    }
                ),
                "responses": {**ok, "422": _error()},
            }
        },
    }

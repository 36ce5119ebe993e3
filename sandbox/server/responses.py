"""The server's JSON answers, encoded by orjson: a page of 50 numbers spent a seventh of its
time in the json module (tests/bench_server.py). The bytes are what starlette's JSONResponse
sends (compact separators, UTF-8 unescaped), so the wire format does not change."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)

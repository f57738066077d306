"""The python-telegram-bot transport of the in-process Bot API: InProcessRequest.

This is the only module of bot.fakeapi that imports telegram. InProcessRequest is a
`telegram.request.BaseRequest` that hands PTB's requests to a BotAPICore instead of the network, and serves
file downloads from the core's uploads.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from telegram.request import BaseRequest, RequestData

from bot.telegram.fakeapi.core import BotAPICore
from bot.telegram.fakeapi.records import Upload


class InProcessRequest(BaseRequest):
    """A PTB request object that answers from a BotAPICore instead of the network.

    The URL is PTB's `base_url + token + "/" + method` (any base_url works); the token part must stay the same
    for the life of the object, as it would for one bot. File downloads (`base_file_url + token + "/" +
    file_path`) are served from the core's uploads.
    """

    def __init__(self, core: BotAPICore):
        self.core = core
        self._token_part: str | None = None

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        if method == "GET":
            upload = self._download(url)
            if upload is None:
                return 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
            return 200, upload.content
        head, _, api_method = url.rstrip("/").rpartition("/")
        token_part = head.rpartition("/")[2]
        if self._token_part is None:
            self._token_part = token_part
        if token_part != self._token_part:
            return 401, json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode()
        params: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        files: dict[str, Upload] = {}
        if request_data is not None and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                filename, content, mime_type = part
                if hasattr(content, "read"):
                    content = content.read()
                files[name] = Upload(filename or name, bytes(content), mime_type or "application/octet-stream")
        status, body = await self.core.call(api_method, params, files)
        return status, json.dumps(body).encode("utf-8")

    def _download(self, url: str) -> Upload | None:
        path = urlsplit(url).path
        for file_id in list(self.core.files):
            if path.endswith("/" + self.core.file_path(file_id)):
                return self.core.files[file_id]
        return None

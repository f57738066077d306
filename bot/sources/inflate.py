"""Bounded decoding of a response's Content-Encoding (gzip, x-gzip, deflate) for fetch.py.

A gzip bomb is why this is not simply zlib.decompress: 64 KB of network input can inflate to ~64 MB, so the
decoder is fed chunk by chunk and never asked for more than the room left under the caller's body cap.
"""

from __future__ import annotations

import zlib

__all__ = ["Inflater"]


class Inflater:
    """Decode a Content-Encoding in bounded steps: never produces more than `room` + 1 bytes per call."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._gzip = encoding in ("gzip", "x-gzip")
        self._z = zlib.decompressobj(31 if self._gzip else 15)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        out = bytearray()
        if not self._started and not self._gzip and data:
            # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate; sniff the header.
            self._started = True
            if len(data) < 2 or (data[0] & 0x0F) != 8 or ((data[0] << 8) | data[1]) % 31:
                self._z = zlib.decompressobj(-15)
        while data:
            out += self._z.decompress(data, room + 1 - len(out))
            if len(out) > room:
                break
            if self._z.eof:
                rest = self._z.unused_data
                if not (self._gzip and rest):
                    break  # trailing garbage after the stream is ignored, as browsers do
                self._z = zlib.decompressobj(31)  # the next member of a multi-member gzip file
                data = rest
            else:
                data = self._z.unconsumed_tail
        return bytes(out)

    def flush(self) -> bytes:
        return self._z.flush()

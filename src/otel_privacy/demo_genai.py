"""A local stand-in for the OpenAI API, for the GenAI example and tests: chat completions (plain, streamed, tool
calls) and embeddings.

Real HTTP on localhost, answering the way the OpenAI API does, so the real ``openai`` client and the real
instrumentations run unchanged against it without a key or a network. Its answers are fixed per request shape
and can carry planted values (``reply``, ``tool_arguments``), so a test can follow a value from a prompt or a
completion to the exported bytes.
"""

from __future__ import annotations

import base64
import json
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["OpenAIServer"]


class OpenAIServer:
    """``with OpenAIServer(reply=...) as server: OpenAI(base_url=server.base_url, api_key=...)``.

    Chat: when the request offers ``tools`` and its last message is not a tool result, the model "calls"
    the first tool with ``tool_arguments``; otherwise it answers ``reply``. Usage counts are derived from
    the request (words in, words out) so tests can check they arrive as the same integers.
    """

    def __init__(self, reply: str = "Hello!", tool_arguments: dict[str, Any] | None = None,
                 response_id: str = "chatcmpl-test-0001") -> None:
        self.reply = reply
        self.tool_arguments = tool_arguments or {}
        self.response_id = response_id
        self.requests: list[dict[str, Any]] = []
        self.usage: list[dict[str, int]] = []  # every usage block answered, in order
        self.api_keys: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                server.requests.append(body)
                server.api_keys.append(self.headers.get("Authorization", ""))
                path = self.path.split("?", 1)[0].rstrip("/")
                if path.endswith("/chat/completions"):
                    if body.get("stream"):
                        self._stream(server._chat_chunks(body))
                    else:
                        self._json(server._chat(body))
                elif path.endswith("/embeddings"):
                    self._json(server._embeddings(body))
                else:
                    self._json({"error": {"message": f"no route {path}", "type": "invalid_request_error"}}, 404)

            def _json(self, payload: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, chunks: list[dict[str, Any]]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in chunks:
                    self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    # -- answers ----------------------------------------------------------------------------------------
    @staticmethod
    def _words(messages: list[dict[str, Any]]) -> int:
        n = 0
        for m in messages:
            content = m.get("content")
            if isinstance(content, list):
                content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            n += len(str(content or "").split()) + 1
        return n

    def _wants_tool(self, body: dict[str, Any]) -> bool:
        messages = body.get("messages") or [{}]
        return bool(body.get("tools")) and messages[-1].get("role") != "tool"

    def _tool_call(self, body: dict[str, Any]) -> dict[str, Any]:
        name = body["tools"][0]["function"]["name"]
        return {"id": "call_test_0001", "type": "function",
                "function": {"name": name, "arguments": json.dumps(self.tool_arguments)}}

    def _chat(self, body: dict[str, Any]) -> dict[str, Any]:
        prompt = self._words(body.get("messages", []))
        if self._wants_tool(body):
            message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [self._tool_call(body)]}
            finish, completion = "tool_calls", 12
        else:
            message, finish, completion = {"role": "assistant", "content": self.reply}, "stop", len(
                self.reply.split())
        return {"id": self.response_id, "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", "test-model"), "system_fingerprint": "fp_test",
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": self._usage(prompt, completion)}

    def _usage(self, prompt: int, completion: int | None) -> dict[str, int]:
        usage = {"prompt_tokens": prompt, "total_tokens": prompt + (completion or 0)}
        if completion is not None:
            usage["completion_tokens"] = completion
        self.usage.append(usage)
        return usage

    def _chat_chunks(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        base = {"id": self.response_id, "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body.get("model", "test-model"), "system_fingerprint": "fp_test"}
        prompt = self._words(body.get("messages", []))
        chunks: list[dict[str, Any]] = [{**base, "choices": [
            {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
        if self._wants_tool(body):
            call = self._tool_call(body)
            args = call["function"]["arguments"]
            half = len(args) // 2
            chunks.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "id": call["id"], "type": "function",
                 "function": {"name": call["function"]["name"], "arguments": args[:half]}}]}, "finish_reason": None}]})
            chunks.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "function": {"arguments": args[half:]}}]}, "finish_reason": None}]})
            finish, completion = "tool_calls", 12
        else:
            words = self.reply.split(" ")
            for i, word in enumerate(words):
                piece = word if i == 0 else " " + word
                chunks.append({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
            finish, completion = "stop", len(words)
        chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({**base, "choices": [], "usage": self._usage(prompt, completion)})
        return chunks

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body.get("input")
        inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
        vectors = [[round(0.001 * (i + 1) * (k + 1), 6) for k in range(8)] for i in range(len(inputs))]
        if body.get("encoding_format") == "base64":  # what the openai client asks for by default: float32, LE
            encoded: list[Any] = [base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode() for v in vectors]
        else:
            encoded = vectors
        data = [{"object": "embedding", "index": i, "embedding": e} for i, e in enumerate(encoded)]
        tokens = sum(len(str(x).split()) for x in inputs)
        return {"object": "list", "data": data, "model": body.get("model", "test-embedding"),
                "usage": self._usage(tokens, None)}

    # -- lifecycle --------------------------------------------------------------------------------------
    def __enter__(self) -> OpenAIServer:
        threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._http.shutdown()
        self._http.server_close()

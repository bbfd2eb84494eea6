"""The local servers the cases talk to, each an ordinary small app of its framework on 127.0.0.1.

Every framework app serves the same four routes and behaves as services commonly do — which is how
request data reaches logs and errors in real code:

* ``GET  /users/<user_id>/profile`` — 200; sets ``enduser.id`` on the server span, logs the user id and the
  query string, and the request as
  ``%r`` (Werkzeug's ``<Request 'url' [GET]>``, Starlette's ``URL('…')``, Django's ``<WSGIRequest: …>``,
  aiohttp's ``<Request GET /path >``).
* ``POST /login`` (form) — 401; logs the framework's own form object (``login attempt %s``): Werkzeug's
  ``ImmutableMultiDict([(…), …])``, Starlette's ``FormData([…])``, Django's ``<QueryDict: {…}>``,
  aiohttp's ``<MultiDictProxy(…)>``.
* ``POST /orders`` (JSON) — logs the payload with ``json.dumps``, then raises ``ValueError`` with the
  card number in its message: a 500 with a traceback.
* ``GET  /search`` — 200; logs the framework's own headers object with ``%r`` (a debugging line
  services keep: ``EnvironHeaders([…])``, ``Headers({…})``, ``<CIMultiDictProxy(…)>``, Django's
  ``HttpHeaders``).

Every server writes its access log as it does by default, to the ``logging`` logger it uses (Werkzeug's
``werkzeug``, uvicorn's ``uvicorn.access`` with its own dictConfig off, aiohttp's ``aiohttp.access``
with its default format, Referer and User-Agent included), so request lines reach the logs bridge.
FastAPI's app logs request validation errors (422) with the handler its documentation shows. Django also
has a database (SQLite in memory) for the ORM/debug-SQL cases.

:class:`EchoServer` is an uninstrumented HTTP server for the client cases: it answers each path with
a scripted status, headers and redirect.
"""


import asyncio
import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("shop.api")


# -- an uninstrumented upstream for the HTTP client cases --------------------------------------------
class EchoServer:
    """``script(path, status, headers, body)``: what the next requests to ``path`` get (default 200, no
    headers, ``{"ok": true}``)."""

    def __init__(self) -> None:
        self.scripts: dict[str, tuple[int, dict[str, str], bytes]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status, headers, body = server.scripts.get(self.path.split("?", 1)[0], (200, {}, b'{"ok": true}'))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815 - http.server API

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def script(self, path: str, status: int = 200, headers: dict[str, str] | None = None,
               body: bytes = b'{"ok": true}') -> None:
        self.scripts[path] = (status, dict(headers or {}), body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- what every framework app does with a request -------------------------------------------------
def on_profile(user_id: str, query: str, request: Any) -> dict[str, Any]:
    from opentelemetry import trace

    trace.get_current_span().set_attribute("enduser.id", user_id)  # as the semantic conventions suggest
    log.info("profile view user=%s query=%s", user_id, query)
    log.info("handling %r", request)
    return {"user": user_id}


def on_login(form: Any) -> None:
    log.warning("login attempt %s", form)


def on_search(headers: Any) -> None:
    log.info("search request headers=%r", headers)


def on_order(payload: dict[str, Any]) -> None:
    log.info("order received: %s", json.dumps(payload))
    raise ValueError(f"payment declined for card {payload.get('card')}")


def _serve_wsgi(app: Any) -> tuple[str, Callable[[], None]]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


def flask_app() -> tuple[str, Callable[[], None]]:
    from flask import Flask, jsonify, request
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    app = Flask("shop")

    @app.get("/users/<user_id>/profile")
    def profile(user_id: str) -> Any:
        return jsonify(on_profile(user_id, request.query_string.decode(), request))

    @app.post("/login")
    def login() -> Any:
        on_login(request.form)
        return jsonify(error="invalid credentials"), 401

    @app.post("/orders")
    def orders() -> Any:
        on_order(request.get_json())
        return jsonify(ok=True)

    @app.get("/search")
    def search() -> Any:
        on_search(request.headers)
        return jsonify(results=[])

    FlaskInstrumentor().instrument_app(app)
    return _serve_wsgi(app)


def fastapi_app() -> tuple[str, Callable[[], None]]:
    import uvicorn
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from pydantic import BaseModel, Field

    class Signup(BaseModel):
        email: str
        password: str = Field(min_length=12)
        age: int

    app = FastAPI()

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        # the handler FastAPI's documentation shows for logging 422s: the errors' text, inputs included
        exc_str = f"{exc}".replace("\n", " ").replace("   ", " ")
        log.error(f"{request.method} {request.url.path}: {exc_str}")
        return JSONResponse({"status_code": 10422, "message": "invalid request", "data": None}, status_code=422)

    @app.get("/users/{user_id}/profile")
    async def profile(user_id: str, request: Request) -> Any:
        return on_profile(user_id, request.url.query, request.url)

    @app.post("/login")
    async def login(request: Request) -> Any:
        on_login(await request.form())
        return JSONResponse({"error": "invalid credentials"}, status_code=401)

    @app.post("/orders")
    async def orders(request: Request) -> Any:
        on_order(await request.json())

    @app.get("/search")
    async def search(request: Request) -> Any:
        on_search(request.headers)
        return {"results": []}

    @app.post("/signup")
    async def signup(body: Signup) -> Any:
        log.info("signup %r", body)
        raise RuntimeError(f"duplicate account: {body}")

    FastAPIInstrumentor.instrument_app(app)
    # log_config=None: uvicorn's own dictConfig would stop uvicorn.access from propagating to the bridge
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", log_config=None, lifespan="off")
    logging.getLogger("uvicorn.access").setLevel(logging.INFO)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]

    def stop() -> None:
        server.should_exit = True
        thread.join(10)
    return f"http://127.0.0.1:{port}", stop


def django_app() -> tuple[str, Callable[[], None]]:
    import sys
    import types

    import django
    from django.conf import settings
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    urls = types.ModuleType("realworld_django_urls")
    sys.modules[urls.__name__] = urls
    settings.configure(DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF=urls.__name__, SECRET_KEY="x" * 50,
                       MIDDLEWARE=["django.middleware.common.CommonMiddleware"], USE_TZ=True,
                       LOGGING_CONFIG=None, INSTALLED_APPS=[],
                       DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
    DjangoInstrumentor().instrument()
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import JsonResponse
    from django.urls import path

    def profile(request: Any, user_id: str) -> Any:
        return JsonResponse(on_profile(user_id, request.META.get("QUERY_STRING", ""), request))

    def login(request: Any) -> Any:
        on_login(request.POST)
        return JsonResponse({"error": "invalid credentials"}, status=401)

    def orders(request: Any) -> Any:
        on_order(json.loads(request.body))
        return JsonResponse({"ok": True})

    def search(request: Any) -> Any:
        on_search(request.headers)
        return JsonResponse({"results": []})

    from django.views.decorators.csrf import csrf_exempt
    urls.urlpatterns = [path("users/<str:user_id>/profile", profile), path("login", csrf_exempt(login)),
                        path("orders", csrf_exempt(orders)), path("search", search)]
    return _serve_wsgi(WSGIHandler())


def aiohttp_app() -> tuple[str, Callable[[], None]]:
    from aiohttp import web
    from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor

    AioHttpServerInstrumentor().instrument()

    async def profile(request: web.Request) -> web.Response:
        return web.json_response(on_profile(request.match_info["user_id"], request.query_string, request))

    async def login(request: web.Request) -> web.Response:
        on_login(await request.post())
        return web.json_response({"error": "invalid credentials"}, status=401)

    async def orders(request: web.Request) -> web.Response:
        on_order(await request.json())
        return web.json_response({"ok": True})

    async def search(request: web.Request) -> web.Response:
        on_search(request.headers)
        return web.json_response({"results": []})

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def start() -> None:
        app = web.Application()
        app.add_routes([web.get("/users/{user_id}/profile", profile), web.post("/login", login),
                        web.post("/orders", orders), web.get("/search", search)])
        runner = web.AppRunner(app)  # access log: aiohttp.access, default format
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        holder["runner"] = runner
        holder["port"] = site._server.sockets[0].getsockname()[1]
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait(20)

    def stop() -> None:
        asyncio.run_coroutine_threadsafe(holder["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
    return f"http://127.0.0.1:{holder['port']}", stop


# -- gRPC: a generic (codegen-free) service with bytes messages ------------------------------------------
GRPC_SERVICE = "shop.Accounts"


def grpc_server() -> tuple[str, Callable[[], None]]:
    from concurrent import futures

    import grpc

    def login(request: bytes, context: Any) -> bytes:
        metadata = dict(context.invocation_metadata())
        log.info("grpc login metadata=%s", metadata)
        body = json.loads(request)
        context.abort(grpc.StatusCode.UNAUTHENTICATED, f"invalid api key {metadata.get('x-api-key')} for "
                                                        f"{body.get('email')}")

    def lookup(request: bytes, context: Any) -> bytes:
        body = json.loads(request)
        raise KeyError(f"no account for {body.get('email')}")

    def profile(request: bytes, context: Any) -> bytes:
        # an auth interceptor's debug line: the metadata as gRPC hands it over, a tuple of _Metadatum(key, value)
        log.info("rpc %s metadata %r", "Profile", context.invocation_metadata())
        return b"{}"

    handler = grpc.method_handlers_generic_handler(GRPC_SERVICE, {
        "Login": grpc.unary_unary_rpc_method_handler(login),
        "Lookup": grpc.unary_unary_rpc_method_handler(lookup),
        "Profile": grpc.unary_unary_rpc_method_handler(profile)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return f"127.0.0.1:{port}", lambda: server.stop(0)

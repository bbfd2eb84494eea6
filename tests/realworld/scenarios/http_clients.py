"""HTTP clients through their official instrumentations: requests, urllib3, urllib.request, httpx (sync and
async), aiohttp. Secrets in userinfo, query strings, paths, captured request/response headers (standard
and vendor), redirects, and error messages that carry the URL. The upstream is the uninstrumented
:class:`~realworld.servers.EchoServer`, addressed as ``localhost`` so the host must survive."""

from __future__ import annotations

import asyncio
import base64
import socket

from ..canaries import Secret, canary, password, token
from ..cases import METHOD, STATUS, case, keep


def closed_port() -> int:
    """A port nothing listens on (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def basic(user: str, pw: Secret) -> Secret:
    """The ``Authorization: Basic`` credential a client builds from userinfo or ``auth=``."""
    value = base64.b64encode(f"{user}:{pw.value}".encode()).decode()
    return Secret(value, (value.rstrip("="),), "basic")


def _url(env, path: str) -> str:
    return f"http://localhost:{env.echo.port}{path}"


# -- requests -------------------------------------------------------------------------------------
REQ_PW = password("requests.userinfo")


@case("requests.userinfo", library="requests", where="password in the URL's userinfo (requests sends it as "
      "Authorization: Basic, captured as a request header)", secrets=[basic("deploy", REQ_PW)],
      keeps=keep("/api/v1/ping", "localhost", attrs={METHOD: "GET", STATUS: 200}))
def _(env):
    import requests

    requests.get(f"http://deploy:{REQ_PW}@localhost:{env.echo.port}/api/v1/ping", timeout=5)


REQ_KEY, REQ_MAIL = token("requests.query.key"), canary("email_ascii", "requests.query")


@case("requests.query", library="requests", where="api_key and email in params= (query string)",
      secrets=[REQ_KEY, REQ_MAIL], keeps=keep("/api/v2/customers", "page", attrs={STATUS: 200}))
def _(env):
    import requests

    requests.get(_url(env, "/api/v2/customers"), params={"api_key": REQ_KEY.value, "email": REQ_MAIL.value,
                                                         "page": 2}, timeout=5)


REQ_JWT = canary("jwt", "requests.bearer")
REQ_COOKIE = token("requests.cookie")


@case("requests.headers", library="requests", where="Authorization: Bearer <JWT> and Cookie request headers "
      "(captured with OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST)", secrets=[REQ_JWT, REQ_COOKIE],
      keeps=keep("/api/v1/me", attrs={STATUS: 200}))
def _(env):
    import requests

    requests.get(_url(env, "/api/v1/me"), headers={"Authorization": f"Bearer {REQ_JWT}"},
                 cookies={"sessionid": REQ_COOKIE.value}, timeout=5)


VENDOR = {"X-Shopify-Access-Token": canary("token_shopify", "vendor"),
          "Ocp-Apim-Subscription-Key": token("vendor.apim"),
          "X-Goog-Api-Key": canary("token_google_api", "vendor"),
          "X-Gitlab-Token": canary("token_gitlab_pat", "vendor"),
          "X-Auth-Token": token("vendor.xauth"),
          "Private-Token": token("vendor.private"),
          "DD-API-KEY": token("vendor.dd"),
          "X-Functions-Key": token("vendor.functions")}


@case("requests.vendor_headers", library="requests", where="vendor credential headers (Shopify, Azure APIM, "
      "Google, GitLab, X-Auth-Token, Private-Token, Datadog, Azure Functions) captured as request headers",
      secrets=list(VENDOR.values()), keeps=keep(attrs={STATUS: 200}))
def _(env):
    import requests

    requests.post(_url(env, "/admin/api/products.json"), json={"title": "mug"},
                  headers={k: v.value for k, v in VENDOR.items()}, timeout=5)


RESET = token("requests.path.reset", 40)
PATH_MAIL = canary("email_ascii", "requests.path")


@case("requests.path", library="requests", where="a password-reset token and an e-mail as URL path segments",
      secrets=[RESET, PATH_MAIL], keeps=keep("/api/v1/password-reset/", "/orders", attrs={STATUS: 200}))
def _(env):
    import requests

    requests.get(_url(env, f"/api/v1/password-reset/{RESET}"), timeout=5)
    requests.get(_url(env, f"/api/v1/users/{PATH_MAIL}/orders"), timeout=5)


OAUTH_CODE, OAUTH_SET = token("redirect.code", 24), token("redirect.session", 32)


@case("requests.redirect", library="requests", where="OAuth code in a 302's Location and a session in its "
      "Set-Cookie (response headers captured; allow_redirects=False, as OAuth clients do)",
      secrets=[OAUTH_CODE, OAUTH_SET], keeps=keep("/oauth/authorize", attrs={STATUS: 302}))
def _(env):
    import requests

    env.echo.script("/oauth/authorize", 302, {"Location": f"/oauth/callback?code={OAUTH_CODE}&state=xyz",
                                              "Set-Cookie": f"session={OAUTH_SET}; Path=/; HttpOnly"})
    requests.get(_url(env, "/oauth/authorize"), timeout=5, allow_redirects=False)


CONN_TOKEN = token("requests.connection_error")


@case("requests.connection_error", library="requests", where="access_token in the query of a request that "
      "fails to connect: requests.ConnectionError's message repeats the URL (span exception + logger.exception)",
      secrets=[CONN_TOKEN], keeps=keep("ConnectionError", "/api/export"))
def _(env):
    import requests

    try:
        requests.get(f"http://localhost:{closed_port()}/api/export?access_token={CONN_TOKEN}&format=csv",
                     timeout=2)
    except requests.ConnectionError:
        env.log.exception("export failed")


HTTPERR_TOKEN = token("requests.http_error")


@case("requests.http_error", library="requests", where="token in the query of a request answered 500: "
      "raise_for_status()'s HTTPError message has the full URL (span exception + logger.exception)",
      secrets=[HTTPERR_TOKEN], keeps=keep("HTTPError", "/api/reports", attrs={STATUS: 500}))
def _(env):
    import requests

    env.echo.script("/api/reports", 500)
    try:
        requests.get(_url(env, f"/api/reports?token={HTTPERR_TOKEN}"), timeout=5).raise_for_status()
    except requests.HTTPError as exc:
        env.log.exception("report download failed: %s", exc)


# -- urllib3, urllib.request ------------------------------------------------------------------------
U3_KEY, U3_SIG = token("urllib3.key"), token("urllib3.sig", 64)


@case("urllib3.query_headers", library="urllib3", where="X-Api-Key header and a signature in the query",
      secrets=[U3_KEY, U3_SIG], keeps=keep("/v1/objects", attrs={METHOD: "PUT", STATUS: 200}))
def _(env):
    import urllib3

    with urllib3.PoolManager() as pool:
        pool.request("PUT", _url(env, f"/v1/objects/report.csv?sig={U3_SIG}&expires=1700000000"),
                     body=b"a,b", headers={"X-Api-Key": U3_KEY.value})


UL_TOKEN, UL_PW = canary("token_github", "urllib"), password("urllib.basic")


@case("urllib.request", library="urllib.request", where="a GitHub token in Authorization: token <…>, "
      "Basic credentials added by HTTPBasicAuthHandler-style code, and an HTTPError logged with its URL",
      secrets=[UL_TOKEN, basic("ci", UL_PW)], keeps=keep("/repos/acme/shop", attrs={STATUS: 404}))
def _(env):
    import urllib.error
    import urllib.request

    env.echo.script("/repos/acme/shop/hooks", 404)
    req = urllib.request.Request(_url(env, "/repos/acme/shop/hooks"),
                                 headers={"Authorization": f"token {UL_TOKEN}"})
    try:
        urllib.request.urlopen(req, timeout=5)
    except urllib.error.HTTPError as exc:
        env.log.warning("GitHub call failed: %s %s", exc, exc.headers)
    basic_req = urllib.request.Request(_url(env, "/repos/acme/shop"),
                                       headers={"Authorization": f"Basic {basic('ci', UL_PW)}"})
    urllib.request.urlopen(basic_req, timeout=5).read()


# -- httpx ---------------------------------------------------------------------------------------
HX_PW, HX_STRIPE = password("httpx.auth"), canary("token_stripe", "httpx")


@case("httpx.sync", library="httpx", where="auth=(user, password) (Basic header), a Stripe key in params=",
      secrets=[basic("billing", HX_PW), HX_STRIPE], keeps=keep("/v1/charges", attrs={METHOD: "POST", STATUS: 200}))
def _(env):
    import httpx

    with httpx.Client(base_url=f"http://localhost:{env.echo.port}", auth=("billing", HX_PW.value)) as client:
        client.post("/v1/charges", params={"key": HX_STRIPE.value}, data={"amount": "1200"})


HX_SLACK, HX_ERR = canary("token_slack_bot", "httpx.async"), token("httpx.status_error")


@case("httpx.async", library="httpx", where="a Slack bot token as Bearer in an AsyncClient, and "
      "HTTPStatusError (its message has the URL with access_token) logged with logger.exception",
      secrets=[HX_SLACK, HX_ERR], keeps=keep("/api/chat.postMessage", "HTTPStatusError", attrs={STATUS: 403}))
def _(env):
    import httpx

    env.echo.script("/api/users.info", 403)

    async def run() -> None:
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {HX_SLACK}"}) as client:
            await client.post(_url(env, "/api/chat.postMessage"), json={"channel": "C1", "text": "deployed"})
            r = await client.get(_url(env, f"/api/users.info?access_token={HX_ERR}"))
            try:
                r.raise_for_status()
            except httpx.HTTPStatusError:
                env.log.exception("slack lookup failed")

    asyncio.run(run())


AIO_KEY, AIO_PW, AIO_MAIL = canary("token_sendgrid", "aiohttp"), password("aiohttp.basic"), \
    canary("email_ascii", "aiohttp.client")


@case("aiohttp.client", library="aiohttp", where="a SendGrid key as Bearer, an e-mail in params= (BasicAuth "
      "is added after the instrumentation's hook: not captured)", secrets=[AIO_KEY, AIO_MAIL],
      keeps=keep("/v3/mail/send", attrs={METHOD: "POST", STATUS: 200}))
def _(env):
    import aiohttp

    async def run() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(_url(env, "/v3/mail/send"), params={"to": AIO_MAIL.value},
                                    headers={"Authorization": f"Bearer {AIO_KEY}"}, json={"subject": "hi"}) as r:
                await r.read()
            async with session.get(_url(env, "/v3/user/profile"),
                                   auth=aiohttp.BasicAuth("mailer", AIO_PW.value)) as r:
                await r.read()

    asyncio.run(run())

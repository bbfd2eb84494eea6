"""What services write when someone turns logging up, and the error texts that echo their input: urllib3's
and botocore's DEBUG loggers, Django's SQL debug log, structlog's logfmt and console renderers, access
logs (Werkzeug, uvicorn, aiohttp, gunicorn's format), an OAuth token exchange logged for debugging,
``subprocess.CalledProcessError`` with the command line, and requests' errors that repeat a URL with
userinfo or a header value. Each is the library's own text: the cases only switch the logger on."""

from __future__ import annotations

import base64
import contextlib
import json
import logging

from ..canaries import Secret, canary, password, token
from ..cases import STATUS, case, keep
from .http_clients import basic, closed_port


@contextlib.contextmanager
def debug(*loggers: str):
    """Turn ``loggers`` up to DEBUG for the block, as ``logging.getLogger(name).setLevel(DEBUG)`` does."""
    saved = [(lg, lg.level) for lg in map(logging.getLogger, loggers)]
    for lg, _ in saved:
        lg.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for lg, level in saved:
            lg.setLevel(level)


# -- HTTP client debug logging ---------------------------------------------------------------------------
U3D_TOKEN, U3D_MAIL = token("urllib3.debug"), canary("email_ascii", "urllib3.debug")


@case("urllib3.debug_log", library="urllib3", where="requests with the urllib3 logger at DEBUG (the classic "
      "'how do I see my requests' switch): its request line '\"GET /path?query HTTP/1.1\" 200 n' has the query",
      secrets=[U3D_TOKEN, U3D_MAIL], keeps=keep("Starting new HTTP connection", "/api/export", "HTTP/1.1"))
def _(env):
    import requests

    with debug("urllib3"):
        requests.get(f"http://localhost:{env.echo.port}/api/export", timeout=5,
                     params={"access_token": U3D_TOKEN.value, "notify": U3D_MAIL.value, "format": "csv"})


BCD_KEY, BCD_SESSION = canary("token_aws_key_id", "botocore.debug"), token("botocore.debug.session", 64)
BCD_CARD = canary("card_visa", "botocore.debug")


@case("botocore.debug_log", library="botocore", where="boto's DEBUG logging (botocore.endpoint, .auth, "
      "parsers, as boto3.set_stream_logger('botocore') does) on a DynamoDB put_item: the request dict with the "
      "JSON body (a card number), the canonical request with x-amz-security-token, the prepared request's "
      "Authorization (Credential=<access key id>/…) and X-Amz-Security-Token headers",
      secrets=[BCD_KEY, BCD_SESSION, BCD_CARD],
      keeps=keep("OperationModel(name=PutItem)", "aws4_request", "x-amz-date", "payments"))
def _(env):
    import botocore.session

    ddb = botocore.session.get_session().create_client(
        "dynamodb", region_name="eu-west-1", aws_access_key_id=BCD_KEY.value,
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", aws_session_token=BCD_SESSION.value,
        endpoint_url=f"http://localhost:{env.echo.port}")
    with debug("botocore.endpoint", "botocore.auth", "botocore.parsers"):
        ddb.put_item(TableName="payments", Item={"order_id": {"S": "o-1001"}, "card": {"S": BCD_CARD.value}})


# -- Django's SQL debug log ------------------------------------------------------------------------------
DJ_MAIL, DJ_TOKEN = canary("email_ascii", "django.sql"), token("django.sql")


@contextlib.contextmanager
def django_debug_cursor():
    """A cursor whose statements Django logs (``force_debug_cursor``, as DEBUG=True does), the logger at DEBUG."""
    from django.db import connection

    connection.force_debug_cursor = True
    try:
        with debug("django.db.backends"), connection.cursor() as cur:
            yield cur
    finally:
        connection.force_debug_cursor = False


@case("django.db_debug_log", library="django", where="the django.db.backends logger at DEBUG (DEBUG=True, "
      "or force_debug_cursor): '(0.000) <SQL with the parameters quoted in>; args=(…); alias=default', "
      "and the record's extra sql/params", secrets=[DJ_MAIL, DJ_TOKEN],
      keeps=keep("dj_reset_tokens", "alias=default"))
def _(env):
    with django_debug_cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS dj_reset_tokens (email text, token text)")
        cur.execute("INSERT INTO dj_reset_tokens (email, token) VALUES (%s, %s)", [DJ_MAIL.value, DJ_TOKEN.value])


DJM_MAIL, DJM_CODE, DJM_CODE2 = canary("email_ascii", "django.sql.many"), token("django.sql.many"), \
    token("django.sql.many.2")


@case("django.db_debug_log_many", library="django", where="the django.db.backends logger at DEBUG on "
      "executemany: '(0.000) <SQL with placeholders>; args=[[…], […]]; alias=default' (a statement without "
      "literals, its rows after it; the extra 'params', a list of lists, is no attribute value the logging bridge "
      "exports)", secrets=[DJM_MAIL, DJM_CODE, DJM_CODE2],
      keeps=keep("dj_invites", "alias=default"))
def _(env):
    with django_debug_cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS dj_invites (email text, code text)")
        cur.executemany("INSERT INTO dj_invites (email, code) VALUES (%s, %s)",
                        [[DJM_MAIL.value, DJM_CODE.value], ["ops@example.org", DJM_CODE2.value]])


# -- structlog's text renderers ----------------------------------------------------------------------------
SLK_PW, SLK_KEY, SLK_MAIL = password("structlog.kv"), token("structlog.kv"), canary("email_ascii", "structlog.kv")


@case("structlog.logfmt_console", library="structlog", where="structlog's LogfmtRenderer and "
      "ConsoleRenderer(colors=False) through stdlib logging: key=value lines with password, api_key, email",
      secrets=[SLK_PW, SLK_KEY, SLK_MAIL], keeps=keep("login_failed", "request_id=r-7731"))
def _(env):
    import structlog

    for renderer in (structlog.processors.LogfmtRenderer(), structlog.dev.ConsoleRenderer(colors=False)):
        structlog.configure(processors=[renderer], logger_factory=structlog.stdlib.LoggerFactory(),
                            cache_logger_on_first_use=False)
        structlog.get_logger("shop.auth").warning("login_failed", email=SLK_MAIL.value, password=SLK_PW.value,
                                                  api_key=SLK_KEY.value, request_id="r-7731")


# -- access logs -----------------------------------------------------------------------------------------
def _access_case(fw: str) -> None:
    reset, mail = token(f"{fw}.access.reset"), canary("email_ascii", f"{fw}.access")

    @case(f"{fw}.access_log", library=fw, where="the server's access log line: a reset token in the query "
          "string, an e-mail in the Referer's query (aiohttp's default format logs the Referer)",
          secrets=[reset, mail], keeps=keep("/users/", "/profile", attrs={STATUS: 200}))  # (the id is templated in text too)
    def _(env):
        import requests

        requests.get(f"{getattr(env, fw)}/users/42/profile?reset_token={reset}&utm_source=mail", timeout=10,
                     headers={"Referer": f"https://mail.example.com/open?email={mail}"})


for _fw in ("flask", "fastapi", "django", "aiohttp"):
    _access_case(_fw)


GU_PW, GU_TOKEN = password("gunicorn.access"), token("gunicorn.access")
GU_MAIL = canary("email_ascii", "gunicorn.access")


@case("gunicorn.access_log", library="gunicorn", where="gunicorn's own access logger (glogging.Logger.access, "
      "default access_log_format) propagated to the bridge, for a request with Basic auth (gunicorn logs the "
      "user name: an e-mail), a token in the query and a Referer", secrets=[GU_TOKEN, GU_MAIL],
      keeps=keep('"GET /api/v1/invoices', "HTTP/1.1\" 200", "curl/8.5.0"))
def _(env):
    import datetime

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    cfg = Config()
    cfg.set("accesslog", "-")
    glog = Logger(cfg)
    access = logging.getLogger("gunicorn.access")
    access.handlers.clear()  # its stdout handler: the record goes to the logs bridge instead
    access.propagate = True

    class Response:
        status, status_code, response_length, sent = "200 OK", 200, 512, 512
        headers = [("Content-Type", "application/json")]

    class Request:
        headers = [("USER-AGENT", "curl/8.5.0")]

    credential = base64.b64encode(f"{GU_MAIL}:{GU_PW}".encode()).decode()
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/api/v1/invoices?token={GU_TOKEN}&page=2",
               "PATH_INFO": "/api/v1/invoices", "QUERY_STRING": f"token={GU_TOKEN}&page=2",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "203.0.113.77", "HTTP_USER_AGENT": "curl/8.5.0",
               "HTTP_AUTHORIZATION": f"Basic {credential}",
               "HTTP_REFERER": f"https://billing.example.com/invoices?token={GU_TOKEN}"}
    glog.access(Response(), Request(), environ, datetime.timedelta(milliseconds=12))


# -- an OAuth token exchange logged for debugging ------------------------------------------------------------
OA_CODE, OA_SECRET = token("oauth.code", 40), token("oauth.client_secret", 28)
OA_ACCESS, OA_REFRESH = canary("token_google_oauth", "oauth.access"), token("oauth.refresh", 48)


@case("oauth.token_exchange", library="requests", where="an authorization-code exchange (form body with code "
      "and client_secret) and its JSON answer (access_token, refresh_token), both logged while debugging a "
      "login integration: r.request.body and r.json()", secrets=[OA_CODE, OA_SECRET, OA_ACCESS, OA_REFRESH],
      keeps=keep("grant_type=authorization_code", "'expires_in': 3599", "'token_type': 'Bearer'",
                 "token_type=Bearer expires_in=3599", "openid email"))
def _(env):
    import requests

    env.echo.script("/oauth2/token", 200, body=json.dumps({
        "access_token": OA_ACCESS.value, "refresh_token": OA_REFRESH.value, "expires_in": 3599,
        "token_type": "Bearer", "scope": "openid email"}).encode())
    r = requests.post(f"http://localhost:{env.echo.port}/oauth2/token", timeout=5, data={
        "grant_type": "authorization_code", "code": OA_CODE.value, "client_id": "shop-web",
        "client_secret": OA_SECRET.value, "redirect_uri": "https://shop.example/auth/callback"})
    env.log.info("token request body=%s", r.request.body)
    env.log.info("token response %s", r.json())
    answer = r.json()
    env.log.info("token obtained token_type=%s expires_in=%s", answer["token_type"], answer["expires_in"])


# -- error texts that repeat their input ---------------------------------------------------------------------
SP_DSN_PW, SP_MYSQL_PW, SP_BEARER = password("subprocess.dsn"), password("subprocess.mysql"), \
    token("subprocess.bearer")
SP_CURL_PW, SP_DOCKER_PW = password("subprocess.curl"), password("subprocess.docker")


@case("subprocess.called_process_error", library="subprocess", where="CalledProcessError of backup and export "
      "commands (pg_dump with a DSN, mysqldump -p<password>, curl -H 'Authorization: Bearer …', curl -u "
      "user:password, docker login -p <password>), logged with logger.exception: its message is the argv list",
      secrets=[SP_DSN_PW, SP_MYSQL_PW, SP_BEARER, SP_CURL_PW, SP_DOCKER_PW],
      keeps=keep("pg_dump", "mysqldump", "returned non-zero exit status 1", "db.internal"))
def _(env):
    import shutil
    import subprocess

    false = shutil.which("false") or "/bin/false"
    for argv in (["pg_dump", f"--dbname=postgresql://backup:{SP_DSN_PW}@db.internal:5432/shop", "--format=custom"],
                 ["mysqldump", "-h", "db.internal", "-u", "root", f"-p{SP_MYSQL_PW}", "shop"],
                 ["curl", "-sf", "-H", f"Authorization: Bearer {SP_BEARER}", "https://api.example.com/v1/export"],
                 ["curl", "-sf", "-u", f"deploy:{SP_CURL_PW}", "https://ci.example.com/job/build"],
                 ["docker", "login", "-u", "bot", "-p", SP_DOCKER_PW.value, "registry.example.com"]):
        try:
            subprocess.run(argv, executable=false, check=True)
        except subprocess.CalledProcessError:
            env.log.exception("backup step %s failed", argv[0])


RQU_PW = password("requests.http_error_userinfo")


@case("requests.http_error_userinfo", library="requests", where="a deploy hook called with credentials in the "
      "URL and answered 500: raise_for_status()'s message repeats the URL, userinfo included",
      secrets=[RQU_PW, basic("ci", RQU_PW)], keeps=keep("HTTPError", "/hooks/deploy", attrs={STATUS: 500}))
def _(env):
    import requests

    env.echo.script("/hooks/deploy", 500)
    try:
        requests.post(f"http://ci:{RQU_PW}@localhost:{env.echo.port}/hooks/deploy?env=prod", timeout=5
                      ).raise_for_status()
    except requests.HTTPError:
        env.log.exception("deploy hook failed")


RQH_KEY, RQH_GH = token("requests.invalid_header"), canary("token_github", "requests.invalid_header")


@case("requests.invalid_header", library="requests", where="credentials read from files with their trailing "
      "newline: InvalidHeader repeats the header value (without its name) — an X-Api-Key and a Bearer token",
      secrets=[RQH_KEY, RQH_GH], keeps=keep("InvalidHeader", "return character(s) in header value"))
def _(env):
    import requests

    for headers in ({"X-Api-Key": f"{RQH_KEY}\n"}, {"Authorization": f"Bearer {RQH_GH}\n"}):
        try:
            requests.get(f"http://localhost:{closed_port()}/v1/me", headers=headers, timeout=2)
        except requests.exceptions.InvalidHeader:
            env.log.exception("profile call failed")



U3R_KEY, U3R_MAIL = token("urllib3.retry"), canary("email_ascii", "urllib3.retry")


@case("urllib3.retry_warning", library="urllib3", where="a Session with HTTPAdapter(max_retries=Retry(…)) to a "
      "host that refuses: urllib3's WARNING 'Retrying (Retry(…)) after connection broken by …: /path?query' "
      "(logged without any debug switch) and the final ConnectionError", secrets=[U3R_KEY, U3R_MAIL],
      keeps=keep("Retrying (Retry(total=0", "/api/sync"))
def _(env):
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(max_retries=Retry(total=1, backoff_factor=0)))
        try:
            session.get(f"http://localhost:{closed_port()}/api/sync", timeout=2,
                        params={"api_key": U3R_KEY.value, "owner": U3R_MAIL.value, "since": "2024-05-01"})
        except requests.ConnectionError:
            env.log.exception("sync failed")


AIE_KEY, AIE_JWT = token("aiohttp.response_error"), canary("jwt", "aiohttp.response_error")


@case("aiohttp.client_response_error", library="aiohttp", where="raise_for_status() on a 401: "
      "ClientResponseError's repr (RequestInfo with url=URL('…?api_key=…') and the request headers, a Bearer "
      "JWT among them) logged with %r", secrets=[AIE_KEY, AIE_JWT],
      keeps=keep("ClientResponseError", "status=401", "/v1/charges"))
def _(env):
    import asyncio

    import aiohttp

    env.echo.script("/v1/charges", 401)

    async def call() -> None:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {AIE_JWT}"}) as session:
            try:
                async with session.get(f"http://localhost:{env.echo.port}/v1/charges",
                                       params={"api_key": AIE_KEY.value}) as r:
                    r.raise_for_status()
            except aiohttp.ClientResponseError as exc:
                env.log.error("charge lookup failed: %r", exc)

    asyncio.run(call())


SOAP_PW, SOAP_KEY, SOAP_CARD = password("soap"), token("soap.key"), canary("card_mastercard", "soap")


@case("soap.envelope_logged", library="xml.etree", where="a SOAP envelope built with ElementTree and logged the "
      "way zeep's transport logger does ('HTTP Post to <url>:\\n<envelope>'): WS-Security "
      "<wsse:Password>, an <apiKey> element and a <cardNumber>", secrets=[SOAP_PW, SOAP_KEY, SOAP_CARD],
      # (<wsse:Username> is read by its name now: an identity, pseudonymised like a "username" JSON key)
      keeps=keep("HTTP Post to", "AuthorizePayment"))
def _(env):
    import xml.etree.ElementTree as ET

    soap, wsse = "http://schemas.xmlsoap.org/soap/envelope/", \
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    ET.register_namespace("soapenv", soap)
    ET.register_namespace("wsse", wsse)
    envelope = ET.Element(f"{{{soap}}}Envelope")
    token_el = ET.SubElement(ET.SubElement(ET.SubElement(envelope, f"{{{soap}}}Header"), f"{{{wsse}}}Security"),
                             f"{{{wsse}}}UsernameToken")
    ET.SubElement(token_el, f"{{{wsse}}}Username").text = "svc-shop"
    ET.SubElement(token_el, f"{{{wsse}}}Password", Type="PasswordText").text = SOAP_PW.value
    call = ET.SubElement(ET.SubElement(envelope, f"{{{soap}}}Body"), "AuthorizePayment")
    ET.SubElement(call, "apiKey").text = SOAP_KEY.value
    ET.SubElement(call, "cardNumber").text = SOAP_CARD.value
    ET.SubElement(call, "amount").text = "12.99"
    env.log.info("HTTP Post to %s:\n%s", "https://payments.example.com/soap", ET.tostring(envelope).decode())


HC_KEY, HC_PW = token("http.client.debug"), password("http.client.debug")
HC_MAIL = canary("email_ascii", "http.client.debug")


@case("http.client.debuglevel", library="http.client", where="http.client.HTTPConnection.debuglevel = 1 under "
      "requests: the 'send: b'…'' / 'header: …' lines it prints, shipped as log lines (a container's stdout) — "
      "an X-Api-Key header and a urlencoded login body inside a bytes repr with \\r\\n escapes",
      secrets=[HC_KEY, HC_PW, HC_MAIL], keeps=keep("send: b'POST /session HTTP/1.1", "Content-Type: application/x-www-form-urlencoded"))
def _(env):
    import contextlib
    import http.client
    import io

    import requests

    out = io.StringIO()
    http.client.HTTPConnection.debuglevel = 1
    try:
        with contextlib.redirect_stdout(out):
            requests.post(f"http://localhost:{env.echo.port}/session", timeout=5, headers={"X-Api-Key": HC_KEY.value},
                          data={"username": HC_MAIL.value, "password": HC_PW.value})
    finally:
        http.client.HTTPConnection.debuglevel = 0
    for line in out.getvalue().splitlines():
        logging.getLogger("stdout").info(line)


SMTP_USER, SMTP_PW = canary("email_ascii", "smtp"), password("smtp")
_PLAIN = base64.b64encode(f"\0{SMTP_USER}\0{SMTP_PW}".encode()).decode()
SMTP_PLAIN = Secret(_PLAIN, (_PLAIN.rstrip("="),), "smtp_auth_plain")  # what the wire carries: base64


class _Smtp:
    """A minimal SMTP server on 127.0.0.1 (greeting, EHLO with AUTH, AUTH PLAIN, one message, QUIT)."""

    def __enter__(self) -> _Smtp:
        import socketserver
        import threading

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                say = self.wfile.write
                say(b"220 mail.example.com ESMTP\r\n")
                data = False
                for line in self.rfile:
                    cmd = line.strip().upper()
                    if data:
                        if cmd == b".":
                            data = False
                            say(b"250 2.0.0 queued\r\n")
                    elif cmd.startswith(b"EHLO"):
                        say(b"250-mail.example.com\r\n250 AUTH PLAIN LOGIN\r\n")
                    elif cmd.startswith(b"AUTH"):
                        say(b"235 2.7.0 Authentication successful\r\n")
                    elif cmd == b"DATA":
                        data = True
                        say(b"354 end with .\r\n")
                    elif cmd == b"QUIT":
                        say(b"221 bye\r\n")
                        return
                    else:
                        say(b"250 OK\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@case("smtplib.debuglevel", library="smtplib", where="smtplib with set_debuglevel(1), as mailers are debugged: "
      "its 'send: 'AUTH PLAIN <base64 of \\0user\\0password>'' line (stderr shipped as log lines, a "
      "container's logs)", secrets=[SMTP_PLAIN], keeps=keep("AUTH PLAIN", "235 2.7.0", "mail.example.com"))
def _(env):
    import contextlib
    import io
    import smtplib

    err = io.StringIO()
    with _Smtp() as server, contextlib.redirect_stderr(err), smtplib.SMTP("127.0.0.1", server.port, timeout=5) as smtp:
        smtp.set_debuglevel(1)
        smtp.login(SMTP_USER.value, SMTP_PW.value)
        smtp.sendmail("shop@example.com", ["ops@example.com"], "Subject: nightly report\r\n\r\nok\r\n")
    for line in err.getvalue().splitlines():
        logging.getLogger("stderr").info(line)


# -- a payment SDK's debug log ---------------------------------------------------------------------------------
ST_MAIL, ST_TOKEN = canary("email_ascii", "stripe.debug"), token("stripe.debug")
ST_PHONE = canary("phone_intl", "stripe.debug")


def _stripe_logfmt(**props: object) -> str:
    """stripe-python's ``_util.logfmt`` (not installed here; written from its source): ``key=value`` sorted by
    key, a value holding whitespace written as its repr."""
    import re

    def fmt(key: str, value: object) -> str:
        text = value.decode() if isinstance(value, bytes) else str(value)
        return f"{key}={text!r}" if re.search(r"\s", text) else f"{key}={text}"

    return " ".join(fmt(k, v) for k, v in sorted(props.items()))


@case("stripe.debug_log", library="stripe", where="stripe-python's DEBUG lines (logger 'stripe', or STRIPE_LOG="
      "debug) for a Customer.create: 'Post details' with the form-encoded parameters as the logfmt value "
      "post_data=email=…&phone=…&metadata[reset_token]=…, and 'API response body' with the pretty-printed JSON "
      "as a repr (its newlines escaped)", secrets=[ST_MAIL, ST_TOKEN, ST_PHONE],
      keeps=keep("message='Post details'", "metadata[plan]=pro", "post_data=email=", '"object": "customer"',
                 "api_version=2024-06-20"))
def _(env):
    from urllib.parse import urlencode

    import requests

    params = {"email": ST_MAIL.value, "name": "Jane Roe", "phone": ST_PHONE.value,
              "metadata": {"reset_token": ST_TOKEN.value, "plan": "pro"}}
    # _api_encode: nested dicts as key[sub]; then urlencode, with the brackets put back ("easier to read")
    pairs = [(f"{k}[{sk}]", sv) for k, v in params.items() if isinstance(v, dict) for sk, sv in v.items()]
    encoded = urlencode([(k, v) for k, v in params.items() if not isinstance(v, dict)] + pairs)
    encoded = encoded.replace("%5B", "[").replace("%5D", "]")
    log = logging.getLogger("stripe")
    with debug("stripe"):
        url = f"http://localhost:{env.echo.port}/v1/customers"
        log.info(_stripe_logfmt(message="Request to Stripe api", method="post", url=url))
        log.debug(_stripe_logfmt(message="Post details", post_data=encoded, api_version="2024-06-20"))
        env.echo.script("/v1/customers", 200, body=json.dumps({
            "id": "cus_Q8xJ2mN4pL6rT0", "object": "customer", "email": ST_MAIL.value, "phone": ST_PHONE.value,
            "metadata": {"reset_token": ST_TOKEN.value, "plan": "pro"}}, indent=2).encode())
        r = requests.post(url, data=encoded, timeout=5)
        log.info(_stripe_logfmt(message="Stripe API response", path=url, response_code=r.status_code))
        log.debug(_stripe_logfmt(message="API response body", body=r.content))


CJ_SESSION, CJ_CSRF, CJ_REMEMBER = token("cookies.session"), token("cookies.csrf"), token("cookies.remember")


@case("requests.cookie_jar_logged", library="requests", where="the cookies of a login logged while debugging it: "
      "a requests Session's jar (%r: <RequestsCookieJar[Cookie(version=0, name='sessionid', value='…', …)]>, the "
      "session cookie set by the server) and a response's http.cookies.SimpleCookie (Django's response.cookies: "
      "<SimpleCookie: remember_token='…'>)", secrets=[CJ_SESSION, CJ_CSRF, CJ_REMEMBER],
      keeps=keep("RequestsCookieJar", "name='sessionid'", "domain_specified", "SimpleCookie", "theme='dark'"))
def _(env):
    from http.cookies import SimpleCookie

    import requests

    env.echo.script("/login", 200, headers={"Set-Cookie": f"sessionid={CJ_SESSION}; HttpOnly; Path=/"})
    with requests.Session() as session:
        session.cookies.set("csrftoken", CJ_CSRF.value, domain="localhost.local", path="/")
        session.post(f"http://localhost:{env.echo.port}/login", data={"username": "svc-shop"}, timeout=5)
        env.log.info("session cookies after login: %r", session.cookies)
    cookies = SimpleCookie()
    cookies["remember_token"] = CJ_REMEMBER.value
    cookies["theme"] = "dark"
    env.log.info("response cookies %r", cookies)


MP_KEY, MP_PW = token("multipart.key"), password("multipart")


@case("requests.multipart_body_logged", library="requests", where="an upload with form fields (requests' files= "
      "and data=): the prepared multipart/form-data body logged with %r while debugging a 400 — each part's content "
      "after 'Content-Disposition: form-data; name=\"api_key\"' and an escaped blank line", secrets=[MP_KEY, MP_PW],
      keeps=keep('name="api_key"', 'filename="report.csv"', "day,orders"))
def _(env):
    import requests

    env.echo.script("/v1/imports", 400)
    r = requests.post(f"http://localhost:{env.echo.port}/v1/imports", timeout=5,
                      data={"api_key": MP_KEY.value, "account_password": MP_PW.value, "format": "csv"},
                      files={"file": ("report.csv", b"day,orders\n2024-05-01,12\n", "text/csv")})
    env.log.warning("import rejected (%s), sent body %r", r.status_code, r.request.body)

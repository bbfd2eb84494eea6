"""HTTP servers through their instrumentations: Flask (WSGI), FastAPI (ASGI under uvicorn), Django, aiohttp.

Each framework's app (:mod:`realworld.servers`) gets the same requests from an instrumented ``requests``
client, so the server span joins the case's trace: e-mail in a path parameter with a token in the
query, a login form whose dict the app logs, a JSON order whose card number the app logs and raises,
and credential headers captured with ``OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST``."""

from __future__ import annotations

from ..canaries import canary, password, token
from ..cases import STATUS, case, keep, pseudonymised

#: the route template each framework reports for /users/<user_id>/profile
ROUTES = {"flask": "/users/<user_id>/profile", "fastapi": "/users/{user_id}/profile",
          "django": "users/<str:user_id>/profile", "aiohttp": "/users/{user_id}/profile"}


def _framework_cases(fw: str) -> None:
    mail, tok = canary("email_ascii", f"{fw}.path"), token(f"{fw}.query")

    @case(f"{fw}.path_and_query", library=fw, where="an e-mail as the user_id path parameter and a "
          "magic-link token in the query string; the handler sets enduser.id and logs both (the e-mail must "
          "become the same keyed pseudonym on the span and in the log line)", secrets=[mail, tok],
          keeps=keep("/profile", attrs={STATUS: 200, "http.route": ROUTES[fw]})
          + pseudonymised(mail.value, "enduser.id"))
    def _(env):
        import requests

        requests.get(f"{getattr(env, fw)}/users/{mail}/profile?token={tok}&tab=orders", timeout=10)

    user, pw = canary("email_ascii", f"{fw}.login"), password(f"{fw}.login")

    @case(f"{fw}.login_form", library=fw, where="a urlencoded login form (username, password); the handler "
          "logs the framework's form object (its repr)", secrets=[user, pw], keeps=keep("/login", attrs={STATUS: 401}))
    def _(env):
        import requests

        requests.post(f"{getattr(env, fw)}/login", data={"username": user.value, "password": pw.value,
                                                         "remember": "1"}, timeout=10)

    card, buyer = canary("card_visa", f"{fw}.order"), canary("email_ascii", f"{fw}.order")

    @case(f"{fw}.order_json", library=fw, where="a JSON order body (card, e-mail) logged with json.dumps, then "
          "raised in a ValueError: a 500 with the card in the exception message and traceback",
          secrets=[card, buyer], keeps=keep("/orders", "ValueError", attrs={STATUS: 500}))
    def _(env):
        import requests

        requests.post(f"{getattr(env, fw)}/orders", json={"card": card.value, "email": buyer.value, "qty": 2,
                                                          "sku": "MUG-01"}, timeout=10)

    bearer, cookie, key = canary("jwt", f"{fw}.headers"), token(f"{fw}.cookie"), token(f"{fw}.apikey")
    ip = canary("ipv4", f"{fw}.xff")

    @case(f"{fw}.request_headers", library=fw, where="Authorization: Bearer <JWT>, Cookie, X-Api-Key and "
          "X-Forwarded-For request headers captured on the server span, and the framework's headers object "
          "logged with %r", secrets=[bearer, cookie, key, ip],
          keeps=keep("/search", attrs={STATUS: 200}))
    def _(env):
        import requests

        requests.get(f"{getattr(env, fw)}/search?page=3", headers={
            "Authorization": f"Bearer {bearer}", "Cookie": f"csrftoken=abc; sessionid={cookie}",
            "X-Api-Key": key.value, "X-Forwarded-For": f"{ip}, 10.0.0.1"}, timeout=10)


for _fw in ROUTES:
    _framework_cases(_fw)


SIGNUP_MAIL, SIGNUP_PW = canary("email_ascii", "fastapi.signup"), password("fastapi.signup")


@case("fastapi.pydantic_repr", library="fastapi", where="a pydantic request model logged with %r and put in "
      "a RuntimeError (its repr/str lists every field: email='…' password='…')", secrets=[SIGNUP_MAIL, SIGNUP_PW],
      keeps=keep("/signup", "RuntimeError", attrs={STATUS: 500}))
def _(env):
    import requests

    requests.post(f"{env.fastapi}/signup", json={"email": SIGNUP_MAIL.value, "password": SIGNUP_PW.value,
                                                  "age": 31}, timeout=10)


VAL_PW = password("fastapi.validation", 10)
VAL_MAIL = canary("email_ascii", "fastapi.validation")  # valid, so not echoed: not a secret of the case


@case("fastapi.validation_error", library="fastapi", where="a signup with a too-short password and a non-numeric "
      "age: the RequestValidationError handler from FastAPI's documentation logs str(exc) — each error's dict "
      "with 'loc': ('body', 'password') and 'input': '<the value>'", secrets=[VAL_PW],
      keeps=keep("string_too_short", "int_parsing", "/signup", attrs={STATUS: 422}))
def _(env):
    import requests

    requests.post(f"{env.fastapi}/signup", json={"email": VAL_MAIL.value, "password": VAL_PW.value, "age": "thirty"},
                  timeout=10)

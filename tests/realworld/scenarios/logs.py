"""Logging as applications really do it: stdlib %-args and extra=, tracebacks with locals, structlog's JSON
renderer, loguru with serialize=True propagated to stdlib logging, dataclass reprs, header-dict reprs,
environment dumps and Celery-style task lines. Records reach OpenTelemetry through configure()'s bridge."""

from __future__ import annotations

import json
import logging
import traceback
from dataclasses import dataclass

from ..canaries import canary, password, token
from ..cases import case, keep

ORDER_ID = "6f1c2a9e-3b7d-4c55-9e0a-2d8f7b1c4e90"  # a UUID: must survive

ARGS_MAIL, ARGS_TOKEN = canary("email_ascii", "logging.args"), canary("token_github_pat", "logging.args")


@case("logging.percent_args", library="logging", where="%-args of a log call: e-mail and a GitHub PAT",
      secrets=[ARGS_MAIL, ARGS_TOKEN], keeps=keep("logged in", ORDER_ID))
def _(env):
    env.log.info("user %s logged in with token %s (order %s)", ARGS_MAIL, ARGS_TOKEN, ORDER_ID)


EXTRA_CARD, EXTRA_MAIL, EXTRA_IBAN = canary("card_mastercard", "logging.extra"), \
    canary("email_ascii", "logging.extra"), canary("iban", "logging.extra")


@case("logging.extra", library="logging", where="extra={card_number, customer_email, nested payout dict}",
      secrets=[EXTRA_CARD, EXTRA_MAIL, EXTRA_IBAN], keeps=keep("payment captured", ORDER_ID))
def _(env):
    env.log.info("payment captured", extra={"card_number": EXTRA_CARD.value, "customer_email": EXTRA_MAIL.value,
                                            "order_id": ORDER_ID, "payout": {"iban": EXTRA_IBAN.value,
                                                                             "amount_cents": 1299}})


LOCALS_PW, LOCALS_KEY = password("logging.locals"), canary("token_aws_key_id", "logging.locals")


def _connect_smtp(host: str, user: str, smtp_password: str, api_key: str) -> None:
    raise ConnectionRefusedError(f"cannot reach {host}:587")


@case("logging.traceback_locals", library="logging", where="a traceback formatted with capture_locals=True "
      "(the frame's smtp_password and api_key locals, as repr) logged as the message",
      secrets=[LOCALS_PW, LOCALS_KEY], keeps=keep("_connect_smtp", "ConnectionRefusedError"))
def _(env):
    try:
        _connect_smtp("smtp.example.com", "mailer", LOCALS_PW.value, LOCALS_KEY.value)
    except ConnectionRefusedError as exc:
        te = traceback.TracebackException.from_exception(exc, capture_locals=True)
        env.log.error("mail delivery failed\n%s", "".join(te.format()))


SL_PW, SL_SESSION, SL_MAIL = password("structlog"), token("structlog.session"), canary("email_ascii", "structlog")


@case("structlog.json", library="structlog", where="structlog JSONRenderer through stdlib logging: the event "
      "dict (email, password, session_id) rendered as one JSON message", secrets=[SL_PW, SL_SESSION, SL_MAIL],
      keeps=keep("login_failed", ORDER_ID))
def _(env):
    import structlog

    structlog.configure(processors=[structlog.processors.add_log_level, structlog.processors.JSONRenderer()],
                        logger_factory=structlog.stdlib.LoggerFactory(), cache_logger_on_first_use=False)
    structlog.get_logger("shop.auth").warning("login_failed", email=SL_MAIL.value, password=SL_PW.value,
                                              session_id=SL_SESSION.value, request_id=ORDER_ID)


LG_KEY, LG_CARD = canary("token_stripe", "loguru"), canary("card_amex", "loguru")


@case("loguru.serialize", library="loguru", where="loguru with serialize=True propagated to stdlib logging "
      "(the documented PropagateHandler): bound extra stripe_key, a card in the message, an exception",
      secrets=[LG_KEY, LG_CARD], keeps=keep("charge failed", "ZeroDivisionError"))
def _(env):
    from loguru import logger

    class PropagateHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logging.getLogger(record.name).handle(record)

    sink = logger.add(PropagateHandler(), serialize=True, format="{message}")
    try:
        try:
            raise ZeroDivisionError("division by zero")
        except ZeroDivisionError:
            logger.bind(stripe_key=LG_KEY.value).exception("charge failed for card {}", LG_CARD.value)
    finally:
        logger.remove(sink)


@dataclass
class Customer:
    id: int
    email: str
    password: str
    api_key: str


DC_MAIL, DC_PW, DC_KEY = canary("email_ascii", "dataclass"), password("dataclass"), token("dataclass.key")


@case("logging.dataclass_repr", library="logging", where="a dataclass instance (email, password, api_key) "
      "formatted with %s: its generated repr", secrets=[DC_MAIL, DC_PW, DC_KEY], keeps=keep("created customer"))
def _(env):
    env.log.info("created customer %s", Customer(42, DC_MAIL.value, DC_PW.value, DC_KEY.value))


HD_JWT, HD_COOKIE = canary("jwt", "headers_repr"), token("headers_repr.cookie")


@case("requests.headers_repr", library="requests", where="repr(response.request.headers) (requests' "
      "CaseInsensitiveDict) logged at debug after a call", secrets=[HD_JWT, HD_COOKIE],
      keeps=keep("sent headers"))
def _(env):
    import requests

    r = requests.get(f"http://localhost:{env.echo.port}/healthz",
                     headers={"Authorization": f"Bearer {HD_JWT}", "Cookie": f"session={HD_COOKIE}"}, timeout=5)
    env.log.warning("sent headers %r", r.request.headers)


ENV_DB, ENV_AWS, ENV_STRIPE = password("environ.db"), canary("aws_secret", "environ"), \
    canary("token_stripe", "environ")


@case("logging.environ_dump", library="logging", where="a dict(os.environ)-style settings dump: DATABASE_URL "
      "with a password, AWS_SECRET_ACCESS_KEY, STRIPE_API_KEY", secrets=[ENV_DB, ENV_AWS, ENV_STRIPE],
      keeps=keep("starting with settings", "/srv/shop"))
def _(env):
    settings = {"HOME": "/srv/shop", "DATABASE_URL": f"postgresql://shop:{ENV_DB}@db.internal:5432/shop",
                "AWS_SECRET_ACCESS_KEY": ENV_AWS.value, "STRIPE_API_KEY": ENV_STRIPE.value, "WORKERS": "4"}
    env.log.info("starting with settings %s", settings)


TASK_MAIL, TASK_CARD, TASK_TOKEN = canary("email_ascii", "celery"), canary("card_visa", "celery"), \
    token("celery.token")
TASK_ID = "9b2d7c4e-1a3f-4e8b-8c6d-5f0a2e7b9c13"


@case("celery.task_args", library="logging", where="Celery-style worker lines: 'Task name[id] received' with "
      "args/kwargs reprs, and 'raised unexpected' with the exception repr", secrets=[TASK_MAIL, TASK_CARD, TASK_TOKEN],
      keeps=keep("shop.tasks.charge", TASK_ID))
def _(env):
    log = logging.getLogger("celery.app.trace")
    args, kwargs = (TASK_MAIL.value, TASK_CARD.value), {"idempotency_token": TASK_TOKEN.value, "amount": 1299}
    log.info("Task %s[%s] received: args=%r kwargs=%r", "shop.tasks.charge", TASK_ID, args, kwargs)
    log.error("Task %s[%s] raised unexpected: %r", "shop.tasks.charge", TASK_ID,
              ValueError(f"card {TASK_CARD} declined for {TASK_MAIL}"))


#: values that look like secrets to a careless detector but are what the telemetry is for
BENIGN = {"trace": "4bf92f3577b34da6a3ce929d0e0e4736", "span": "00f067aa0ba902b7", "sha": "9fceb02d0ae598e95dc970b74767f19372d61af8",
          "ts": "2024-05-17T09:12:44.123Z", "version": "v2.14.3", "pod": "checkout-7d9f8b6c5d-x2k4q",
          "duration": "elapsed=1532ms", "tokens": "prompt_tokens=812 completion_tokens=96", "order": ORDER_ID,
          "amount": "amount=1299 currency=EUR", "port": "127.0.0.1:5432"}


@case("logging.benign", library="logging", where="nothing secret: ids, hashes, timestamps, versions, pod names, "
      "durations, token counts and amounts in one line (each must survive unchanged)", secrets=[],
      keeps=keep(*[v for k, v in BENIGN.items() if k != "port"]))
def _(env):
    b = BENIGN
    env.log.info(f"checkout done trace_id={b['trace']} span_id={b['span']} order={b['order']} build={b['sha']} "
                 f"at {b['ts']} {b['version']} on {b['pod']} {b['duration']} {b['tokens']} {b['amount']} "
                 f"db={b['port']}")


PH_INTL, PH_NATIONAL, PH_KEYED = canary("phone_intl", "sms"), canary("phone_national", "sms"), \
    canary("phone_intl", "sms.extra")
PH_KV = canary("phone_intl", "sms.kv")


@case("logging.phone_numbers", library="logging", where="an SMS/callback flow's log lines: an international "
      "number in prose ('SMS to +44 … queued'), a national one after 'phone:', one after 'phone=' (spaces in it) "
      "and one under extra={'phone': …}", secrets=[PH_INTL, PH_NATIONAL, PH_KV, PH_KEYED], keeps=keep("queued", "callback requested", "SM7f3c"))
def _(env):
    env.log.info("SMS to %s queued (sid SM7f3c0e2b)", PH_INTL)
    env.log.info("callback requested, phone: %s", PH_NATIONAL)
    env.log.info("customer phone=%s updated", PH_KV)
    env.log.info("contact updated", extra={"phone": PH_KEYED.value, "customer_id": 4711})


INT_IDN, INT_CYR, INT_CJK, INT_UPPER = canary("email_idn", "intl"), canary("email_cyrillic", "intl"), \
    canary("email_cjk", "intl"), canary("email_mixed_case", "intl")


@case("logging.international_emails", library="logging", where="a shop with international customers: "
      "confirmation and reset mails logged with %-args — an IDN address (jürgen@bücher.de), a Cyrillic "
      "one, a CJK one and one typed in upper case", secrets=[INT_IDN, INT_CYR, INT_CJK, INT_UPPER],
      keeps=keep("confirmation mail sent to", "password reset requested"))
def _(env):
    env.log.info("confirmation mail sent to %s", INT_IDN)
    env.log.info("confirmation mail sent to %s", INT_CYR)
    env.log.info("confirmation mail sent to %s", INT_CJK)
    env.log.info("password reset requested for %s", INT_UPPER)


LAMBDA_JWT, LAMBDA_KEY = canary("jwt", "lambda"), token("lambda.key")
LAMBDA_PW, LAMBDA_MAIL, LAMBDA_CARD = password("lambda"), canary("email_ascii", "lambda"), \
    canary("card_visa", "lambda")
LAMBDA_REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def _lambda_event() -> dict:
    """An API Gateway (REST, proxy integration) event, as a Python Lambda handler receives it."""
    return {"resource": "/login", "path": "/login", "httpMethod": "POST",
            "headers": {"Authorization": f"Bearer {LAMBDA_JWT}", "X-Api-Key": LAMBDA_KEY.value,
                        "Content-Type": "application/json"},
            "multiValueHeaders": {"X-Api-Key": [LAMBDA_KEY.value]},
            "queryStringParameters": {"page": "2"},
            "requestContext": {"requestId": LAMBDA_REQUEST_ID, "stage": "prod",
                               "identity": {"sourceIp": "203.0.113.9", "userAgent": "curl/8.5.0"}},
            "body": json.dumps({"email": LAMBDA_MAIL.value, "password": LAMBDA_PW.value,
                                "card": {"number": LAMBDA_CARD.value, "exp": "12/29"}}),
            "isBase64Encoded": False}


@case("lambda.event_logged", library="logging", where="the first line of countless Lambda handlers: the API "
      "Gateway proxy event logged with json.dumps (the body a JSON string inside it) and with %s (its repr)",
      secrets=[LAMBDA_JWT, LAMBDA_KEY, LAMBDA_PW, LAMBDA_MAIL, LAMBDA_CARD],
      keeps=keep(LAMBDA_REQUEST_ID, '"httpMethod": "POST"', "'multiValueHeaders': {'X-Api-Key': [", "/login"))
def _(env):
    event = _lambda_event()
    env.log.info(json.dumps(event))
    env.log.info("received event %s", event)

"""What debugging aids write about a failure: tracebacks annotated with the values of the names in each frame
(loguru's default ``diagnose=True``). The secret stands on a line of its own, under the source line whose
name it belongs to — the only key it has is a column."""

from __future__ import annotations

import logging

from ..canaries import canary, password, token
from ..cases import case, keep

LGD_PW, LGD_TOKEN, LGD_MAIL = password("loguru.diagnose"), token("loguru.diagnose"), \
    canary("email_ascii", "loguru.diagnose")
_CUSTOMER = LGD_MAIL.value  # plain strings in the frames: a Secret's repr would show its needles as well


class _SmtpSettings:
    host = "smtp.internal"
    api_token = LGD_TOKEN.value


def _deliver(host: str, sender: str, smtp_password: str, token: str) -> None:
    raise ConnectionRefusedError(f"cannot reach {host}:587")


def _send_receipt(settings: _SmtpSettings, customer_email: str) -> None:
    smtp_password = LGD_PW.value
    _deliver(settings.host, customer_email, smtp_password, settings.api_token)


@case("loguru.diagnose_traceback", library="loguru", where="logger.exception() with loguru's defaults "
      "(backtrace, diagnose=True) through the documented PropagateHandler to stdlib logging: every frame's "
      "names annotated with their values — a local smtp_password, an attribute settings.api_token and an "
      "argument customer_email, each under the source line, in the column of its name",
      secrets=[LGD_PW, LGD_TOKEN, LGD_MAIL], keeps=keep("receipt failed", "_send_receipt", "smtp.internal",
                                                         "ConnectionRefusedError"))
def _(env):
    from loguru import logger

    class PropagateHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logging.getLogger(record.name).handle(record)

    sink = logger.add(PropagateHandler(), format="{message}")  # diagnose and backtrace: loguru's defaults
    try:
        try:
            _send_receipt(_SmtpSettings(), _CUSTOMER)
        except ConnectionRefusedError:
            logger.exception("receipt failed")
    finally:
        logger.remove(sink)


JS_PW, JS_KEY = password("jsonschema.error"), token("jsonschema.error")


def _jsonschema_error(message: str, validator: str, schema_path: list, schema: dict, path: list, instance: object
                      ) -> str:
    """``str(jsonschema.ValidationError)`` (not installed here; written from its ``_Error.__str__``): the message,
    ``Failed validating <validator> in schema[…]:`` over the schema and ``On instance[…]:`` over the instance,
    both pformat-ed and indented by 4, the paths written by ``_utils.format_as_index``."""
    from pprint import pformat
    from textwrap import indent

    def index(container: str, indices: list) -> str:
        return f"{container}[{']['.join(repr(i) for i in indices)}]" if indices else container

    return (f"{message}\n\nFailed validating {validator!r} in {index('schema', schema_path)}:\n"
            f"{indent(pformat(schema, width=72), '    ')}\n\nOn {index('instance', path)}:\n"
            f"{indent(pformat(instance, width=72), '    ')}")


@case("jsonschema.validation_error", library="jsonschema", where="a webhook payload rejected by its JSON schema "
      "and logged with the error's text: 'On instance['credentials']['password']:' over the value, which the "
      "message's first line repeats without its key ('…' is too short) — and a too-long api_key",
      secrets=[JS_PW, JS_KEY], keeps=keep("is too short", "Failed validating 'minLength'",
                                          "On instance['credentials']['password']:"))
def _(env):
    env.log.warning("webhook rejected: %s", _jsonschema_error(
        f"{JS_PW.value!r} is too short", "minLength", ["properties", "credentials", "properties", "password"],
        {"type": "string", "minLength": 24}, ["credentials", "password"], JS_PW.value))
    env.log.warning("webhook rejected: %s", _jsonschema_error(
        f"{JS_KEY.value!r} is too long", "maxLength", ["properties", "api_key"], {"type": "string", "maxLength": 24},
        ["api_key"], JS_KEY.value))


CFG_PW, CFG_KEY = password("configparser.pw"), token("configparser.key")


@case("configparser.interpolation_error", library="configparser", where="an INI file whose secrets hold '%' "
      "(a generated password, a percent-encoded key) read with ConfigParser's default interpolation: "
      "InterpolationSyntaxError echoes the rest of the value ('found: …'), InterpolationMissingOptionError the "
      "whole raw value after naming its option — both logged with logger.exception", secrets=[CFG_PW, CFG_KEY],
      keeps=keep("must be followed by", "Raw value:", "option 'api_key' in section 'billing'"))
def _(env):
    import configparser

    config = configparser.ConfigParser()
    config.read_string(f"[database]\nuser = shop\npassword = x%{CFG_PW}\n\n"
                       f"[billing]\napi_key = %(vault_prefix)s{CFG_KEY}\n")
    for section, option in (("database", "password"), ("billing", "api_key")):
        try:
            config.get(section, option)
        except configparser.Error:
            env.log.exception("cannot read %s.%s from settings.ini", section, option)

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

"""A script that logs the way apps do; ``APP_LOGGING`` picks how it configures logging and ``APP_WAYS``
how many ways OpenTelemetry log export is switched on (in ``configure`` mode)."""

import logging
import logging.config
import os
import sys

import telemetry

WAYS = [w for w in os.environ.get("APP_WAYS", "configure").split(",") if w]
if os.environ.get("APP_OTEL") == "configure":
    if "instrumentor-first" in WAYS:
        from opentelemetry.instrumentation.logging import LoggingInstrumentor

        LoggingInstrumentor().instrument()
    telemetry.setup(*(["logging"] if "instrumentor" in WAYS else []))
    if "configure-twice" in WAYS:  # a second setup (say, a library's) with its own providers
        telemetry.setup(set_global=False)

style = os.environ.get("APP_LOGGING", "basicConfig")
if style == "basicConfig":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
elif style == "dictConfig":
    logging.config.dictConfig({
        "version": 1,
        "formatters": {"plain": {"format": "[%(levelname)s] %(name)s: %(message)s"}},
        "handlers": {"out": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
        "root": {"level": "INFO", "handlers": ["out"]},
        "loggers": {"shop.noisy": {"level": "ERROR"}},
    })
# style "none": no configuration at all, Python prints warnings through logging.lastResort
if "sdk-handler" in WAYS:  # the SDK's (deprecated) handler added by hand, after the app's logging setup
    import warnings

    from opentelemetry._logs import get_logger_provider
    from opentelemetry.sdk._logs import LoggingHandler

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        logging.getLogger().addHandler(LoggingHandler(logger_provider=get_logger_provider()))

log = logging.getLogger("shop")
log.debug("debug line never shown")
log.info("order 17 placed for carol@example.com")
log.warning("stock low for card 4111 1111 1111 1111")
logging.getLogger("shop.noisy").warning("noisy warning" if style != "dictConfig" else "noisy warning hidden")
logging.getLogger("shop.noisy").error("noisy error")
try:
    raise ValueError("bad input from dave@example.com")
except ValueError:
    log.exception("job failed")
print("done", file=sys.stdout)

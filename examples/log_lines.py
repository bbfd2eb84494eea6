"""The log lines Python services really write, exported through configure(): each secret goes by the
structure it sits in — an ORM error's parameters, a multidict's password, a validation error's input, SQL
written into a message, a SOAP envelope's <wsse:Password> — while the message around it stays readable.

    OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 python examples/log_lines.py
"""

import logging

import otel_privacy

providers = otel_privacy.configure(policy="default", service_name="log-lines")
log = logging.getLogger("shop")
log.setLevel(logging.INFO)

log.error("(psycopg2.errors.UniqueViolation) duplicate key value violates unique constraint \"users_email_key\"\n"
          "DETAIL:  Key (email)=(ines@example.com) already exists.\n"
          "[SQL: INSERT INTO users (email, pw) VALUES (%(email)s, %(pw)s)]\n"
          "[parameters: {'email': 'ines@example.com', 'pw': 'pbkdf2-Wq9zLm2'}]")  # → parameters REDACTED
log.info("login attempt ImmutableMultiDict([('username', 'ines'), ('password', 'Tr0ub4dor-11')])")  # → REDACTED
log.warning("1 validation error for Signup\napi_key\n  String should have at least 40 characters "
            "[type=string_too_short, input_value='k7Qp2Zr9Xw', input_type=str]")  # → input_value REDACTED
log.info("(0.002) UPDATE accounts SET iban = 'DE44500105175407324931' WHERE id = 7; "
         "args=('DE44500105175407324931', 7); alias=default")  # → statement literals ?, args REDACTED
log.info("HTTP Post to https://pay.example/soap: <wsse:Password>s0ap-Pa55</wsse:Password>"
         "<Amount>12.50</Amount>")  # → the password element REDACTED, the amount kept

providers.shutdown()  # flush before exit

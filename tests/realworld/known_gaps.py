"""What the real-world corpus still leaks or loses, by root cause — a strict list that may only shrink.

A :class:`Gap` excuses the leaks of the secrets of kind ``secret`` (a glob over :attr:`Secret.kind`) in
the cases named by ``case`` (globs, ``a|b`` for several) through ``doors`` in ``variants``. The test
fails on a leak no gap excuses, and on a gap that excuses nothing any more (delete it in the commit that
closes it). :data:`KNOWN_LOSSES` does the same for useful values that do not survive (``keep`` is a glob
over :meth:`Keep.describe`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase


def _match(pattern: str, value: str) -> bool:
    return any(fnmatchcase(value, p) for p in pattern.split("|"))


@dataclass(frozen=True)
class Gap:
    case: str
    secret: str = "*"  # a glob over Secret.kind (over Keep.describe() in a LossGap)
    doors: str = "*"
    variants: str = "*"
    cause: str = ""
    owner: str = ""
    example: str = ""

    def excuses(self, case: str, what: str, door: str, variant: str) -> bool:
        return (_match(self.case, case) and _match(self.secret, what) and _match(self.doors, door)
                and _match(self.variants, variant))


class LossGap(Gap):
    """A useful value that does not survive: its second field is a glob over :meth:`Keep.describe`."""

    @property
    def keep(self) -> str:
        return self.secret


KNOWN_GAPS: tuple[Gap, ...] = (
    Gap("django.db_debug_log", "token",
        cause="Django's django.db.backends debug record carries the bound parameters a second time as the "
              "record's extra 'params' (its 'sql' extra and the message line are read: statement obfuscated, "
              "args=[…] redacted); 'params' alone is too common a container name (request params, model "
              "params) to redact by its name, and the engine does not yet read a record's attributes together "
              "(params beside sql)",
        owner="core #15",
        example="log record attribute params = ['REDACTED', '5tABwMyu14mXGBe4WIf0h01VpaNb6ahq']"),
    Gap("subprocess.called_process_error", "password",
        cause="command-line credentials are kept: a password glued to a short option ('-p<password>', as "
              "mysql/mysqldump take it), after '-p ' (docker login) and as curl's '-u user:password'; the DSN "
              "password and 'Authorization: Bearer …' in the same argv are redacted (#16 credentials in prose: "
              "-p value / --password value)",
        owner="detectors #16",
        example="Command '['mysqldump', '-h', 'db.internal', '-u', 'root', '-pZSZ8e3VHzigaXfbM!2', 'shop']' "
                "returned non-zero exit status 1.; Command '['curl', '-sf', '-u', 'deploy:<password>', …]'; "
                "Command '['docker', 'login', '-u', 'bot', '-p', '<password>', 'registry.example.com']'"),
    Gap("requests.invalid_header", "token",
        cause="requests' InvalidHeader repeats a header value without its name ('… in header value: "
              "'<value>\\n''): an opaque API key there has no context word and no shape (the Bearer one is "
              "redacted); the generic high-entropy rule of #16 or a rule for this message would catch it",
        owner="detectors #16",
        example="Invalid leading whitespace, reserved character(s), or return character(s) in header value: "
                "'7Yeapz5XUI4r1U4NzS8fAkFRpOHuHLdU\\n'"),
    Gap("smtplib.debuglevel", "smtp_auth_plain",
        cause="an SMTP 'AUTH PLAIN <base64>' (and 'AUTH LOGIN <base64 user>' with the password on the next "
              "line) is not read as a credential, unlike 'Authorization: Basic <base64>': smtplib's debug "
              "output (set_debuglevel(1)) carries the base64 of '\\0user\\0password'",
        owner="detectors #16 (credentials in prose)",
        example="send: 'AUTH PLAIN AGl2YW4uZXZhbnM3NTg2NUBnbWFpbC5jb20AaUp0bTNkMHlVMG5CSEU0SCE1\\r\\n'"),
    Gap("redis.session_keys", "token",
        cause="a session token inside a cache key ('session:<token>', the key layout of Flask-Session and "
              "Django's cache sessions) logged after 'key=' is kept: 'key' is no secret word and 'session:' is "
              "not read as one (the redis instrumentation's db.statement does sanitise it: 'SET ? ? ? ?'); "
              "the generic 'secret word + high-entropy value' rule of #16 would catch it",
        owner="detectors #16",
        example="cache miss key=session:R6MYIYhW0Kk3yRhEHpORyVGSdKVUZXsD ttl=60"),
)

KNOWN_LOSSES: tuple[LossGap, ...] = (
)

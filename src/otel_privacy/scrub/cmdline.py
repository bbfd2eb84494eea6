"""Credentials in command lines: argv lists (a Python list's repr, a JSON array, an array attribute) and shell text.

A command line is read as *words* (quotes and list syntax removed) grouped into *commands* (``;``, ``|``, ``&&``, a
newline or the end of a list end one), and each command's options are read the way its program reads them:

* **Secret-named options, any program**: ``--password x``, ``--password=x``, ``--db-password``, ``--api-key``,
  ``--client-secret``, ``--token``, ``-storepass`` (the name read as words, :mod:`.keynames`). Options that *refer to*
  a secret are kept with their value: ``--password-file /run/secrets/db``, ``--token-env``, ``--password-stdin`` (no
  value at all: the next word is a registry, not a password). A path after a *key* or *credentials* option
  (``--private-key ./id_rsa``, ``--credentials ~/.config/sa.json``) is a file name and stays; after a password or
  token option it is the secret as typed.
* **A table of programs** (:data:`PROGRAMS`) for short options and user:password values: ``-p`` of the MySQL,
  MariaDB and MongoDB clients (``-pSECRET`` glued as well), ``sshpass -p``, ``docker|podman|helm|az … login -p``,
  ``redis-cli -a``, ``ldapsearch -w`` (and the other OpenLDAP tools), ``sqlcmd -P``, curl's ``-u user:password`` /
  ``--user`` / ``--proxy-user``, smbclient's ``-U user%password``, ``htpasswd -b file user password`` (a positional),
  openssl's ``-passin pass:SECRET``. The same letter means something else elsewhere — ``ssh -p 22``, ``mkdir -p``,
  ``docker run -p 80:80``, ``pip install -U``, ``sudo -p prompt`` — and programs known for that are read as such.
* **Unknown programs**: ``-p VALUE`` / ``-pVALUE`` and ``-u user:VALUE`` are taken only when the value *looks like a
  secret* (:func:`looks_secret`: a random-looking token, or letters, digits and a symbol), never a number, a path, a
  port mapping (``8080:80``, ``127.0.0.1:5432:5432/tcp``) or a word.

Environment assignments before a command (``PGPASSWORD=… psql``) are the key=value reading's (:mod:`.credentials`).
The finders return spans of the secret only: option names, user names and every other word stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .credentials import looks_random
from .keynames import DEFAULT_VOCABULARY, SECRET, KeyVocabulary, key_words, refers_to_secret

__all__ = ["PROGRAMS", "Program", "find_in_text", "find_in_argv", "looks_secret", "TRIGGER_COMMAND_LINE"]


@dataclass(frozen=True)
class Program:
    """How one program takes credentials on its command line."""

    #: short options whose value is a password (``"p"``: ``-p x``, ``-px``)
    short: str = ""
    #: long options (without dashes) whose value is a password, beyond the secret-named ones every program has
    long: frozenset[str] = frozenset()
    #: the options count only after one of these subcommands (``docker login``; ``docker run -p`` is a port)
    subcommands: frozenset[str] = frozenset()
    #: short / long options whose value is ``user<separator>password``
    user_short: str = ""
    user_long: frozenset[str] = frozenset()
    user_separator: str = ":"
    #: ``-p 3306``: a number after the password option is a mistyped port (``-P``), not a password
    numbers_are_ports: bool = False
    #: single-dash long options (``-storepass``, ``-passin``): no short-option clusters
    single_dash_long: bool = False
    #: openssl's pass phrase arguments: ``pass:SECRET`` is a secret, ``env:VAR``, ``file:path``, ``fd:0`` are not
    pass_phrase_syntax: bool = False
    #: htpasswd: with ``-b`` the password is a positional argument (the 3rd, the 2nd with ``-n``)
    batch_positional: bool = False
    #: the program's own ``-p`` (or other short letters) is never a password: no guessing for unknown programs
    neutral: bool = False


_MYSQL = Program(short="p", numbers_are_ports=True)
_MONGO = Program(short="p")
_LOGIN = Program(short="p", subcommands=frozenset({"login"}))
_NEUTRAL = Program(neutral=True)

#: Programs by the name they are run as (lower case, without a directory or ``.exe``).
PROGRAMS: dict[str, Program] = {
    **{n: _MYSQL for n in ("mysql", "mysqldump", "mysqladmin", "mysqlimport", "mysqlcheck", "mysqlshow", "mysqlpump",
                           "mysqlslap", "mysqlbinlog", "mysqlsh", "mariadb", "mariadb-dump", "mariadb-admin",
                           "mariadb-import", "mariadb-check", "mariadb-show", "mariadb-binlog", "mariadb-slap")},
    **{n: _MONGO for n in ("mongo", "mongosh", "mongodump", "mongorestore", "mongoexport", "mongoimport",
                           "mongostat", "mongotop", "mongofiles")},
    **{n: _LOGIN for n in ("docker", "podman", "nerdctl", "buildah", "skopeo", "helm", "oras", "crane", "regctl",
                           "az", "finch")},
    "sshpass": Program(short="p"),
    **{n: Program(short="a", long=frozenset({"pass"})) for n in ("redis-cli", "keydb-cli", "valkey-cli")},
    **{n: Program(short="w") for n in ("ldapsearch", "ldapadd", "ldapmodify", "ldapdelete", "ldapwhoami",
                                       "ldapcompare", "ldapmodrdn", "ldapexop", "ldapurl")},
    "ldappasswd": Program(short="was"),  # -w bind password, -a old password, -s new password
    **{n: Program(short="P") for n in ("sqlcmd", "bcp", "osql")},
    **{n: Program(user_short="uU", user_long=frozenset({"user", "proxy-user"})) for n in ("curl", "curl.exe")},
    **{n: Program(user_short="U", user_long=frozenset({"user"}), user_separator="%")
       for n in ("smbclient", "rpcclient", "smbcacls", "smbget", "smbmap", "net")},
    "openssl": Program(single_dash_long=True, long=frozenset({"pass", "passin", "passout"}), pass_phrase_syntax=True),
    **{n: Program(single_dash_long=True) for n in ("keytool", "jarsigner")},
    "htpasswd": Program(batch_positional=True),
    # -p is a port, a parent directory, a pid, "preserve", a prompt or a patch here
    # (after a password program: "sshpass -p … ssh -p 2222 host"; programs whose -p is a flag or takes a number, a
    # path or a word need no entry: an unknown program's -p is taken only when its value looks like a secret)
    **{n: _NEUTRAL for n in (
        "ssh", "scp", "sftp", "rsync", "mkdir", "cp", "mv", "tar", "ps", "pkill", "pgrep", "lsof", "strace", "gdb",
        "nc", "ncat", "netcat", "iperf", "iperf3", "sudo", "kubectl", "oc", "git", "pip", "pip3", "python", "python3",
        "pytest", "uvicorn", "gunicorn", "celery", "npm", "npx", "java", "xargs", "psql", "pg_dump", "pg_restore",
        "pg_dumpall", "pg_isready", "pgbench", "createdb", "dropdb", "vacuumdb", "redis-server", "memcached", "nginx",
        "httpd", "ansible", "ansible-playbook", "terraform", "cargo", "javac", "gcc", "clang")},
}
_UNKNOWN = Program()

#: Option words whose value is usually a file (a key or a credentials file): a path after them is kept.
_FILE_VALUED = frozenset({"key", "keys", "credential", "credentials", "cert", "certificate", "identity", "keyfile"})
_PASS_PHRASE_REFERENCES = ("env:", "file:", "fd:", "stdin")
_SYMBOLS = frozenset("!#$%^&*?~|;<>\\`'\"()[]{}@=+")
_PORT_OR_PATH = re.compile(r"[\d.:/\-]*(?:tcp|udp|sctp)?|[./~]?/.*|[A-Za-z]:\\.*")
_LIST_ITEM = re.compile(r"""\s*(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|\\"((?:[^"\\\n]|\\[^"])*)\\")""")
_LIST_SEP = re.compile(r"\s*,")
# The tokens of shell text: a word (quoted parts included; ";", "|", "&" inside a word stay: "-pa;b"), an argv list's
# opening (its quote before it too: "Command '['mysql', …]' returned …"), an operator or newline that ends a command.
_TOKEN = re.compile(r"""(?P<list>['"]?\[(?=\s*\\?['"]))|(?P<op>[;|&()`\n])"""
                    r"""|(?P<word>(?:[^\s'";|&()`]|[;|&](?![\s;|&]|$)|'[^'\n]*'|"(?:[^"\\\n]|\\.)*"|['"])+)""")
# A quoted word that holds a command line of its own: a word, a blank and an option
_NESTED = re.compile(r"\S[ \t]+-")
_WHOLE_QUOTED = {"'": re.compile(r"'[^'\n]*'"), '"': re.compile(r'"(?:[^"\\\n]|\\.)*"')}
# A single-dash long option as Go's flag package and Java tools write them (-password, -api-key): lower-case words.
# "-pS3cret!" is -p with a glued value.
_OPTION_NAME = re.compile(r"[^\W\d_][\w.\-]*")
_GO_STYLE = re.compile(r"[a-z]{3,}(?:[-_.][a-z]+)*")

# The words a secret-named option holds (the vocabulary decides whether it is one: "pass" in "storepass", not in
# "bypass-cache"); the trigger below is built on them. "--pin 1234" is the key=value readings'.
_SECRET_OPTION_WORD = re.compile(r"(?i)pass|pwd|secret|token|key|credential|auth")
#: RE2 trigger (a superset of the texts the text finder reads a credential in): a secret-named option, a short option
#: letter some program takes a password or a user:password with, or htpasswd's batch mode.
TRIGGER_COMMAND_LINE = (r"(?:^|[^\w-])-(?:(?i:-?[\w.-]*(?:pass|pwd|secret|token|key|credential|auth|user))"
                        r"|[pPawsuU])|htpasswd")


def looks_secret(value: str) -> bool:
    """A value an unknown program's ``-p`` might be a password: random-looking, or letters, digits and a symbol;
    never a number, a path, a port mapping or a plain word."""
    if not value or _PORT_OR_PATH.fullmatch(value):
        return False
    if looks_random(value):
        return True
    return (len(value) >= 6 and any(c.isalpha() for c in value) and any(c.isdigit() for c in value)
            and any(c in _SYMBOLS for c in value))


@dataclass
class _Word:
    """A word of a command: its text (quotes removed when the whole word is quoted) and where that text is."""

    text: str
    start: int  # offset of ``text`` in the source (a string of the text, or an element of an argv list)
    index: int = 0  # the argv element it is (argv lists only)


Emit = Callable[[_Word, int, int], None]


def find_in_text(text: str, *, vocabulary: KeyVocabulary = DEFAULT_VOCABULARY,
                 is_safe: Callable[[str], bool] = lambda v: False) -> list[tuple[int, int]]:
    """Spans of the credentials in the command lines of ``text`` (shell text, argv reprs, JSON arrays)."""
    out: list[tuple[int, int]] = []

    def emit(word: _Word, a: int, b: int) -> None:
        a, b = _unquote(word.text, a, b)
        if b > a and not is_safe(word.text[a:b]):
            out.append((word.start + a, word.start + b))

    for command in _commands(text):
        _read(command, emit, vocabulary)
    out.sort()
    return out


def find_in_argv(args: Sequence[str], *, vocabulary: KeyVocabulary = DEFAULT_VOCABULARY,
                 is_safe: Callable[[str], bool] = lambda v: False) -> list[tuple[int, int, int]]:
    """``(element, start, end)`` of the credentials in an argv list (``process.command_args``, ``["mysql", "-px"]``)."""
    out: list[tuple[int, int, int]] = []
    if not any(a[:1] == "-" for a in args):
        return out  # every credential here follows or is an option

    def emit(word: _Word, a: int, b: int) -> None:
        if b > a and not is_safe(word.text[a:b]):
            out.append((word.index, a, b))

    _read([_Word(arg, 0, i) for i, arg in enumerate(args)], emit, vocabulary)
    return out


# -- words -------------------------------------------------------------------------------------------------
def _commands(text: str, depth: int = 0) -> list[list[_Word]]:
    """The commands of ``text``: shell words, with an argv list (``['a', 'b']``, ``["a","b"]``) a command of its own."""
    commands: list[list[_Word]] = []
    words: list[_Word] = []
    pos, n = 0, len(text)
    while pos < n and (m := _TOKEN.search(text, pos)) is not None:
        pos = m.end()
        kind = m.lastgroup
        if kind == "word":
            raw = m.group()
            start = m.start()
            if len(raw) >= 2 and raw[0] in "'\"" and _WHOLE_QUOTED[raw[0]].fullmatch(raw):
                inner = raw[1:-1]
                if depth < 2 and _NESTED.search(inner):  # sh -c 'mysql -pX', "Command 'mysql -pX' returned …"
                    commands.extend([_Word(w.text, w.start + start + 1) for w in c]
                                    for c in _commands(inner, depth + 1))
                words.append(_Word(inner, start + 1))
            else:
                words.append(_Word(raw, start))
        elif kind == "list":
            items, end = _argv_list(text, m.end())
            if words:
                commands.append(words)
                words = []
            if items:
                commands.append(items)
                pos = end
        elif kind == "op" and words:
            commands.append(words)
            words = []
    if words:
        commands.append(words)
    return commands


def _argv_list(text: str, pos: int) -> tuple[list[_Word], int]:
    """The quoted elements of the list whose first element starts at ``text[pos]`` (as far as it goes), and its end."""
    items: list[_Word] = []
    while (m := _LIST_ITEM.match(text, pos)) is not None:
        g = m.lastindex
        items.append(_Word(m.group(g), m.start(g)))
        pos = m.end()
        sep = _LIST_SEP.match(text, pos)
        if sep is None:
            break
        pos = sep.end()
    return items, pos


def _unquote(text: str, a: int, b: int) -> tuple[int, int]:
    """``--password='a b'``: the value inside its quotes."""
    if b - a >= 2 and text[a] in "'\"" and text[b - 1] == text[a]:
        return a + 1, b - 1
    return a, b


# -- reading a command -------------------------------------------------------------------------------------
def _program_name(word: str) -> str:
    name = word.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    return name[:-4] if name.endswith(".exe") else name


def _read(words: list[_Word], emit: Emit, vocabulary: KeyVocabulary) -> None:
    """Emit the credentials among ``words`` (one command; prose around it is read as words too)."""
    program: Program | None = None  # None: no program of the table seen yet (unknown)
    in_subcommand = False
    positionals: list[_Word] = []
    batch = no_file = False
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        t = w.text
        if not t.startswith("-") or len(t) < 2 or t == "--":
            known = PROGRAMS.get(_program_name(t)) if t else None
            if known is not None:
                if program is not None and program.batch_positional:
                    _htpasswd(positionals, batch, no_file, emit)
                program, in_subcommand, positionals, batch, no_file = known, False, [], False, False
            elif program is not None:
                if program.subcommands and t.lower() in program.subcommands:
                    in_subcommand = True
                elif program.batch_positional:
                    positionals.append(w)
            i += 1
            continue
        if t[1].isdigit():  # a negative number
            i += 1
            continue
        p = program or _UNKNOWN
        if program is not None and program.batch_positional and not t.startswith("--"):
            letters = t[1:]
            batch |= "b" in letters
            no_file |= "n" in letters
            i += 2 if letters[-1:] in ("C", "r") and len(letters) == 1 else 1  # -C cost, -r rounds take a value
            continue
        long_form = t.startswith("--") or (p.single_dash_long and len(t) > 2) or (
            _GO_STYLE.fullmatch(t[1:].split("=", 1)[0]) is not None and _secret_option(t[1:].split("=", 1)[0],
                                                                                       vocabulary, p))
        if long_form:
            i += _long_option(words, i, p, in_subcommand, emit, vocabulary)
        else:
            i += _short_option(words, i, p, program is None, in_subcommand, emit)
    if program is not None and program.batch_positional:
        _htpasswd(positionals, batch, no_file, emit)


def _secret_option(name: str, vocabulary: KeyVocabulary, program: Program) -> bool:
    """A long option's name that says its value is a secret (``db-password``, ``storepass``); not one that refers to
    a secret (``password-file``, ``password-stdin``, ``no-password``)."""
    if not name or len(name) < 3 or not name[0].isalpha():
        return False
    if name in program.long:
        return True
    return (_SECRET_OPTION_WORD.search(name) is not None and not refers_to_secret(name)
            and vocabulary.classify(name) == SECRET)



def _long_option(words: list[_Word], i: int, program: Program, in_subcommand: bool, emit: Emit,
                 vocabulary: KeyVocabulary) -> int:
    """``--name value`` / ``--name=value``: returns how many words it took."""
    w = words[i]
    t = w.text
    body = t.lstrip("-")
    offset = len(t) - len(body)
    name, eq, _ = body.partition("=")
    if _OPTION_NAME.fullmatch(name) is None:
        return 1  # "-----END RSA PRIVATE KEY-----" is no option
    lname = name.lower()
    user = lname in program.user_long or (program is _UNKNOWN and lname == "user")
    secret = not user and _secret_option(lname, vocabulary, program)
    if not (user or secret):
        return 1
    if eq:
        target, a = w, offset + len(name) + 1
        taken = 1
    elif i + 1 < len(words) and not words[i + 1].text.startswith("-"):
        target, a = words[i + 1], 0
        taken = 2
    else:
        return 1
    value = target.text[a:]
    if not value:
        return taken
    if user:
        sep = value.find(program.user_separator)
        if sep > 0 and (program is not _UNKNOWN or looks_secret(value[sep + 1:])):
            emit(target, a + sep + 1, len(target.text))
        return taken
    if program.pass_phrase_syntax and lname in program.long:
        if value.startswith("pass:"):
            emit(target, a + 5, len(target.text))
        elif not value.startswith(_PASS_PHRASE_REFERENCES):
            emit(target, a, len(target.text))
        return taken
    last = key_words(lname)[-1:]
    if last and last[0] in _FILE_VALUED and _PORT_OR_PATH.fullmatch(value) and any(c in "/\\" for c in value):
        return taken  # --private-key ./id_rsa, --credentials ~/.config/sa.json: a file, not the key
    emit(target, a, len(target.text))
    return taken


def _short_option(words: list[_Word], i: int, program: Program, unknown: bool, in_subcommand: bool,
                  emit: Emit) -> int:
    """``-p value`` / ``-pvalue`` / ``-u user:password``: returns how many words it took."""
    w = words[i]
    t = w.text
    letter = t[1]
    glued = len(t) > 2
    nxt = words[i + 1] if i + 1 < len(words) else None
    if glued:
        target, a, taken = w, 2, 1
    elif nxt is not None:
        target, a, taken = nxt, 0, 2
    else:
        return 1
    value = target.text[a:]
    if program.neutral or not value:
        return 1
    if unknown:
        if letter == "p" and looks_secret(value):
            emit(target, a, len(target.text))
            return taken
        if letter == "u" and (sep := value.find(":")) > 0 and looks_secret(value[sep + 1:]):
            emit(target, a + sep + 1, len(target.text))
            return taken
        return 1
    if letter in program.short and (not program.subcommands or in_subcommand):
        if not glued and value.startswith("-") and program.numbers_are_ports:
            return 1  # "mysql -p -h db": -p alone prompts
        if program.numbers_are_ports and value.isdigit():
            return taken
        emit(target, a, len(target.text))
        return taken
    if letter in program.user_short:
        sep = value.find(program.user_separator)
        if sep > 0:
            emit(target, a + sep + 1, len(target.text))
        return taken
    return 1


def _htpasswd(positionals: list[_Word], batch: bool, no_file: bool, emit: Emit) -> None:
    """``htpasswd -b[c] file user password`` / ``htpasswd -nb user password``: the password is a positional."""
    at = 1 if no_file else 2
    if batch and len(positionals) > at:
        emit(positionals[at], 0, len(positionals[at].text))

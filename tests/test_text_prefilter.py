"""The RE2 trigger prefilter must never change what the text scanner finds, only how fast.

Each detector pass has a trigger that every one of its findings contains; with google-re2 installed
one ``re2.Set`` pass picks the passes to run. A trigger tighter than its detector would be a leak,
so these tests compare the scanner with and without the prefilter on the same text: the detector
table, and generated text built from fragments of secrets, near-misses and trigger pieces. Both
trigger sets are compared: RE2 called directly (``scrub/_textgate.cc``, where it is built) and
google-re2's binding (``ENGINES``).
"""

from __future__ import annotations

import string

import pytest
import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Policy, Redactor
from otel_privacy.scrub import text as text_module
from otel_privacy.scrub.credentials import _KV_WORDS
from otel_privacy.scrub.fold import fold
from otel_privacy.scrub.handles import SOCIAL_WORDS
from otel_privacy.scrub.mentions import _TRANSLATIONS
from otel_privacy.scrub.phone import CONTEXT_WORDS
from otel_privacy.scrub.text import _IBAN_LENGTHS, TextScanner
from test_detectors_addresses import ADDRESSES
from test_detectors_addresses import LOOK_ALIKES as ADDRESS_LOOK_ALIKES
from test_detectors_cards import IBANS
from test_detectors_cards import LOOK_ALIKES as CARD_LOOK_ALIKES
from test_detectors_credentials import CREDENTIALS
from test_detectors_credentials import LOOK_ALIKES as CREDENTIAL_LOOK_ALIKES
from test_detectors_handles import HANDLES
from test_detectors_handles import LOOK_ALIKES as HANDLE_LOOK_ALIKES
from test_detectors_identity import LOOK_ALIKES as MENTION_LOOK_ALIKES
from test_detectors_identity import MENTIONS
from test_detectors_national_ids import IDS, NATIONAL, NATIONAL_LOOK_ALIKES
from test_detectors_national_ids import LOOK_ALIKES as ID_LOOK_ALIKES
from test_detectors_phone import LOOK_ALIKES as PHONE_LOOK_ALIKES
from test_detectors_phone import PHONES
from test_detectors_vendors import AZURE, CASES
from test_detectors_vendors import LOOK_ALIKES as VENDOR_LOOK_ALIKES
from test_text_detectors import BENIGN, POSITIVES

POLICIES = {
    "default": Policy.from_dict({}),
    "strict": Policy.preset("strict"),
    # digit detectors switched off one by one change the digit trigger's alternation
    "no-cards": Policy.from_dict({"text": {"detectors": {"credit_card": False}}}),  # IBANs alone
    "no-ip-ssn": Policy.from_dict({"text": {"detectors": {"ip": False, "us_ssn": False, "url": False}}}),
}


#: The trigger sets a scanner may gate its passes with: RE2 directly (when built) and google-re2's Set.
ENGINES = ["re2", "google-re2"] if text_module._GATE is not None else ["google-re2"]


def _pair(policy: Policy, engine: str = ENGINES[0]) -> tuple[TextScanner, TextScanner]:
    """``(fast, slow)``: the policy's scanner gated by ``engine``'s trigger set, and by the pure-Python gates."""
    scanner = Redactor(policy).text
    text_module._textgate = text_module._GATE if engine == "re2" else None
    try:
        fast = scanner.variant(prefilter=True)
    finally:
        text_module._textgate = text_module._GATE
    slow = scanner.variant(prefilter=False)
    assert fast.prefilter_engine == engine and not slow.prefilter
    return fast, slow


def _iban(country: str, length: int) -> str:
    """A valid IBAN of ``country`` (digits for its BBAN): check digits computed per ISO 13616."""
    bban = ("12AB" * 9)[: length - 4]  # letters between digits: no run of 13 digits fires the card trigger
    check = 98 - int("".join(str(int(c, 36)) for c in bban + country + "00")) % 97
    return f"{country}{check:02d}{bban}"


PAIRS = {name: _pair(p) for name, p in POLICIES.items()}
#: The same policies' scanners gated by each engine (the generated-text tests draw the engine too).
FAST = {(name, engine): PAIRS[name][0] if engine == ENGINES[0] else _pair(p, engine)[0]
        for name, p in POLICIES.items() for engine in ENGINES}
_R = Redactor(POLICIES["strict"])
_FILLERS = ("is", "was", "ist", "war", "est", "es", "era", "é", "è", "är", "er", "on", "jest", "je", "это", "是", "は")
_GENERIC = _R.text._secret_words

_ID = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0"
# One example of every branch of every trigger, at the shortest shape its detector accepts.
EDGES = [f"tok {p}{_ID[:n]} end" for p, n in [
    ("ghp_", 20), ("gho_", 20), ("ghu_", 20), ("ghs_", 20), ("ghr_", 20), ("github_pat_", 20), ("glpat-", 20),
    ("xoxa-", 10), ("xoxb-", 10), ("xoxp-", 10), ("xoxo-", 10), ("xoxs-", 10), ("xoxr-", 10), ("sk_live_", 16),
    ("sk_test_", 16), ("rk_live_", 16), ("rk_test_", 16), ("AIza", 35), ("npm_", 36)]] + [
    f"key {p}IOSFODNN7EXAMPLE" for p in ("AKIA", "ASIA", "ABIA", "ACCA", "AROA", "AIDA")] + [
    "sendgrid SG.abcdefghijklmnop.qrstuvwxyzABCDEF ok", "dns 8.8.4.4 ok", "at 1.2.3.4:80", "ssn 078-05-1120.",
    "card 4222-2222-2222-2 x", "iban FR1420041010050500013M02606", "iban NL91ABNA0417164300 ok",
    "-----BEGIN PRIVATE KEY-----\nabc", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nabc", "see www.example.com/?a=b",
    "/?q=1", "/x/y.z?q=1", "ftp://u:p@h", "a+b://u:p@h/", "BEARER abcdefgh1", "pwd: x1",
    "PASSWD=x", "credentials='a b'", "token: x1", "access-key=z", "private_key: k", "api_key=k", "auth-key=k",
    "AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "::1", "1:2:3:4:5:6:7:8", "fe80::1%eth0",
    "/Users/bob/x", "/home/bob/x", "C:\\Users\\bob", "%@a.io", "_@a.io",
    "niue +683 4002 ok", "(+44) 20-7946-0958", "tel:+1.415.555.0100",
] + [f"{sep}{word}: 020 7946 0958" for word in CONTEXT_WORDS for sep in ("", "my ")] + [
    "/ünicode?q=1", "see /路径/x?id=7", "mail jürgen@bücher.de", "почта юрий@почта.рф", "to: 用户@例子.中国",
    "contact_tel=020 7946 0958", "PHONE (415) 555-0100", "smartphone 0612345678",
] + [f"tok {token} end" for _, token in CASES] + [text for text, _ in AZURE] + [
    f"{w}=x1y2" for w in _KV_WORDS] + [f"x {w} Xk9mP2qR7vL4nW8sT3yZ y" for w in _GENERIC.words] + [
    f"x {w} is 482913 y" for w in _GENERIC.code_words] + ["x token Zq8vLp3XwR7tY y"] + [
    f"otp{sep}482913" for sep in [f" {f} " for f in _FILLERS] + [" ist: ", ": ", " => ", " -> "]] + [
    "run --pass x", "--pwd x1", "--secret x", "--token x", "--api-key x", "--apikey x", "--access-key x",
    "--accesskey x", "--auth-token x", "--authtoken x", "--credential x", "mysql -p s3", "mariadb -p s3",
    "mongo -p s3", "sshpass -p s3",
    # command lines (scrub/cmdline.py): a secret-named option of each trigger word, each short option letter some
    # program takes a password or a user:password with, htpasswd's positional password
    "--oauth2-bearer x", "--encryption-key x", "cli --user u:S3cr3t!", "sqlcmd -P s3", "redis-cli -a s3",
    "ldapsearch -w s3", "ldappasswd -s s3", "curl -uu:s3", "smbclient -U u%s3", "htpasswd -cb f u s3",
    # protocol transcripts (credentials.find_protocol_auth) and session ids in keys (credentials.find_session_keys)
    "AUTH PLAIN AGJvYgBodW50ZXIy", "a1 LOGIN bob s3cr3t", "*cmd* 'PASS s3cr3t'", "send: 'aHVudGVyMg==\\r\\n'",
    "key=session:Xk9mP2qR7vL4nW8sT3yZ5aB1", "django.contrib.sessions.cachex7k2m9q4w8e1r5t3y6u0i2o4p7a9s1d3",
    "Cookie: a=1", "set-cookie2 : b=2", "AB 12 34 56 C", "SSN 123456789",
    "social security 123456789", "phone: REDACTED 345 678", "ApiKey a1b2c3d4e5f6", "SSWS 00QCjAl4MlV-WPXM",
    "Splunk a1b2c3d4-e5f6", "Token Xk9mP2qR7vL4nW8sT3yZ",
    "Passwort_für_db: Summer2024!", "passwort_für_db=x1y2", "token_für_x: Xk9mP2qR7vL4nW8sT3yZ",
    "token is: Xk9mP2qR7vL4nW8sT3yZ", "password ist= Summer2024!",
    # identity mentions: every filler, an id of non-ASCII letters and digits, a UUID of letters, name keys
    "customer no. 4711 x", "customer nr 4711 x", "user number 42 x", "customer cus_ü42 x", "user_für_id 42",
    "user abcdefab-cdef-abcd-efab-cdefabcdefab x", "username: alice", "username ñandu",
    # account numbers next to a lifecycle word (mentions.find_accounts): every filler, an id with a non-ASCII letter
    "account no. 4711 locked", "account number 4711 locked", "acct id 4711 locked", "account acc_ü4711 locked",
    # MAC addresses (both separators, Cisco dots) and wallets (base58 1/3, bech32 either case, 0x after a word)
    "mac 00:1a:2b:3c:4d:5e", "mac 00-1A-2B-3C-4D-5E", "mac 001a.2b3c.4d5e", "btc 1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
    "btc 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "btc bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "BTC BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", "wallet 0xde709f2102306220921060314715629080e2fb77",
    "btc_1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
    # the user an authentication failure names (mentions.find_auth_users): each word, quoted and bare
    'FATAL: role "jane" does not exist', "Login failed for user 'jane'.", 'denied for login "jane"',
    "Invalid password for user jane", "authentication of role jane failed", "login failed for login jane",
    "password failed for user ñandu",
] + [f"{w} {f} {v}" for f in _FILLERS for w, v in (("token", "Xk9mP2qR7vL4nW8sT3yZ"), ("password", "Summer2024!"))
     ] + [f"{w}{sep}{v}" for sep in (": ", "=", " => ", " -> ", " ") for w, v in (("token", "Xk9mP2qR7vL4nW8sT3yZ"),
                                                                                 ("password", "Summer2024!"))] + [f"x {w} 4242 y" if _R._hashes_key(_TRANSLATIONS.get(w, w)) else f"x {w}_id 4242 y"
     for w in _R.text._mentions.words] + [f"iban {_iban(cc, n)} ok" for cc, n in _IBAN_LENGTHS.items()] + [
    f"{w} @h_1" for w in SOCIAL_WORDS]  # social handles: every word

# Secrets, their near misses, and the pieces triggers are made of: glued together they make the
# boundary cases (a trigger split across fragments, a detector match that starts mid-fragment).
TABLE = ([text for _, text, _, _ in POSITIVES + PHONES] + BENIGN
         + [text for _, text in PHONE_LOOK_ALIKES + VENDOR_LOOK_ALIKES] + EDGES
         + [c[2] for c in CREDENTIALS + IDS + NATIONAL]
         + [text for _, text in CREDENTIAL_LOOK_ALIKES + ID_LOOK_ALIKES + NATIONAL_LOOK_ALIKES]
         + [text for _, text, _, _ in MENTIONS] + [text for _, text in MENTION_LOOK_ALIKES]
         + [f"pay {iban} now" for _, iban in IBANS] + [text for _, text in CARD_LOOK_ALIKES]
         + [c[2] for c in ADDRESSES] + [text for _, text in ADDRESS_LOOK_ALIKES]
         + [text for _, text, _ in HANDLES] + [text for _, text in HANDLE_LOOK_ALIKES])
FRAGMENTS = TABLE + [
    "4111", "1111 ", "-", " ", "4111111111111111", "378282246310005", "123-45-", "6789", "10.0.", "1.2", ".3.4",
    "::", ":", "1:2:3:4:5:6:", "fe80::1%eth0", "00:1A:2B:", "3C:4D:5E", "001a.2b3c.", "1BoatSLRHtKNngkd", "bc1q",
    "0x", "wallet ", "imei ", "ITIN ", "passport ", "912-75-", "49-015420-", "DE89", " 3704 0044", "GB82WEST1234569876543", "AB12 3456 ",
    "eyJ", "eyJhbGciOiJIUzI1NiJ9.", "AKIA", "IOSFODNN7EXAMPLE", "ghp_", "a" * 36, "sk_live_", "xoxb-", "glpat-",
    "AIza", "SG.", "npm_", "-----BEGIN ", "RSA ", "PRIVATE KEY-----", "://", "postgres://", "u:pw@", "www.", "?",
    "/a/b?", "x=1&y=2", "@", "bob@", "example.com", "password", "=", ": ", "'s3cr3t'", "Bearer ", "token ",
    "aws_secret_access_key=", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "/home/", "alice", "C:\\Users\\",
    "PassWord", "API-KEY", "Auth_Key",
]
# Non-ASCII text goes through the same trigger set (RE2 reads UTF-8): letters of other scripts around and inside
# secrets, folded digits, spaces and dashes, and the characters whose classes differ between RE2 and Python.
NON_ASCII = [
    "\u00e9", "\u212a", "\u017f", "\u0130", "ü", "Ж", "中", "\u00a0", "\u2009", "\u2013", "\u200b", "\u2028",
    "\uff14\uff11\uff11\uff11", "\u0664\u0661\u0661\u0661", "\uff20", "jürgen@bücher.de", "юрий@почта.рф",
    "用户@例子.中国", "/ünicode?q=1", "/路径/x?id=7", "телефон 8 912 345-67-89", "電話 +81 3-1234-5678",
    "Telefon: ０３０ １２３４５６７８", "Passwort=geheim", "contraseña: x1", "ｔｏｋｅｎ ", "ＡＫＩＡ",
]
FRAGMENTS += NON_ASCII
# the characters the triggers and detectors turn on, densely: random strings over them hit the edges
DENSE = "aeAZ0139.:-_@/? =&'\"\n+%yJKIGé中\u00a0\u2013"
fragment_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=string.printable, max_size=8),
              st.text(alphabet=DENSE, max_size=16)), max_size=12,
).map("".join)
SETTINGS = settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("policy", list(PAIRS))
def test_table_cases_find_the_same_with_and_without_the_prefilter(policy):
    slow = PAIRS[policy][1]
    differ = []
    for text in TABLE:
        expected = slow.find(text)
        differ += [(engine, text) for engine in ENGINES if FAST[policy, engine].find(text) != expected]
    assert differ == []


@SETTINGS
@given(st.sampled_from(list(FAST)), fragment_text)
def test_generated_text_finds_the_same_with_and_without_the_prefilter(key, text):
    assert FAST[key].find(text) == PAIRS[key[0]][1].find(text)


def test_every_edge_case_is_a_finding():
    # the EDGES only test the triggers if each one really is a finding of its detector
    fast, slow = PAIRS["strict"]
    missed = [text for text in EDGES if not slow.find(text)]
    assert missed == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_benign_line_runs_no_pass_and_a_secret_runs_its_own(engine):
    fast, _ = _pair(POLICIES["default"], engine)  # its own scanner: the spies stay in it
    ran: list[str] = []
    fast._passes[:] = [(kind, gate, _spy(finder, ran)) for kind, gate, finder in fast._passes]  # (seen by Front)
    fast.find("2026-11-23T06:16:55Z INFO worker-3 processed batch 41 in 12.5ms")
    assert ran == []
    fast.find("login failed for alice@example.com")
    assert ran == ["_find_emails"]


def _spy(finder, ran):
    def run(text):
        ran.append(getattr(finder, "__name__", "?"))
        return finder(text)

    return run


def test_the_prefilter_is_on_by_default_and_can_be_switched_off(monkeypatch):
    assert Redactor("default").text.prefilter
    monkeypatch.setenv("OTEL_PRIVACY_TEXT_PREFILTER", "false")
    r = Redactor("default")
    assert not r.text.prefilter
    assert r.redact_text("mail alice@example.com") == "mail REDACTED"


def test_custom_detectors_run_without_a_trigger():
    policy = Policy.from_dict({"text": {"custom": [{"name": "ticket", "pattern": r"TCK-\d{6}"}]}})
    fast = Redactor(policy).text
    assert fast.prefilter
    assert fast.scrub("see TCK-123456 today")[0] == "see REDACTED today"


def test_an_ipv6_address_with_an_ipv4_tail_is_truncated_whole():
    # six groups and an IPv4 tail: neither "::" nor seven colons; used to leave the first 96 bits
    out, found = Redactor("default").text.scrub("peer 2001:db8:1:2:3:4:192.0.2.33 ok")
    assert out == "peer 2001:db8:1:: ok", found


def _alternatives(pattern: str) -> list[str]:
    """Every variant of ``pattern`` with one alternative of one alternation removed (a tighter trigger).

    A top-level pattern with no alternation becomes one that never matches. A leading ``(?i)`` is kept.
    """
    flags = "(?i)" if pattern.startswith("(?i)") else ""
    body = pattern[len(flags):]
    groups: list[list[int]] = [[-1]]  # per open group: positions of its "|" (the first entry: group start)
    spans: list[tuple[int, list[int], int]] = []  # (group start, bars, group end)
    i, in_class = 0, False
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if body[i + 1:i + 2] == "]":
                i += 1
        elif c == "(":
            skip = 3 if body.startswith("(?:", i) or body.startswith("(?i", i) else 1
            if body.startswith("(?i:", i):
                skip = 4
            groups.append([i + skip - 1])
            i += skip
            continue
        elif c == ")":
            g = groups.pop()
            spans.append((g[0], g[1:], i))
        elif c == "|":
            groups[-1].append(i)
        i += 1
    top = groups.pop()
    spans.append((top[0], top[1:], len(body)))
    mutants = []
    for start, bars, end in spans:
        if not bars:
            if start == -1:
                mutants.append(r"[^\s\S]")
            continue
        edges = [start, *bars, end]
        for k in range(len(edges) - 1):
            a, b = edges[k], edges[k + 1]
            cut = body[:a + 1] + body[b + 1:] if k == 0 else body[:a] + body[b:]
            mutants.append(flags + cut)
    return mutants


def test_the_alternative_remover_sees_every_branch():
    assert _alternatives("(?i)ab|c(?:d|e)") == ["(?i)ab|c(?:e)", "(?i)ab|c(?:d)", "(?i)c(?:d|e)", "(?i)ab"]
    assert _alternatives(r"[|(]x") == [r"[^\s\S]"]


# every branch of the URL module's triggers (scheme, escaped scheme, www., data:, TLD cases, IDN TLDs, IPv4
# hosts) and every request-line method
URL_TEXTS = ["see https://a.example/p?q=1", "see https:\\/\\/a.example\\/p?q=1", "see www.example.org?b=1 now",
             "img data:image/png;base64,iVBORw0KGgo= end", "go shop.example/users/42?x=1", "go SHOP.EXAMPLE/Users/42?x=1",
             "go пример.рф/users/42?x=1", "go 10.1.2.3/users/42?x=1", "go 10.1.2.3:8080/users/42?x=1",
             "go shop.example:8443/users/42?x=1"] + [
    f'"{m} /users/42 HTTP/1.1" 200' for m in ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                                              "PATCH")] + [
    "Not Found: /users/42", "Internal Server Error: /users/42", "Bad Request: /users/42", "Gone: /users/42",
    "Forbidden (Permission denied): /users/42", "Method Not Allowed (POST): /users/42",
    "see /verify/Zq8vLp3XwR7tYk2M now"]  # django.request's status line, a bare path's token
MUTATION_TEXTS = TABLE + URL_TEXTS + [f"{t} and more" for t in EDGES]


def test_removing_any_branch_of_any_trigger_loses_a_finding():
    """The differential tests only guard the triggers if their cases reach every branch: prove they do.

    A pass is skipped when its trigger does not match, so a tighter trigger loses a finding exactly when some
    case gives that pass a finding and the tighter trigger does not match the case (read folded, as ``find``
    reads it). Each pass's finder runs once per case; each variant of each trigger is one RE2 search per case.
    """
    fast, _ = PAIRS["strict"]
    texts = [fold(t) for t in MUTATION_TEXTS]
    survivors = []
    for i, trigger in enumerate(fast.triggers):
        finder = fast._passes[i][2]
        productive = [t for t in texts if finder(t)]
        assert productive, f"no case gives pass {i} ({getattr(finder, '__name__', '?')}) a finding"
        for mutant in _alternatives(trigger):
            rx = re2.compile(mutant)
            if all(rx.search(t) for t in productive):
                survivors.append((i, mutant[:120]))
    assert survivors == []


def test_a_tighter_trigger_loses_findings_end_to_end():
    fast, slow = PAIRS["strict"]
    i = next(k for k, (_, _, f) in enumerate(fast._passes) if getattr(f, "__name__", "") == "_find_emails")
    triggers = list(fast.triggers)
    triggers[i] = r"[^\s\S]"
    text = "mail alice@example.com"
    assert fast.with_triggers(fast.triggers).find(text) == slow.find(text) != []
    assert fast.with_triggers(triggers).find(text) == []


non_ascii_text = st.tuples(fragment_text, st.sampled_from(NON_ASCII), fragment_text).map("".join)


@SETTINGS
@given(st.sampled_from(list(FAST)), non_ascii_text)
def test_generated_non_ascii_text_finds_the_same_with_and_without_the_prefilter(key, text):
    assert FAST[key].find(text) == PAIRS[key[0]][1].find(text)


PREFIX, SUFFIX = "Grüße, 世界\n", "\n— Ende 中文"  # on lines of their own: a key starting a line stays one


@pytest.mark.parametrize("prefilter", [True, False], ids=["re2", "python"])
def test_secrets_in_non_ascii_surroundings_go_as_in_ascii_ones(prefilter):
    """The same line with non-ASCII words around it: the same parts replaced, whichever path reads it."""
    fast, slow = PAIRS["strict"]
    scanner = fast if prefilter else slow
    texts = [t for t in TABLE if t.isascii() and not ("BEGIN" in t and "END" not in t)]
    differ = [t for t in texts if scanner.scrub(PREFIX + t + SUFFIX)[0] != PREFIX + scanner.scrub(t)[0] + SUFFIX]
    assert differ == []


def test_folded_digits_spaces_and_dashes_are_found_like_ascii_ones():
    fast, slow = PAIRS["default"]
    for text, secret in [("card ４１１１\u00a0１１１１\u2009１１１１ １１１１ ok", "１１１１ １１１１"),
                         ("iban DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000 ok", "0532"),
                         ("ssn ١٢٣-٤٥-٦٧٨٩ ok", "٦٧٨٩"), ("ip １０.１.２.３ ok", "１０.１.２.３"),
                         ("card 4111\u20131111\u20131111\u20131111 ok", "1111\u20131111")]:
        for scanner in (fast, slow):
            out, found = scanner.scrub(text)
            assert secret not in out and out.endswith(" ok"), (text, out, found)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_trigger_set_that_cannot_answer_falls_back_to_the_gates(engine):
    """Lone surrogates cannot be encoded for RE2: the Python gates decide, nothing is missed."""
    out, found = FAST["default", engine].scrub("\udcff mail alice@example.com")
    assert out == "\udcff mail REDACTED" and found == {"email": 1}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_long_text_with_many_triggers_still_finds_its_last_secret(engine):
    fast = FAST["strict", engine]
    filler = " ".join(FRAGMENTS[:200]) * 5
    text = filler + " mail zz-last@example.com"
    assert "zz-last@example.com" not in fast.scrub(text)[0]

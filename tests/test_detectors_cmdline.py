"""Credentials in command lines (argv reprs, JSON arrays, array attributes, shell text), SMTP/IMAP/POP3 transcripts,
session ids in cache keys and nameless header values: table tests, look-alikes, properties."""

from __future__ import annotations

import json
import shlex

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from otel_privacy import Redactor
from otel_privacy.scrub.cmdline import PROGRAMS, looks_secret
from otel_privacy.scrub.nosql import obfuscate_nosql, obfuscate_redis

R = Redactor("default")
PW = "Zs8e3VHz!2q"

# (name, argv, the secret): every form below writes each argv as a Python list repr, a JSON array, shell text and
# an array attribute, and the secret must go in all four.
ARGV = [
    ("mysql-glued", ["mysql", "-h", "db.internal", "-u", "root", f"-p{PW}", "shop"], PW),
    ("mysqldump-glued", ["/usr/bin/mysqldump", "-uroot", f"-p{PW}", "--single-transaction", "shop"], PW),
    ("mysql-spaced", ["mysql", "-u", "root", "-p", PW, "shop"], PW),
    ("mariadb-long", ["mariadb-dump", f"--password={PW}", "shop"], PW),
    ("mongosh", ["mongosh", "--host", "db", "-u", "admin", "-p", PW], PW),
    ("docker-login", ["docker", "login", "-u", "bot", "-p", PW, "registry.example.com"], PW),
    ("docker-login-glued", ["docker", "login", "-u", "bot", f"-p{PW}", "registry.example.com"], PW),
    ("podman-login-long", ["podman", "login", "--username", "bot", "--password", PW, "quay.io"], PW),
    ("helm-registry-login", ["helm", "registry", "login", "ghcr.io", "-u", "bot", "-p", PW], PW),
    ("az-login", ["az", "login", "--service-principal", "-u", "app", "-p", PW, "--tenant", "t1"], PW),
    ("sshpass", ["sshpass", "-p", PW, "ssh", "-p", "2222", "deploy@host"], PW),
    ("sshpass-glued", ["sshpass", f"-p{PW}", "scp", "a", "host:b"], PW),
    ("curl-user", ["curl", "-sf", "-u", f"deploy:{PW}", "https://ci.example.com/job/build"], PW),
    ("curl-user-long", ["curl", "--user", f"deploy:{PW}", "https://ci.example.com/"], PW),
    ("curl-user-glued", ["curl", f"-udeploy:{PW}", "https://ci.example.com/"], PW),
    ("curl-proxy-user", ["curl", "--proxy-user", f"p:{PW}", "https://x.example/"], PW),
    ("redis-cli", ["redis-cli", "-h", "cache", "-a", PW, "ping"], PW),
    ("redis-cli-pass", ["redis-cli", "--pass", PW, "ping"], PW),
    ("htpasswd-batch", ["htpasswd", "-bc", "/etc/nginx/.htpasswd", "admin", PW], PW),
    ("htpasswd-stdout", ["htpasswd", "-nbB", "admin", PW], PW),
    ("ldapsearch", ["ldapsearch", "-x", "-D", "cn=admin,dc=example,dc=org", "-w", PW, "-b", "dc=example,dc=org"], PW),
    ("ldapsearch-glued", ["ldapsearch", "-x", f"-w{PW}", "-b", "dc=x"], PW),
    ("ldappasswd-new", ["ldappasswd", "-x", "-D", "cn=admin", "-W", "-s", PW, "uid=bob"], PW),
    ("sqlcmd", ["sqlcmd", "-S", "db", "-U", "sa", "-P", PW, "-Q", "SELECT 1"], PW),
    ("smbclient", ["smbclient", "//files/share", "-U", f"bob%{PW}"], PW),
    ("openssl-passin", ["openssl", "rsa", "-in", "key.pem", "-passin", f"pass:{PW}"], PW),
    ("keytool", ["keytool", "-list", "-keystore", "ks.jks", "-storepass", PW], PW),
    ("long-password", ["app", "sync", "--password", PW, "--verbose"], PW),
    ("long-password-equals", ["app", f"--db-password={PW}"], PW),
    ("long-token", ["gh-sync", "--token", PW], PW),
    ("long-api-key", ["cli", "--api-key", PW, "run"], PW),
    ("long-client-secret", ["oauth2-proxy", f"--client-secret={PW}"], PW),
    ("go-style-single-dash", ["exporter", "-password", PW, "-listen", ":9104"], PW),
    ("unknown-p-secret", ["backup-tool", "-p", PW, "/srv"], PW),
    ("after-sudo", ["sudo", "-u", "mysql", "mysql", f"-p{PW}"], PW),
    ("after-docker-exec", ["docker", "exec", "db", "mysql", "-uroot", f"-p{PW}"], PW),
    ("kubectl-exec", ["kubectl", "exec", "-it", "db-0", "--", "mysql", "-p", PW], PW),
    ("digits-for-docker-login", ["docker", "login", "-u", "bot", "-p", "31415926", "r.example"], "31415926"),
]

# (name, text that must come out unchanged)
LOOK_ALIKES = [
    ("mkdir-p", "mkdir -p /var/lib/app && cp -p a b"),
    ("ssh-port", "ssh -p 22 deploy@host; scp -P 2222 a host:b"),
    ("docker-run-ports", "docker run -p 80:80 -p 127.0.0.1:5432:5432/tcp --user 1000:1000 nginx"),
    ("pip-upgrade", "pip install -U requests -vvv"),
    ("verbose", "tool -v -vvv --verbose"),
    ("unknown-p-number", "server -p 8080 --workers 4"),
    ("unknown-p-path", "build -p ./packages/core"),
    ("unknown-p-word", "pytest -p no:cacheprovider -q"),
    ("unknown-p-version", "virtualenv -p python3.11 .venv"),
    ("unknown-user-ids", "run --user 1000:1000 image"),
    ("unknown-user-names", "chown-tool -u www-data:www-data /srv"),
    ("mysql-port", "mysql -h db -P 3306 -p 3306"),
    ("mysql-prompt", "mysql -u root -p -h db shop"),
    ("kubectl-previous", "kubectl logs -p checkout-7d9f8b6c5-x2k4q"),
    ("sudo-prompt", "sudo -p 'Password: ' true"),
    ("password-file", "app --password-file /run/secrets/db_password --token-file=/run/secrets/t"),
    ("password-stdin", "docker login --password-stdin registry.example.com"),
    ("no-password", "tool --no-password server.example"),
    ("private-key-path", "ansible-playbook --private-key ~/.ssh/id_ed25519 site.yml"),
    ("credentials-path", "gcloud-x --credentials ./service-account.json"),
    ("openssl-env", "openssl rsa -in key.pem -passin env:KEY_PASS -passout file:/run/pw"),
    ("htpasswd-prompt", "htpasswd -c /etc/nginx/.htpasswd admin"),
    ("curl-user-no-password", "curl -u deploy https://ci.example.com/"),
    ("negative-number", "seq -5 10"),
    ("gcc-pthread", "gcc -pthread -pedantic -O2 main.c"),
    ("git-ssh-port", "ssh -p 2222 git@example.com mysql"),
    ("redis-keys", "redis-cli -h cache -n 2 keys 'user:*'"),
    ("already-redacted", "mysql -pREDACTED shop && docker login -p *** r.example"),
]


def _forms(argv: list[str]) -> dict[str, str]:
    return {"repr": f"Command '{argv!r}' returned non-zero exit status 1.",
            "json": json.dumps(argv), "shell": f"+ {shlex.join(argv)}",
            "json-in-log": json.dumps({"process.command_args": argv, "exit": 1})}


@pytest.mark.parametrize(("name", "argv", "secret"), ARGV, ids=[c[0] for c in ARGV])
def test_credentials_in_command_lines_go_in_every_form(name, argv, secret):
    for form, text in _forms(argv).items():
        out = R.redact_text(text)
        assert secret not in out, (form, out)
        assert argv[0].rsplit("/", 1)[-1] in out, (form, out)  # the program stays
    out = R.redact_value("process.command_args", argv)
    assert secret not in json.dumps(out), out
    # the other words stay as they would without the secret (a user name after --user is pseudonymised)
    assert out == R.redact_value("process.command_args", [a.replace(secret, "REDACTED") for a in argv])


@pytest.mark.parametrize(("name", "text"), LOOK_ALIKES, ids=[n for n, _ in LOOK_ALIKES])
def test_command_line_look_alikes_survive(name, text):
    assert R.text.command_line_spans(text) == []
    argv = shlex.split(text.split("&&")[0].split(";")[0])
    assert R.text.argv_spans(argv) == []


def test_only_the_secret_goes():
    assert R.redact_text("mysqldump -uroot -pS3cr3t! shop") == "mysqldump -uroot -pREDACTED shop"
    assert R.redact_text("curl -u deploy:S3cr3t! https://ci.example.com/x") == \
        "curl -u deploy:REDACTED https://ci.example.com/x"
    assert R.redact_text("Command '['mysql', '-pS3cr3t!', 'shop']' failed") == "Command '['mysql', '-pREDACTED', 'shop']' failed"
    assert R.redact_text("PGPASSWORD=S3cr3t! psql -h db -U app shop") == "PGPASSWORD=REDACTED psql -h db -U app shop"
    assert R.redact_text("DB_PASSWORD=correct horse battery") == "DB_PASSWORD=REDACTED"  # .env: the whole line
    assert R.redact_value("process.command_args", ["htpasswd", "-nb", "admin", "S3cr3t!"]) == \
        ["htpasswd", "-nb", "admin", "REDACTED"]
    # a command line quoted whole: CalledProcessError of shell=True, sh -c '…'
    assert R.redact_text("Command 'mysql -u root -pS3cr3t! shop' returned non-zero exit status 1.") == \
        "Command 'mysql -u root -pREDACTED shop' returned non-zero exit status 1."
    assert R.redact_text("bash -c 'docker login -u bot -p S3cr3t! r.io && echo ok'") == \
        "bash -c 'docker login -u bot -p REDACTED r.io && echo ok'"
    assert R.redact_text('["--password", "S3cr3t!"]') == '["--password", "REDACTED"]'  # a document that is an argv


@pytest.mark.parametrize("value", ["8080", "80:80", "127.0.0.1:5432:5432/tcp", "/var/lib/x", "./a/b", "~/x",
                                   "C:\\x", "no:cacheprovider", "python3.11", "build", "www-data"])
def test_what_an_unknown_programs_p_keeps(value):
    assert not looks_secret(value)


@pytest.mark.parametrize("value", ["S3cr3t!", "Xk9mP2qR7vL4nW8sT3yZ", "p@ssw0rd", "hunter2#"])
def test_what_an_unknown_programs_p_takes(value):
    assert looks_secret(value)


def test_the_program_table_names_are_how_programs_are_run():
    assert all(name == name.lower() and " " not in name for name in PROGRAMS)


# -- protocol transcripts, nameless header values, session keys --------------------------------------------------
# (name, text, secret, kept)
TRANSCRIPTS = [
    ("smtp-auth-plain", "send: 'AUTH PLAIN AGl2YW4AaUp0bTNkMHlVMG5CSEU0SCE1\\r\\n'", "AGl2YW4AaUp0bTNk", "AUTH PLAIN"),
    ("smtp-auth-login-user", "send: 'AUTH LOGIN aXZhbkBleGFtcGxlLmNvbQ==\\r\\n'", "aXZhbkBleGFtcGxl", "AUTH LOGIN"),
    ("smtp-auth-login-password", "send: 'aUp0bTNkMHlVMG5CSEU0SCE1\\r\\n'", "aUp0bTNkMHlV", "send: '"),
    ("smtp-xoauth2", "AUTH XOAUTH2 dXNlcj1ib2JAeC5pbwFhdXRoPUJlYXJlciB5YTI5LmFiYwEB", "dXNlcj1ib2JAeC5p", "XOAUTH2"),
    ("imap-login", "> b'JKLM1 LOGIN ivan \"p@ss w0rd\"'", "p@ss w0rd", "LOGIN ivan"),
    ("imap-login-bare", "a001 LOGIN bob hunter22", "hunter22", "a001 LOGIN bob"),
    ("imap-authenticate", "> b'JKLM2 AUTHENTICATE PLAIN AGJvYgBodW50ZXIy'", "AGJvYgBodW50ZXIy", "AUTHENTICATE PLAIN"),
    ("pop3-pass", "*cmd* 'PASS hunter22'", "hunter22", "*cmd* 'PASS"),
    ("requests-invalid-header", "Invalid leading whitespace, reserved character(s), or return character(s) in header "
     "value: '7Yeapz5XUI4r1U4NzS8fAkFRpOHuHLdU\\n'", "7Yeapz5XUI4r1U4N", "header value: '"),
    ("http-client-invalid-header", "ValueError: Invalid header value b'7Yeapz5XUI4r1U4NzS8fAkFRpOHuHLdU\\r\\n'",
     "7Yeapz5XUI4r1U4N", "Invalid header value b'"),
    ("h11-illegal-header", "LocalProtocolError: Illegal header value b'7Yeapz5XUI4r1U4NzS8fAkFRpOHuHLdU '",
     "7Yeapz5XUI4r1U4N", "Illegal header value"),
    ("flask-session-key", "cache miss key=session:R6MYIYhW0Kk3yRhEHpORyVGSdKVUZXsD ttl=60", "R6MYIYhW0Kk3", "ttl=60"),
    ("express-session-key", "GET sess:Xk9mP2qR7vL4nW8sT3yZ5aB1 hit", "Xk9mP2qR7vL4", "GET sess:"),
    ("prefixed-session-key", "evict app:user_session:Xk9mP2qR7vL4nW8sT3yZ5aB1", "Xk9mP2qR7vL4", "app:user_session:"),
    # 12-19 characters after "session:": hex or letters and digits mixed
    ("short-hex-session-key", "SET session:9f8e7d6c5b4a3f2e 1", "9f8e7d6c5b4a3f2e", "SET session:"),
    ("short-sess-key", "GET sess:Zq8vLp3XwR7t hit", "Zq8vLp3XwR7t", "GET sess:"),
    ("short-sessionid-key", "DEL sessionid:a8f3kz9q2w7e5r1t", "a8f3kz9q2w7e5r1t", "DEL sessionid:"),
    ("django-cache-session", "miss django.contrib.sessions.cachex7k2m9q4w8e1r5t3y6u0i2o4p7a9s1d3", "x7k2m9q4w8e1",
     "django.contrib.sessions.cache"),
]

TRANSCRIPT_LOOK_ALIKES = [
    ("smtp-verbs", "send: 'QUIT\\r\\n' send: 'DATA\\r\\n' send: 'STARTTLS\\r\\n' send: 'ehlo [mail.example.com]\\r\\n'"),
    ("smtp-challenge", "reply: b'334 UGFzc3dvcmQ6\\r\\n'"),
    ("auth-prose", "AUTH LOGIN FAILED for relay; auth plain text disabled"),
    ("ftp-masked", "*cmd* 'PASS ******'"),
    ("test-runner", "--- PASS: TestLogin (0.00s)"),
    ("header-value-prose", "in header value: 'application/json\\n'"),
    ("session-prose", "session 4bf92f3535e4c04a0b4a9d6a8a3e1b2f started; session:42 ok; sessions: 12"),
    ("session-word-key", "key=session:checkout_flow_started_v2"),
    ("session-short-look-alikes", "INCR session:count; GET session:42; GET session:user_profile_cache; "
     "GET session:2026-11-30-daily; GET session:v1-shard-0001; GET session:000000000000"),
]


@pytest.mark.parametrize(("name", "text", "secret", "kept"), TRANSCRIPTS, ids=[c[0] for c in TRANSCRIPTS])
def test_transcripts_and_keys(name, text, secret, kept):
    out = R.redact_text(text)
    assert secret not in out, out
    assert kept in out, out


@pytest.mark.parametrize(("name", "text"), TRANSCRIPT_LOOK_ALIKES, ids=[n for n, _ in TRANSCRIPT_LOOK_ALIKES])
def test_transcript_and_key_look_alikes_survive(name, text):
    assert R.text.scrub(text)[0] == text


def test_redis_statements_lose_session_ids_in_their_keys():
    assert obfuscate_redis("GET session:R6MYIYhW0Kk3yRhEHpORyVGSdKVUZXsD") == "GET session:?"
    assert obfuscate_redis("SET sess:Xk9mP2qR7vL4nW8sT3yZ5aB1 v EX 60") == "SET sess:? ?"
    assert obfuscate_redis("GET user:42:profile") == "GET user:42:profile"
    assert obfuscate_redis("GET session:count") == "GET session:count"
    assert obfuscate_redis("SET session:9f8e7d6c5b4a3f2e 1") == "SET session:? ?"
    assert obfuscate_nosql("memcached", "get sess:Xk9mP2qR7vL4nW8sT3yZ5aB1") == "get sess:?"


# -- properties ----------------------------------------------------------------------------------------------------
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
passwords = st.text(alphabet="abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%^*+=?~@$", min_size=8,
                    max_size=24).filter(lambda s: any(c.isdigit() for c in s) and any(c.isalpha() for c in s))
templates = st.sampled_from([
    ["mysql", "-u", "root", "-p{}", "shop"], ["mysqldump", "-p", "{}", "shop"], ["docker", "login", "-p", "{}", "r.io"],
    ["sshpass", "-p", "{}", "ssh", "h"], ["curl", "-u", "ci:{}", "https://x.example/"], ["redis-cli", "-a", "{}"],
    ["htpasswd", "-bc", "f", "admin", "{}"], ["ldapsearch", "-w", "{}", "-b", "dc=x"], ["app", "--password", "{}"],
    ["app", "--api-key={}"], ["tool", "-p", "{}"], ["smbclient", "//h/s", "-U", "u%{}"], ["sqlcmd", "-P", "{}"],
])
prose = st.sampled_from(["", "backup failed: ", "+ ", "running ", "error running command "])


@SETTINGS
@given(templates, passwords, prose, st.sampled_from(["repr", "json", "shell", "json-in-log", "attribute"]))
def test_a_password_on_any_command_line_never_survives(template, password, before, form):
    """Every program of the table, and an unknown one given a value that looks like a secret (by design: a number,
    a path or a word after an unknown program's -p stays)."""
    assume(template[0] != "tool" or looks_secret(password))
    argv = [w.format(password) for w in template]
    if form == "attribute":
        out = json.dumps(R.redact_value("process.command_args", argv))
        assert password not in out and json.dumps(password)[1:-1] not in out
        return
    text = before + _forms(argv)[form]
    out = R.redact_text(text)
    for needle in (password, shlex.quote(password), json.dumps(password)[1:-1], repr(password)[1:-1]):
        assert needle not in out, (text, out)

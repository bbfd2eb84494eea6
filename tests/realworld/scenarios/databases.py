"""Databases through their instrumentations: sqlite3, psycopg 3 on a real PostgreSQL (parameters captured, as
``capture_parameters=True`` users have them), SQLAlchemy's ORM (its IntegrityError text with ``[SQL: …]``
and ``[parameters: …]``), redis-py on a real redis-server. Secrets as statement literals, bound
parameters, values PostgreSQL echoes in DETAIL lines and error texts, and a DSN in a log line."""

from __future__ import annotations

from ..canaries import Secret, canary, password, token, word
from ..cases import DB_SYSTEM, case, keep

SQ_MAIL, SQ_TOKEN = canary("email_ascii", "sqlite3.literals"), token("sqlite3.literals")


@case("sqlite3.literals", library="sqlite3", where="literals in a statement built with an f-string",
      secrets=[SQ_MAIL, SQ_TOKEN], keeps=keep("SELECT id FROM accounts WHERE email =", attrs={DB_SYSTEM: "sqlite"}))
def _(env):
    import sqlite3

    conn = sqlite3.connect(":memory:")
    cur = conn.cursor()
    cur.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT UNIQUE, api_token TEXT)")
    cur.execute(f"INSERT INTO accounts (email, api_token) VALUES ('{SQ_MAIL}', '{SQ_TOKEN}')")
    cur.execute(f"SELECT id FROM accounts WHERE email = '{SQ_MAIL}'").fetchall()
    conn.close()


def _pg(env):
    import psycopg

    return psycopg.connect(env.postgres, autocommit=True)


def _t(env, table: str) -> str:
    """The variants' processes share one PostgreSQL and run at once: a table per variant (the keeps
    match the base name, a substring of it)."""
    return f"{table}_{env.variant}"


PG_MAIL, PG_PW = canary("email_ascii", "psycopg.params"), password("psycopg.params")


@case("psycopg.parameters", library="psycopg", where="bound parameters (%s) captured by the instrumentation "
      "as db.statement.parameters", secrets=[PG_MAIL, PG_PW], needs=("postgres",),
      keeps=keep("pg_users_p", attrs={DB_SYSTEM: "postgresql"}))
def _(env):
    with _pg(env) as conn:
        t = _t(env, "pg_users_p")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {t} (id serial PRIMARY KEY, email text, pw_hash text)")
        conn.execute(f"SELECT id FROM {t} WHERE email = %s AND pw_hash = %s", (PG_MAIL.value, PG_PW.value))


PGU_MAIL = canary("email_ascii", "psycopg.unique")


@case("psycopg.unique_violation", library="psycopg", where="a duplicate e-mail: UniqueViolation's "
      "'DETAIL:  Key (email)=(…) already exists.' recorded on the span and logged", secrets=[PGU_MAIL],
      needs=("postgres",), keeps=keep("pg_users_u", "UniqueViolation", attrs={DB_SYSTEM: "postgresql"}))
def _(env):
    import psycopg

    with _pg(env) as conn:
        t = _t(env, "pg_users_u")
        conn.execute(f"DROP TABLE IF EXISTS {t}")
        conn.execute(f"CREATE TABLE {t} (id serial PRIMARY KEY, email text UNIQUE)")
        conn.execute(f"INSERT INTO {t} (email) VALUES (%s)", (PGU_MAIL.value,))
        try:
            conn.execute(f"INSERT INTO {t} (email) VALUES (%s)", (PGU_MAIL.value,))
        except psycopg.errors.UniqueViolation:
            env.log.exception("signup failed")


PGF_NOTE, PGF_TOKEN = word("psycopg.failing"), token("psycopg.failing")


@case("psycopg.failing_row", library="psycopg", where="a NOT NULL violation: PostgreSQL's 'DETAIL:  Failing "
      "row contains (…)' lists every column of the row (a reset token, a note)", secrets=[PGF_NOTE, PGF_TOKEN],
      needs=("postgres",), keeps=keep("pg_resets", "NotNullViolation"))
def _(env):
    import psycopg

    with _pg(env) as conn:
        t = _t(env, "pg_resets")
        conn.execute(f"DROP TABLE IF EXISTS {t}")
        conn.execute(f"CREATE TABLE {t} (id serial PRIMARY KEY, reset_token text, note text, user_id int NOT NULL)")
        try:
            conn.execute(f"INSERT INTO {t} (reset_token, note, user_id) VALUES (%s, %s, %s)",
                          (PGF_TOKEN.value, PGF_NOTE.value, None))
        except psycopg.errors.NotNullViolation:
            env.log.exception("could not store reset token")


PGI_TOKEN = token("psycopg.invalid_input")


@case("psycopg.invalid_input", library="psycopg", where="a value that is not a uuid: PostgreSQL echoes it "
      "('invalid input syntax for type uuid: \"…\"')", secrets=[PGI_TOKEN], needs=("postgres",),
      keeps=keep("InvalidTextRepresentation", "uuid"))
def _(env):
    import psycopg

    with _pg(env) as conn:
        try:
            conn.execute("SELECT %s::uuid", (PGI_TOKEN.value,))
        except psycopg.errors.InvalidTextRepresentation:
            env.log.exception("bad session id")


PGA_USER = Secret("olivia.rossi4821", ("olivia.rossi4821",), "user name")


@case("psycopg.auth_failure", library="psycopg", where="a connection the server refuses: psycopg's OperationalError "
      "carries PostgreSQL's 'password authentication failed for user \"…\"' (or 'role \"…\" does not exist' under "
      "trust authentication)", secrets=[PGA_USER], needs=("postgres",), keeps=keep("OperationalError", "FATAL"))
def _(env):
    import psycopg

    try:
        psycopg.connect(env.postgres, user=PGA_USER.value, password="wrong-Pa55", connect_timeout=5).close()
    except psycopg.OperationalError:
        env.log.exception("database connection failed")


PGL_KEY, PGL_MAIL = canary("token_github", "psycopg.literal"), canary("email_ascii", "psycopg.literal")


@case("psycopg.literals", library="psycopg", where="literals in an f-string UPDATE", secrets=[PGL_KEY, PGL_MAIL],
      needs=("postgres",), keeps=keep("pg_keys", attrs={DB_SYSTEM: "postgresql"}))
def _(env):
    with _pg(env) as conn:
        t = _t(env, "pg_keys")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {t} (email text, api_key text)")
        conn.execute(f"UPDATE {t} SET api_key = '{PGL_KEY}' WHERE email = '{PGL_MAIL}'")


SA_MAIL, SA_TOKEN = canary("email_ascii", "sqlalchemy.sqlite"), token("sqlalchemy.sqlite")
SAP_MAIL, SAP_TOKEN = canary("email_ascii", "sqlalchemy.pg"), token("sqlalchemy.pg")


def _orm(url: str, table: str, mail: str, tok: str, env) -> None:
    from sqlalchemy import Column, Integer, String, create_engine
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import Session, declarative_base

    base = declarative_base()

    class Account(base):
        __tablename__ = table
        id = Column(Integer, primary_key=True)
        email = Column(String, unique=True)
        api_token = Column(String)

    engine = create_engine(url)
    base.metadata.drop_all(engine)
    base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Account(email=mail, api_token=tok))
        session.commit()
        session.add(Account(email=mail, api_token=tok))
        try:
            session.commit()
        except IntegrityError:
            env.log.exception("could not create account")
    engine.dispose()


@case("sqlalchemy.integrity_sqlite", library="sqlalchemy", where="ORM insert of a duplicate: IntegrityError's "
      "text '[SQL: INSERT …] [parameters: (email, token)]' logged with logger.exception",
      secrets=[SA_MAIL, SA_TOKEN], keeps=keep("IntegrityError", "sa_accounts"))
def _(env):
    _orm("sqlite://", "sa_accounts", SA_MAIL.value, SA_TOKEN.value, env)


@case("sqlalchemy.integrity_postgres", library="sqlalchemy", where="the same on PostgreSQL (psycopg): "
      "DETAIL line and '[parameters: {'email': …, 'api_token': …}]'", secrets=[SAP_MAIL, SAP_TOKEN],
      needs=("postgres",), keeps=keep("IntegrityError", "sa_pg_accounts"))
def _(env):
    host = dict(kv.split("=", 1) for kv in env.postgres.split())
    _orm(f"postgresql+psycopg://postgres@/postgres?host={host['host']}&port={host['port']}", _t(env, "sa_pg_accounts"),
         SAP_MAIL.value, SAP_TOKEN.value, env)


DSN_PW = password("dsn.log")


@case("psycopg.dsn_logged", library="psycopg", where="a connection failure logged with the DSN it used "
      "(key=value conninfo with password=)", secrets=[DSN_PW], keeps=keep("cannot connect", "OperationalError"))
def _(env):
    import psycopg

    from .http_clients import closed_port

    dsn = f"host=127.0.0.1 port={closed_port()} dbname=shop user=shop password={DSN_PW} connect_timeout=2"
    try:
        psycopg.connect(dsn)
    except psycopg.OperationalError:
        env.log.exception("cannot connect with %s", dsn)


RD_MAIL, RD_TOKEN = canary("email_ascii", "redis.unknown"), token("redis.unknown")


@case("redis.unknown_command", library="redis", where="a RedisJSON command on a server without the module: "
      "redis-server echoes the first arguments ('with args beginning with: …') in the error",
      secrets=[RD_MAIL, RD_TOKEN], needs=("redis",), keeps=keep("JSON.SET", attrs={DB_SYSTEM: "redis"}))
def _(env):
    import json

    import redis

    r = redis.Redis(host="localhost", port=env.redis_port)
    try:
        r.execute_command("JSON.SET", f"session:{RD_TOKEN}", "$", json.dumps({"email": RD_MAIL.value}))
    except redis.ResponseError:
        env.log.exception("cache write failed")
    r.close()


RDA_PW = password("redis.url")


@case("redis.url_logged", library="redis", where="the app logs the redis URL (with its password) it connects "
      "to at start-up", secrets=[RDA_PW], needs=("redis",), keeps=keep("connecting to cache", "redis://"))  # (the db index is templated, as any number in a path)
def _(env):
    import redis

    url = f"redis://:{RDA_PW}@localhost:{env.redis_port}/0"
    env.log.info("connecting to cache at %s", url)
    client = redis.from_url(url.replace(f":{RDA_PW}@", ""))
    client.ping()
    client.close()


SAE_MAIL, SAE_TOKEN = canary("email_ascii", "sqlalchemy.echo"), token("sqlalchemy.echo")


@case("sqlalchemy.echo", library="sqlalchemy", where="create_engine(echo=True), as in development: the "
      "sqlalchemy.engine logger writes each statement and then its parameters ('[generated in …] (…)')",
      secrets=[SAE_MAIL, SAE_TOKEN], keeps=keep("sa_echo_tokens", "generated in"))
def _(env):
    from sqlalchemy import create_engine, text

    engine = create_engine("sqlite://", echo=True)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE sa_echo_tokens (email TEXT, token TEXT)"))
        conn.execute(text("INSERT INTO sa_echo_tokens (email, token) VALUES (:email, :token)"),
                     {"email": SAE_MAIL.value, "token": SAE_TOKEN.value})
    engine.dispose()
    import logging

    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)  # echo=True set it to INFO for good


SAD_TOKEN, SAD_ANSWER = token("sqlalchemy.echo_debug"), word("sqlalchemy.echo_debug")


@case("sqlalchemy.echo_debug_rows", library="sqlalchemy", where="create_engine(echo='debug'), the documented "
      "switch for seeing result rows: after 'Col (…)' each fetched row is logged as 'Row (…)' — an API token and a "
      "security answer read back from their table", secrets=[SAD_TOKEN, SAD_ANSWER],
      keeps=keep("sa_debug_accounts", "Col ('id', 'api_token', 'security_answer')"))
def _(env):
    import logging

    from sqlalchemy import create_engine, text

    engine = create_engine("sqlite://", echo="debug")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE sa_debug_accounts (id INTEGER PRIMARY KEY, api_token TEXT, "
                          "security_answer TEXT)"))
        conn.execute(text("INSERT INTO sa_debug_accounts (api_token, security_answer) VALUES (:t, :a)"),
                     {"t": SAD_TOKEN.value, "a": SAD_ANSWER.value})
        conn.execute(text("SELECT id, api_token, security_answer FROM sa_debug_accounts")).fetchall()
    engine.dispose()
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)  # echo set it to DEBUG for good


PSQL_TOKEN, PSQL_MAIL = token("psql.output"), canary("email_ascii", "psql.output")


@case("psql.query_output_logged", library="psql", where="a maintenance job that runs psql and logs what it "
      "printed: the default aligned table (' col | col' over '----+----') and, with \\pset border 2, the grid "
      "('+----+' borders, as MySQL's client draws it) — an api_token column and an e-mail", secrets=[PSQL_TOKEN,
      PSQL_MAIL], needs=("postgres",), keeps=keep("api_token", "(1 row)", "+---", "Border style is 2."))
def _(env):
    import shutil
    import subprocess

    query = (f"SELECT * FROM (VALUES (42, '{PSQL_MAIL.value}', '{PSQL_TOKEN.value}', 'pro')) "
             "AS t(id, email, api_token, plan)")
    out = subprocess.run([shutil.which("psql") or "psql", env.postgres, "-X", "-c", query, "-c", "\\pset border 2",
                          "-c", query], capture_output=True, text=True, timeout=20, check=True).stdout
    env.log.info("key audit finished:\n%s", out)


RMN_TOKEN, RMN_MAIL = token("redis.monitor", 40), canary("email_ascii", "redis.monitor")


@case("redis.monitor_logged", library="redis", where="Redis MONITOR tailed into the logs while debugging a cache "
      "(the server's own lines, read raw through redis-py's Monitor connection): '<time> [0 127.0.0.1:port] "
      "\"HSET\" \"user:42\" \"email\" \"…\" \"reset_token\" \"…\"'", secrets=[RMN_TOKEN, RMN_MAIL],
      needs=("redis",), keeps=keep('"HSET"', '"reset_token"', '"EXPIRE"'))
def _(env):
    import redis

    client = redis.Redis(port=env.redis_port)
    with client.monitor() as monitor:
        client.hset("user:42:reset", mapping={"email": RMN_MAIL.value, "reset_token": RMN_TOKEN.value})
        client.expire("user:42:reset", 900)
        for _ in range(3):  # the client's HELLO handshake, HSET, EXPIRE
            line = monitor.connection.read_response()
            env.log.info("%s", line.decode() if isinstance(line, bytes) else line)
    client.close()


RDS_TOKEN = token("redis.session")
RDS_MAIL = canary("email_ascii", "redis.session")  # the instrumentation sanitises values: not exported


@case("redis.session_keys", library="redis", where="session storage keyed by the session token ('session:<token>', "
      "as Flask-Session and Django's cache backend do) holding the user's e-mail, and a cache-miss debug line "
      "naming the key", secrets=[RDS_TOKEN], needs=("redis",),
      keeps=keep("cache miss", attrs={DB_SYSTEM: "redis"}))
def _(env):
    import json

    import redis

    r = redis.Redis(host="localhost", port=env.redis_port)
    key = f"session:{RDS_TOKEN}"
    r.set(key, json.dumps({"email": RDS_MAIL.value, "cart": [1001, 1002]}), ex=60)
    r.get(key)
    r.delete(key)
    if r.get(key) is None:
        env.log.info("cache miss key=%s ttl=%d", key, 60)
    r.close()

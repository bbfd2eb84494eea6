"""gRPC through its instrumentation (client and server): credentials in call metadata, and secrets in the
status details and server exceptions that reach both spans."""

from __future__ import annotations

import json

from ..canaries import canary, token
from ..cases import case, keep
from ..servers import GRPC_SERVICE

GR_JWT, GR_KEY, GR_MAIL = canary("jwt", "grpc.login"), token("grpc.apikey"), canary("email_ascii", "grpc.login")


@case("grpc.metadata_abort", library="grpc", where="Bearer JWT and x-api-key in call metadata (the server logs "
      "its metadata dict), and context.abort(UNAUTHENTICATED, details with the key and e-mail)",
      secrets=[GR_JWT, GR_KEY, GR_MAIL], keeps=keep(attrs={"rpc.service": GRPC_SERVICE, "rpc.method": "Login"}))
def _(env):
    import grpc

    with grpc.insecure_channel(env.grpc) as channel:
        login = channel.unary_unary(f"/{GRPC_SERVICE}/Login")
        try:
            login(json.dumps({"email": GR_MAIL.value}).encode(), timeout=5,
                  metadata=(("authorization", f"Bearer {GR_JWT}"), ("x-api-key", GR_KEY.value)))
        except grpc.RpcError as exc:
            env.log.warning("login rpc failed: %s", exc)


GRX_MAIL = canary("email_ascii", "grpc.lookup")


@case("grpc.server_exception", library="grpc", where="a server handler raising KeyError with the e-mail: the "
      "server span's exception, the client's 'Exception calling application: …' details",
      secrets=[GRX_MAIL], keeps=keep(attrs={"rpc.service": GRPC_SERVICE, "rpc.method": "Lookup"}))
def _(env):
    import grpc

    with grpc.insecure_channel(env.grpc) as channel:
        lookup = channel.unary_unary(f"/{GRPC_SERVICE}/Lookup")
        try:
            lookup(json.dumps({"email": GRX_MAIL.value}).encode(), timeout=5)
        except grpc.RpcError as exc:
            env.log.error("lookup failed: %s", exc.details())


GRM_KEY, GRM_SESSION = token("grpc.metadatum.key"), token("grpc.metadatum.session")


@case("grpc.invocation_metadata_repr", library="grpc", where="a server handler logging "
      "context.invocation_metadata() with %r: gRPC's tuple of _Metadatum(key='x-api-key', value='…') namedtuples "
      "(a name/value pair written as a call)", secrets=[GRM_KEY, GRM_SESSION],
      keeps=keep("_Metadatum(key='x-api-key'", "x-request-id", attrs={"rpc.method": "Profile"}))
def _(env):
    import grpc

    with grpc.insecure_channel(env.grpc) as channel:
        profile = channel.unary_unary(f"/{GRPC_SERVICE}/Profile")
        profile(b"{}", timeout=5, metadata=(("x-api-key", GRM_KEY.value), ("x-session-token", GRM_SESSION.value),
                                             ("x-request-id", "r-5521")))

"""Exceptions from real libraries that echo what they were given: pydantic's ValidationError (input_value=…),
botocore's presigned URLs and parameter validation, json.JSONDecodeError with the document the app logs."""

from __future__ import annotations

from ..canaries import canary, password, token
from ..cases import case, keep

PD_MAIL, PD_PW, PD_CARD = canary("email_ascii", "pydantic"), password("pydantic", 14), canary("card_visa", "pydantic")


@case("pydantic.validation_error", library="pydantic", where="a signup validated by a pydantic model: each "
      "failing field's error repeats its input_value (an e-mail with a trailing space, a password that is too "
      "short, a card number that is too long)", secrets=[PD_MAIL, PD_PW, PD_CARD],
      keeps=keep("ValidationError", "string_too_short", "Field required"))
def _(env):
    from pydantic import BaseModel, Field, ValidationError

    class Signup(BaseModel):
        email: str = Field(pattern=r"^\S+@\S+$")
        password: str = Field(min_length=20)
        age: int
        card: str = Field(max_length=12)

    try:
        Signup.model_validate({"email": f"{PD_MAIL} ", "password": PD_PW.value, "card": PD_CARD.value})
    except ValidationError:
        env.log.exception("invalid signup payload")


BC_KEY, BC_SECRET, BC_SESSION = canary("token_aws_key_id", "botocore"), canary("aws_secret", "botocore"), \
    token("botocore.session", 60)


@case("botocore.presigned_url", library="botocore", where="an S3 presigned URL (X-Amz-Credential with the "
      "access key id, X-Amz-Security-Token, X-Amz-Signature) logged and fetched with requests",
      secrets=[BC_KEY, BC_SESSION], keeps=keep("download link", "/invoices/"))
def _(env):
    import botocore.session
    import requests
    from botocore.config import Config

    session = botocore.session.get_session()
    s3 = session.create_client("s3", region_name="eu-west-1", aws_access_key_id=BC_KEY.value,
                               aws_secret_access_key=BC_SECRET.value, aws_session_token=BC_SESSION.value,
                               endpoint_url=f"http://localhost:{env.echo.port}",
                               config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "invoices", "Key": "2024/inv-1001.pdf"},
                                    ExpiresIn=300)
    env.log.info("download link %s", url)
    requests.get(url, timeout=5)


BCV_CARD = canary("card_mastercard", "botocore.param")


@case("botocore.param_validation", library="botocore", where="a DynamoDB put_item with a card number as an int "
      "where the low-level API wants {'S': str}: ParamValidationError repeats the value (span exception, log)",
      secrets=[BCV_CARD], keeps=keep("ParamValidationError", "Item.card.S"))
def _(env):
    import botocore.session
    from botocore.exceptions import ParamValidationError

    ddb = botocore.session.get_session().create_client(
        "dynamodb", region_name="eu-west-1", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        endpoint_url=f"http://localhost:{env.echo.port}")
    digits = int("".join(c for c in BCV_CARD.value if c.isdigit()))
    try:
        ddb.put_item(TableName="payments", Item={"order_id": {"S": "o-1001"}, "card": {"S": digits}})
    except ParamValidationError:
        env.log.exception("could not store payment")


JS_TOKEN, JS_MAIL = canary("token_github", "json.decode"), canary("email_ascii", "json.decode")


@case("json.decode_error", library="json", where="a truncated webhook body: the app logs JSONDecodeError with "
      "the document it could not parse", secrets=[JS_TOKEN, JS_MAIL], keeps=keep("JSONDecodeError", "webhook"))
def _(env):
    import json

    body = f'{{"action": "created", "installation": {{"token": "{JS_TOKEN}"}}, "sender": {{"email": "{JS_MAIL}"'
    try:
        json.loads(body)
    except json.JSONDecodeError as exc:
        env.log.exception("invalid webhook payload %r: %s", exc.doc, exc)

"""Vendors' API keys and tokens: one example of every format (and every prefix of each) in the catalogue."""

from __future__ import annotations

import random
import re
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_privacy import Policy, Redactor
from otel_privacy.scrub.vendors import VENDOR_TOKENS

R = Redactor("default")
_rnd = random.Random(16)


def a(n: int) -> str:
    """n alphanumerics, mixed case (deterministic)."""
    return "".join(_rnd.choice(string.ascii_letters + string.digits) for _ in range(n))


def h(n: int) -> str:
    return "".join(_rnd.choice("0123456789abcdef") for _ in range(n))


def up(n: int) -> str:
    return "".join(_rnd.choice(string.ascii_uppercase + string.digits) for _ in range(n))


# vendor -> tokens (every alternative of the format's prefix); the whole token must disappear
EXAMPLES: dict[str, list[str]] = {
    "GitHub": [f"gh{k}_{a(36)}" for k in "pousr"],
    "GitHub fine-grained": [f"github_pat_11A{a(19)}_{a(59)}"],
    "GitLab": [f"gl{k}-{a(20)}" for k in
               ("pat", "rt", "dt", "ft", "imt", "ptt", "soat", "cbt", "oas", "agent", "ffct", "wt")],
    "GitLab runner registration": [f"GR1348941{a(20)}"],
    "Bitbucket app password": [f"ATBB{a(32)}"],
    "Atlassian API token": [f"ATATT3xFfGF0{a(40)}", f"ATCTT3xFfGN0{a(40)}"],
    "Buildkite": [f"bkua_{h(40)}"],
    "CircleCI": [f"CCIPAT_{a(20)}_{h(40)}"],
    "Docker Hub": [f"dckr_pat_{a(27)}"],
    "Sourcegraph": [f"sgp_{h(16)}_{h(40)}"],
    "Postman": [f"PMAK-{h(24)}-{h(34)}"],
    "Pulumi": [f"pul-{h(40)}"],
    "Terraform Cloud": [f"{a(14)}.atlasv1.{a(67)}"],
    "Slack": [f"xox{k}-{h(12)}-{h(12)}-{a(24)}" for k in "abposre"],
    "Slack config": [f"xoxe.xox{k}-1-{a(40)}" for k in "bp"],
    "Slack app-level": [f"xapp-1-A0{up(9)}-{h(13)}-{h(64)}"],
    "Telegram bot": [f"123456789:AA{a(33)}"],
    "Linear": [f"lin_{k}_{a(40)}" for k in ("api", "oauth")],
    "Notion": [f"secret_{a(43)}", f"ntn_{a(46)}"],
    "Figma": [f"figd_{a(40)}"],
    "Typeform": [f"tfp_{a(44)}"],
    "Contentful": [f"CFPAT-{a(43)}"],
    "Stripe": [f"{p}k_{m}_{a(24)}" for p in "sr" for m in ("live", "test")],
    "Stripe webhook": [f"whsec_{a(32)}"],
    "Shopify": [f"shp{k}_{h(32)}" for k in ("at", "ca", "pa", "ss")],
    "Square": [f"sq0{k}-{a(43)}" for k in ("atp", "csp")],
    "Square / Facebook access token": [f"EAAA{a(60)}"],
    "Shippo": [f"shippo_{m}_{h(40)}" for m in ("live", "test")],
    "OpenAI / Anthropic / OpenRouter": [f"sk-proj-{a(74)}_{a(20)}", f"sk-{a(20)}T3BlbkFJ{a(20)}",
                                        f"sk-ant-api03-{a(93)}-{a(6)}AA", f"sk-or-v1-{h(64)}", f"sk-svcacct-{a(60)}"],
    "Hugging Face": [f"hf_{a(34)}", f"api_org_{a(34)}"],
    "Groq": [f"gsk_{a(52)}"],
    "Replicate": [f"r8_{a(37)}"],
    "Perplexity": [f"pplx-{a(48)}"],
    "xAI": [f"xai-{a(80)}"],
    "LangSmith": [f"lsv2_{k}_{h(32)}_{h(10)}" for k in ("pt", "sk")],
    "AWS key id": [f"A{k}{up(16)}" for k in ("KIA", "SIA", "BIA", "CCA", "ROA", "IDA")],
    "Google API key": [f"AIza{a(35)}"],
    "Google OAuth access token": [f"ya29.{a(60)}"],
    "Google OAuth client secret": [f"GOCSPX-{a(28)}"],
    "Google OAuth refresh token": [f"1//0{a(60)}"],
    "Azure AD client secret": [f"abc8Q~{a(34)}"],
    "DigitalOcean": [f"do{k}_v1_{h(64)}" for k in "opr"],
    "Alibaba Cloud": [f"LTAI{a(20)}"],
    "Tencent Cloud": [f"AKID{a(32)}"],
    "Heroku": [f"HRKU-AA{a(58)}"],
    "Fly.io": [f"fo1_{a(43)}"],
    "Supabase": [f"sbp_{h(40)}", f"sb_secret_{a(32)}"],
    "PlanetScale": [f"pscale_{k}_{a(43)}" for k in ("tkn", "pw", "oauth")],
    "Render": [f"rnd_{a(32)}"],
    "Netlify": [f"nfp_{a(36)}"],
    "Databricks": [f"dapi{h(32)}"],
    "Vault": [f"hv{k}.{a(90)}" for k in "sbr"],
    "Doppler": [f"dp.{k}.{a(43)}" for k in ("pt", "st", "sa", "ct", "scim", "audit")],
    "1Password service account": [f"ops_eyJ{a(120)}"],
    "JFrog": [f"AKCp{a(69)}", f"cmVmdGtu{a(56)}"],
    "age secret key": [f"AGE-SECRET-KEY-1{up(58)}"],
    "npm": [f"npm_{a(36)}"],
    "PyPI": [f"pypi-AgEIcHlwaS5vcmc{a(60)}"],
    "SendGrid": [f"SG.{a(22)}.{a(43)}"],
    "Brevo": [f"xkeysib-{h(64)}-{a(16)}"],
    "Mailgun": [f"key-{h(32)}"],
    "Mailchimp": [f"{h(32)}-us21"],
    "Twilio": [f"AC{h(32)}", f"SK{h(32)}"],
    "New Relic": [f"NR{k}-{up(27)}" for k in ("AK", "AA", "II", "JS", "RI")],
    "New Relic license": [f"{h(36)}NRAL"],
    "Sentry": [f"sntrys_eyJ{a(80)}", f"sntryu_{h(64)}"],
    "Grafana": [f"glc_{a(40)}==", f"glsa_{a(32)}_{h(8)}"],
    "Dynatrace": [f"dt0c01.{up(24)}.{up(64)}"],
    "Honeycomb": [f"hcaik_{a(58)}"],
    "Twitter bearer": ["A" * 22 + a(80)],
}
# Formats whose name stays and only the value goes: (text, the value)
AZURE = [
    (f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={a(86)}==;EndpointSuffix=core.windows.net", 86),
    (f"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey={a(43)}=", 43),
    (f"Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;sharedaccesskey={a(44)};EntityPath=q", 44),
    (f"Endpoint=sb://relay.servicebus.windows.net/;SharedSecretIssuer=owner;SharedSecretValue={a(44)}=", 44),
]

CASES = [(vendor, token) for vendor, tokens in EXAMPLES.items() for token in tokens]
SURROUNDINGS = ["{}", "key {} used", "token={}&x=1", '{{"api_key": "{}"}}', "Authorization: {}", "({})", "{}."]


def test_every_catalogue_entry_has_examples():
    assert set(EXAMPLES) | {"Azure storage / Service Bus key"} == {t.vendor for t in VENDOR_TOKENS}


@pytest.mark.parametrize(("vendor", "token"), CASES, ids=[f"{v}-{i}" for i, (v, _) in enumerate(CASES)])
def test_vendor_tokens_are_replaced_wherever_they_sit(vendor, token):
    for shape in SURROUNDINGS:
        out, found = R.text.scrub(shape.format(token))
        assert token not in out and token[-12:] not in out, (shape, out)
        assert found, shape


@pytest.mark.parametrize(("text", "length"), AZURE, ids=["storage", "service-bus", "lower-case-key", "acs-secret"])
def test_azure_connection_strings_lose_only_the_key(text, length):
    out = R.redact_text(text)
    value = re.search(r"(?i)(?:AccountKey|SharedAccessKey|SharedSecretValue)=([^;]+)", text).group(1)
    assert len(value) >= length and value not in out and value[:12] not in out
    assert "AccountName=acct" in out or "SharedAccessKeyName" in out or "SharedSecretIssuer=" in out
    assert out.count(";") == text.count(";")


LOOK_ALIKES = [
    ("prefix-inside-word", f"xghp_{a(36)} and notsk-{a(40)} and zAKIA{up(16)}"),
    ("too-short", "ghp_short sk-abc hf_x glpat-123 xoxb-1 npm_abc shpat_123 dop_v1_abc"),
    ("task-ids", "task-7f9a2c started, disk-usage 87%, risk-score 12"),
    ("sha1-after-key", "cache key-7f9a2c, idempotency-key 4bf92f3535e4c04a0b4a9d6a8a3e1b2f"),
    ("twilio-like-but-long", f"ACK {h(40)} and AC{h(31)}"),
    ("slack-channel", "posted to #general as xox-bot"),
    ("java-frames", "at com.example.sk.Handler.run(Handler.java:42)"),
    ("hf-model-names", "model hf_hub/download mistralai/Mistral-7B-v0.1"),
    ("stripe-publishable", f"pk_live_{a(24)} is public"),
]


@pytest.mark.parametrize(("name", "text"), LOOK_ALIKES, ids=[n for n, _ in LOOK_ALIKES])
def test_vendor_look_alikes_survive(name, text):
    out, found = R.text.scrub(text)
    assert "cloud_token" not in found and "aws_key" not in found, (out, found)


def test_switching_cloud_token_off_keeps_vendor_tokens_and_aws_key_ids_apart():
    off = Redactor(Policy.from_dict({"text": {"detectors": {"cloud_token": False}}}))
    text = f"hf {EXAMPLES['Hugging Face'][0]} aws {EXAMPLES['AWS key id'][0]}"
    out = off.redact_text(text)
    assert EXAMPLES["Hugging Face"][0] in out and EXAMPLES["AWS key id"][0] not in out


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
filler = st.text(alphabet=string.ascii_letters + " ,;:()[]=\"'\n" + "éü中Ж\u00a0", max_size=40)


@SETTINGS
@given(st.sampled_from([t for t in VENDOR_TOKENS if t.vendor != "Azure storage / Service Bus key"]).flatmap(
    lambda t: st.from_regex(t.compile(), fullmatch=True)), filler, st.sampled_from([" ", "=", ": ", "\n", "("]),
    filler)
def test_any_token_of_any_format_never_survives(token, before, sep, after):
    """Tokens drawn from each format's own regex, planted in arbitrary text (non-ASCII too)."""
    text = f"{before}{sep}{token} {after}"
    assert token not in R.redact_text(text)

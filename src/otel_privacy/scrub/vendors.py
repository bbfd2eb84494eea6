"""Vendors' API keys and tokens recognised by their documented shapes (a catalogue, one entry per format).

Most services now issue keys with a fixed prefix so that scanners can find them (GitHub's ``ghp_``, OpenAI's
``sk-proj-``, Hugging Face's ``hf_``, Shopify's ``shpat_``, …); the formats here follow the vendors'
documentation and the rules of gitleaks and detect-secrets. Each entry has:

* ``pattern`` — a Python regex for the token; when it has a group, only the group is the secret (Azure's
  ``AccountKey=<key>``: the name stays);
* ``trigger`` — an RE2 pattern every match contains (its literal prefix), so the scanner's one-pass prefilter runs
  this entry only on lines that hold it. Literals, not the body's character runs: a hundred patterns in one RE2
  set stay cheap only while each is anchored by a literal (runs of classes multiply the DFA's states);
* ``literals`` — substrings every match contains: the pure-Python path's gate;
* ``detector`` — the detector switch that governs it (``cloud_token``, or ``aws_key`` for AWS key ids).

A token must start a word (``xghp_…`` is part of something else). Tokens without a prefix (Datadog, Azure
OpenAI, Heroku's older UUID keys) are left to the key=value and high-entropy rules, which look for the word
in front of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["VendorToken", "VENDOR_TOKENS"]


@dataclass(frozen=True, slots=True)
class VendorToken:
    """One vendor's token format (see the module docstring for the fields)."""

    vendor: str
    pattern: str
    trigger: str
    literals: tuple[str, ...]
    detector: str = "cloud_token"
    word_start: bool = True  # the token must not continue a word (Telegram's sits after "bot" in URLs)

    def compile(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


_B = "[A-Za-z0-9_\\-]"  # base64url
_A = "[A-Za-z0-9]"


def _t(vendor: str, pattern: str, trigger: str, *literals: str, detector: str = "cloud_token",
       word_start: bool = True) -> VendorToken:
    return VendorToken(vendor, pattern, trigger, literals, detector, word_start)


VENDOR_TOKENS: tuple[VendorToken, ...] = (
    # -- source control and CI --------------------------------------------------------------------------------
    _t("GitHub", rf"gh[pousr]_{_A}{{20,}}", r"gh[pousr]_", "gh"),
    _t("GitHub fine-grained", r"github_pat_\w{20,}", r"github_pat_", "github_pat_"),
    _t("GitLab", rf"gl(?:pat|rt|dt|ft|imt|ptt|soat|cbt|oas|agent|ffct|wt)-{_B}{{20,}}",
       r"gl(?:pat|rt|dt|ft|imt|ptt|soat|cbt|oas|agent|ffct|wt)-", "gl"),
    _t("GitLab runner registration", rf"GR1348941{_B}{{20,}}", r"GR1348941", "GR1348941"),
    _t("Bitbucket app password", rf"ATBB{_A}{{24,}}", r"ATBB", "ATBB"),
    _t("Atlassian API token", rf"AT(?:ATT|CTT)3{_B}[A-Za-z0-9_\-=]{{40,}}", r"AT(?:ATT|CTT)3", "AT"),
    _t("Buildkite", r"bkua_[a-f0-9]{40}", r"bkua_", "bkua_"),
    _t("CircleCI", r"CCIPAT_\w{20,}", r"CCIPAT_", "CCIPAT_"),
    _t("Docker Hub", rf"dckr_pat_{_B}{{20,}}", r"dckr_pat_", "dckr_pat_"),
    _t("Sourcegraph", r"sgp_\w{40,}", r"sgp_", "sgp_"),
    _t("Postman", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}", r"PMAK-", "PMAK-"),
    _t("Pulumi", r"pul-[a-f0-9]{40}", r"pul-", "pul-"),
    _t("Terraform Cloud", rf"{_A}{{14}}\.atlasv1\.[A-Za-z0-9_\-=]{{60,}}", r"\.atlasv1\.", ".atlasv1."),
    # -- chat and collaboration ---------------------------------------------------------------------------------
    _t("Slack", r"xox[abposre]-[A-Za-z0-9\-]{10,}", r"xox[abposre]-", "xox"),
    _t("Slack config", r"xoxe\.xox[bp]-[A-Za-z0-9\-]{10,}", r"xoxe\.xox[bp]-", "xoxe.xox"),
    _t("Slack app-level", r"xapp-\d-[A-Za-z0-9\-]{10,}", r"xapp-\d-", "xapp-"),
    _t("Telegram bot", rf"(?<!\d)\d{{8,10}}:AA{_B}{{33}}", r"\d:AA", ":AA", word_start=False),
    _t("Linear", rf"lin_(?:api|oauth)_{_A}{{40}}", r"lin_(?:api|oauth)_", "lin_"),
    _t("Notion", rf"(?:secret|ntn)_{_A}{{40,}}", r"secret_|ntn_", "_"),
    _t("Figma", rf"figd_{_B}{{40,}}", r"figd_", "figd_"),
    _t("Typeform", r"tfp_[A-Za-z0-9_\-.=]{40,}", r"tfp_", "tfp_"),
    _t("Contentful", rf"CFPAT-{_B}{{40,}}", r"CFPAT-", "CFPAT-"),
    # -- payments and commerce ----------------------------------------------------------------------------------
    _t("Stripe", rf"[sr]k_(?:live|test)_{_A}{{16,}}", r"[sr]k_(?:live|test)_", "k_"),
    _t("Stripe webhook", rf"whsec_{_A}{{24,}}", r"whsec_", "whsec_"),
    _t("Shopify", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}", r"shp(?:at|ca|pa|ss)_", "shp"),
    _t("Square", rf"sq0(?:atp|csp)-{_B}{{22,}}", r"sq0(?:atp|csp)-", "sq0"),
    _t("Square / Facebook access token", rf"EAA{_B}{{60,}}", r"EAA", "EAA"),
    _t("Shippo", r"shippo_(?:live|test)_[a-f0-9]{40}", r"shippo_(?:live|test)_", "shippo_"),
    # -- AI ------------------------------------------------------------------------------------------------------
    # OpenAI (sk-proj-, sk-svcacct-, sk-admin-, legacy sk-…T3BlbkFJ…), Anthropic (sk-ant-api03-), OpenRouter
    # (sk-or-v1-), DeepSeek, Langfuse (sk-lf-): one shape, "sk-" and 32 or more token characters.
    _t("OpenAI / Anthropic / OpenRouter", rf"sk-{_B}{{32,}}", r"sk-", "sk-"),
    _t("Hugging Face", rf"(?:hf|api_org)_{_A}{{30,}}", r"hf_|api_org_", "_"),
    _t("Groq", rf"gsk_{_A}{{40,}}", r"gsk_", "gsk_"),
    _t("Replicate", rf"r8_{_A}{{37}}", r"r8_", "r8_"),
    _t("Perplexity", rf"pplx-{_A}{{40,}}", r"pplx-", "pplx-"),
    _t("xAI", rf"xai-{_A}{{60,}}", r"xai-", "xai-"),
    _t("LangSmith", r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}", r"lsv2_(?:pt|sk)_", "lsv2_"),
    # -- cloud ----------------------------------------------------------------------------------------------------
    _t("AWS key id", r"A(?:KIA|SIA|BIA|CCA|ROA|IDA)[A-Z0-9]{16}(?![A-Za-z0-9])", r"A(?:KIA|SIA|BIA|CCA|ROA|IDA)",
       "A", detector="aws_key"),
    _t("Google API key", r"AIza[0-9A-Za-z_\-]{35}", r"AIza", "AIza"),
    _t("Google OAuth access token", rf"ya29\.{_B}{{20,}}", r"ya29\.", "ya29."),
    _t("Google OAuth client secret", rf"GOCSPX-{_B}{{24,}}", r"GOCSPX-", "GOCSPX-"),
    _t("Google OAuth refresh token", rf"1//0{_B}{{40,}}", r"1//0", "1//0"),
    _t("Azure storage / Service Bus key", r"(?i:AccountKey|SharedAccessKey|SharedSecretValue)=([^;\"'\s]{16,})",
       r"(?i)(?:accountkey|sharedaccesskey|sharedsecretvalue)=", "="),
    _t("Azure AD client secret", r"[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}", r"\dQ~", "Q~"),
    _t("DigitalOcean", r"do[opr]_v1_[a-f0-9]{64}", r"do[opr]_v1_", "_v1_"),
    _t("Alibaba Cloud", rf"LTAI{_A}{{12,20}}(?![A-Za-z0-9])", r"LTAI", "LTAI"),
    _t("Tencent Cloud", rf"AKID{_A}{{32}}", r"AKID", "AKID"),
    _t("Heroku", rf"HRKU-{_B}{{20,}}", r"HRKU-", "HRKU-"),
    _t("Fly.io", rf"fo1_{_B}{{40,}}", r"fo1_", "fo1_"),
    _t("Supabase", r"sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_\-]{20,}", r"sbp_|sb_secret_", "sbp_", "sb_secret_"),
    _t("PlanetScale", r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_\-.=]{32,}", r"pscale_(?:tkn|pw|oauth)_", "pscale_"),
    _t("Render", rf"rnd_{_A}{{32,}}", r"rnd_", "rnd_"),
    _t("Netlify", rf"nfp_{_A}{{36,}}", r"nfp_", "nfp_"),
    _t("Databricks", r"dapi[a-f0-9]{32}(?:-\d)?", r"dapi", "dapi"),
    _t("Vault", rf"hv[sbr]\.{_B}{{24,}}", r"hv[sbr]\.", "hv"),
    _t("Doppler", rf"dp\.(?:pt|st|sa|ct|scim|audit)\.{_A}{{40,}}", r"dp\.(?:pt|st|sa|ct|scim|audit)\.", "dp."),
    _t("1Password service account", r"ops_eyJ[A-Za-z0-9+/=_\-]{100,}", r"ops_eyJ", "ops_eyJ"),
    _t("JFrog", rf"AKCp{_A}{{60,}}|cmVmdGtu{_A}{{50,}}", r"AKCp|cmVmdGtu", "AKCp", "cmVmdGtu"),
    _t("age secret key", r"AGE-SECRET-KEY-1[A-Z0-9]{58}", r"AGE-SECRET-KEY-1", "AGE-SECRET-KEY-1"),
    # -- e-mail, messaging, observability ---------------------------------------------------------------------------
    _t("npm", rf"npm_{_A}{{36}}", r"npm_", "npm_"),
    _t("PyPI", rf"pypi-Ag{_B}{{50,}}", r"pypi-Ag", "pypi-Ag"),
    _t("SendGrid", rf"SG\.{_B}{{16,}}\.{_B}{{16,}}", r"SG\.", "SG."),
    _t("Brevo", r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}", r"xkeysib-", "xkeysib-"),
    _t("Mailgun", r"key-[a-f0-9]{32}(?![A-Za-z0-9])", r"key-", "key-"),
    _t("Mailchimp", r"[a-f0-9]{32}-us\d{1,2}(?![A-Za-z0-9])", r"-us\d", "-us"),
    _t("Twilio", r"(?:AC|SK)[0-9a-fA-F]{32}(?![A-Za-z0-9])", r"(?:AC|SK)[0-9a-fA-F]{8}", "AC", "SK"),
    _t("New Relic", rf"NR(?:AK|AA|II|JS|RI)-{_A}{{19,}}", r"NR(?:AK|AA|II|JS|RI)-", "NR"),
    _t("New Relic license", r"[a-f0-9]{36}NRAL", r"NRAL", "NRAL"),
    _t("Sentry", r"sntrys_[A-Za-z0-9+/=_\-]{40,}|sntryu_[a-f0-9]{64}", r"sntry[su]_", "sntry"),
    _t("Grafana", r"glc_[A-Za-z0-9+/]{32,}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}", r"gl(?:c|sa)_", "gl"),
    _t("Dynatrace", r"dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}", r"dt0c01\.", "dt0c01."),
    _t("Honeycomb", rf"hc[a-z]ik_{_A}{{20,}}", r"hc[a-z]ik_", "hc"),
    _t("Twitter bearer", r"A{20,}[A-Za-z0-9%]{30,}", r"A{20}", "A" * 20),
)

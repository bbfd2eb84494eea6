"""Social handles after a social word become the pseudonym a ``user.name`` attribute gets; ``@``-words of code stay."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from otel_privacy import Policy, Redactor
from otel_privacy.scrub.handles import SOCIAL_WORDS
from otel_privacy.scrub.text import TextScanner

R = Redactor({"identity": {"key": "test-key"}})

# (name, text, the handles in it)
HANDLES = [
    ("mentioned-by", "mentioned by @cmp_handle in thread", ["cmp_handle"]),
    ("twitter-colon", "twitter: @jack", ["jack"]),
    ("follow", "follow @alice_w for updates", ["alice_w"]),
    ("dm-from", "DM from @bob.smith about the refund", ["bob.smith"]),
    ("instagram", "Instagram @Alice.Photos tagged us", ["Alice.Photos"]),
    ("mastodon-fediverse", "mastodon: @alice@mastodon.social", ["alice@mastodon.social"]),
    ("cc-list", "cc @alice, @bob and @carol", ["alice", "bob", "carol"]),
    ("replied-to", "replied to @dev_42 at 10:02", ["dev_42"]),
    ("retweeted-by", "retweeted by @newsbot (12k followers)", ["newsbot"]),
    ("telegram-equals", "telegram=@chan_bot", ["chan_bot"]),
]


@pytest.mark.parametrize(("name", "text", "handles"), HANDLES, ids=[h[0] for h in HANDLES])
def test_handles_get_the_pseudonym_of_a_user_name(name, text, handles):
    out, found = R.text.scrub(text)
    assert found.get("social_handle") == len(handles), out
    expected = text
    for h in handles:
        pseudonym = R.redact_value("user.name", h)
        assert pseudonym == R.pseudonymize(h)
        expected = expected.replace(f"@{h}", f"@{pseudonym}", 1)
    assert out == expected
    assert R.text.scrub(out)[0] == out  # a pseudonym is not found again


LOOK_ALIKES = [
    ("timestamp", "index pattern uses @timestamp as time field"),
    ("npm-scope", "npm install @types/node@20.11.5 finished"),
    ("decorator", "decorator @lru_cache hit rate 93%"),
    ("annotation", "@Override public void run() in FollowService"),
    ("css-media", "css @media (max-width: 600px) applied"),
    ("sorted-by", "sorted by @timestamp, @version"),
    ("social-word-far-away", "mentioned in the changelog of release 4.2 for everybody: @timestamp"),
    ("social-word-other-line", "follow\n@timestamp"),
    ("npm-scope-after-word", "github @octokit/rest updated"),
    ("decorator-call-after-word", "tagged @lru_cache(maxsize=1)"),
    ("email", "follow up with bob@example.com"),
    ("word-inside", "tiktoken @cl100k tokens, redditors @home"),
    ("already-redacted", "mentioned by @REDACTED"),
]


@pytest.mark.parametrize(("name", "text"), LOOK_ALIKES, ids=[n for n, _ in LOOK_ALIKES])
def test_handle_look_alikes_survive(name, text):
    out, found = R.text.scrub(text)
    assert "social_handle" not in found, out


def test_handles_are_redacted_where_user_names_are_not_pseudonymised():
    """A scanner without a pseudonymiser (or whose engine does not hash user names) replaces the handle."""
    scanner = TextScanner(detectors={"social_handle": True})
    assert scanner.scrub("mentioned by @cmp_handle")[0] == "mentioned by @REDACTED"
    assert scanner.scrub("mentioned by @REDACTED")[0] == "mentioned by @REDACTED"
    typed = TextScanner(detectors={"social_handle": True}, typed_replacement=True)
    assert typed.scrub("DM from @bob")[0] == "DM from @<social_handle>"


def test_the_detector_can_be_switched_off():
    r = Redactor(Policy.from_dict({"identity": {"key": "k"}, "text": {"detectors": {"social_handle": False}}}))
    assert r.text.scrub("mentioned by @cmp_handle")[0] == "mentioned by @cmp_handle"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(word=st.sampled_from(SOCIAL_WORDS), sep=st.sampled_from([" ", ": ", " by ", " from ", "=", " to "]),
       handle=st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,14}", fullmatch=True),
       before=st.text("ab .,é中", max_size=12), after=st.sampled_from(["", " ok", ", thanks", ". Done", " (2x)"]))
def test_a_handle_after_any_social_word_never_survives(word, sep, handle, before, after):
    assume(handle.lower() not in ("null", "none", "true", "false", "xxx"))
    text = f"{before} {word}{sep}@{handle}{after}"
    out = R.redact_text(text)
    at = text.index("@") + 1
    assert out == text[:at] + R.pseudonymize(handle) + text[at + len(handle):]
    assert R.redact_text(out) == out

"""The pure rules of identity: credentials in headers, the same-origin rule, session expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accounts import domain, passwords

PUBLIC = "https://shop.example.com"


@pytest.mark.parametrize(("header", "key"), [
    ("Bearer pik_abc", "pik_abc"), ("bearer   pik_abc  ", "pik_abc"), ("Basic dXNlcg==", None), ("Bearer", None),
    (None, None), ("", None)])
def test_a_key_is_read_from_a_bearer_authorization_only(header, key):
    assert domain.bearer_token(header) == key


def test_the_session_cookie_is_found_among_others():
    assert domain.cookie_value("theme=dark; pi_session=tok-1; other=x") == "tok-1"
    assert domain.cookie_value("pi_session_old=nope") is None
    assert domain.cookie_value(None) is None


@pytest.mark.parametrize(("origin", "referer", "host", "scheme", "same"), [
    (PUBLIC, None, "internal:8080", "http", True),                       # the public origin
    ("http://127.0.0.1:8080", None, "127.0.0.1:8080", "http", True),     # the origin it was sent to
    ("HTTP://127.0.0.1:8080", None, "127.0.0.1:8080", "http", True),     # letter case does not matter
    ("http://127.0.0.1:8080", None, "127.0.0.1:9999", "http", False),    # another port is another origin
    ("https://127.0.0.1:8080", None, "127.0.0.1:8080", "http", False),   # another scheme too
    ("http://evil.example", None, "127.0.0.1:8080", "http", False),
    ("null", None, "127.0.0.1:8080", "http", False),                     # sandboxed frames, file: pages
    (None, f"{PUBLIC}/products?page=2", "x", "https", True),             # no Origin: the Referer decides
    (None, "http://evil.example/page", "127.0.0.1:8080", "http", False),
    (None, None, "127.0.0.1:8080", "http", False),                       # neither: not from a page of ours
    ("javascript:alert(1)", None, "127.0.0.1:8080", "http", False),
])
def test_a_state_changing_request_must_come_from_our_pages(origin, referer, host, scheme, same):
    assert domain.same_origin(origin, referer, host=host, scheme=scheme, public_origin=PUBLIC) is same


def test_a_session_ends_idle_or_at_its_absolute_end_whichever_comes_first():
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    idle, absolute = timedelta(hours=2), timedelta(hours=12)
    assert domain.session_expiry(start, start, idle=idle, absolute=absolute) == start + idle
    late = start + timedelta(hours=11)
    assert domain.session_expiry(start, late, idle=idle, absolute=absolute) == start + absolute


def test_keys_and_tokens_are_random_and_only_their_digest_is_kept():
    a, b = domain.new_api_key(), domain.new_api_key()
    assert a != b and a.startswith("pik_") and len(a) > 40
    assert domain.key_prefix(a) == a[:10] and domain.digest(a) != domain.digest(b) and len(domain.digest(a)) == 32


@pytest.mark.parametrize(("email", "ok"), [("ops@example.com", True), ("admin@localhost", True),
                                           ("no-at-sign", False), ("two@@example.com", False),
                                           ("spa ce@example.com", False), ("", False)])
def test_an_email_needs_one_at_sign_and_no_spaces(email, ok):
    assert (domain.email_problem(email) is None) is ok


async def test_a_password_hash_is_argon2id_and_verifies_only_the_password():
    stored = await passwords.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$") and "m=19456,t=2,p=1" in stored
    assert (await passwords.verify(stored, "correct horse battery staple"))[0] is True
    assert (await passwords.verify(stored, "Correct horse battery staple"))[0] is False
    assert (await passwords.verify(None, "anything"))[0] is False  # an unknown user


def test_a_chosen_password_needs_twelve_to_256_characters():
    assert passwords.problem("x" * 11) and passwords.problem("x" * 257)
    assert passwords.problem("x" * 12) is None and len(passwords.generate()) >= 20

"""The keys of the secrets at rest: what a missing or malformed key says, encryption under the
newest key, decryption under any, re-encryption, and the decrypt cache."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from webhooks.secretbox import SecretBox, SecretKeyError


def key() -> str:
    return Fernet.generate_key().decode()


@pytest.mark.parametrize("value", ["", " ", ",", " , "])
def test_no_key_says_what_to_set(value):
    with pytest.raises(SecretKeyError, match="WEBHOOKS_SECRET_KEYS is not set.*Fernet.generate_key"):
        SecretBox.from_setting(value)


@pytest.mark.parametrize("bad", ["not-a-key", "A" * 40, Fernet.generate_key().decode()[:-2], "a" * 44 + "=="])
def test_a_malformed_key_is_refused_without_being_repeated(bad):
    with pytest.raises(SecretKeyError, match="key 2 of 2 is not a Fernet key") as refused:
        SecretBox.from_setting(f"{key()},{bad}")
    assert bad not in str(refused.value)


def test_the_first_key_encrypts_and_every_key_decrypts():
    old, new = key(), key()
    before = SecretBox.from_setting(old)
    token = before.encrypt("whsec_abc")
    assert "whsec_abc" not in token and before.decrypt(token) == "whsec_abc" and before.is_newest(token)

    both = SecretBox.from_setting(f" {new} , {old} ")  # spaces around keys are ignored
    assert both.decrypt(token) == "whsec_abc" and not both.is_newest(token)
    rotated = both.reencrypt(token)
    assert rotated is not None and Fernet(new).decrypt(rotated.encode()) == b"whsec_abc"
    assert both.reencrypt(rotated) is None  # already under the newest key: left as it is
    assert both.is_newest(both.encrypt("whsec_x"))

    with pytest.raises(SecretKeyError, match="decrypts under none of the keys"):
        SecretBox.from_setting(new).decrypt(token)
    with pytest.raises(SecretKeyError):
        SecretBox.from_setting(key()).reencrypt(token)


def test_each_ciphertext_is_decrypted_once():
    box = SecretBox.from_setting(key())
    tokens = [box.encrypt(f"whsec_{n}") for n in range(3)]
    for _ in range(100):
        assert [box.decrypt(t) for t in tokens] == ["whsec_0", "whsec_1", "whsec_2"]
    info = box.decrypt.cache_info()
    assert (info.misses, info.hits) == (3, 297)

"""What the secrets at rest cost per call (not a test: pytest does not collect it).

    deploy/local/uv.sh run --frozen python services/webhooks/tests/bench_secretbox.py

The dispatcher calls ``SecretBox.decrypt`` once or twice per delivery; only the first call for
a ciphertext decrypts, the others are a cache look-up."""

from __future__ import annotations

import timeit

from cryptography.fernet import Fernet

from webhooks.domain import new_secret
from webhooks.secretbox import SecretBox


def main(number: int = 20_000, repeat: int = 5) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    box, rotating = SecretBox.from_setting(old), SecretBox.from_setting(f"{new},{old}")
    token = box.encrypt(new_secret())
    cases = {
        "decrypt, not cached (one key)": lambda: box._decrypt(token),
        "decrypt, not cached (under the second of two keys)": lambda: rotating._decrypt(token),
        "decrypt, cached (what a delivery pays)": lambda: box.decrypt(token),
        "encrypt": lambda: box.encrypt("whsec_x"),
    }
    for name, call in cases.items():
        best = min(timeit.repeat(call, number=number, repeat=repeat)) / number
        print(f"{name:52s} {best * 1e6:7.2f} µs")


if __name__ == "__main__":
    main()

-- Signing secrets are stored encrypted: Fernet tokens under WEBHOOKS_SECRET_KEYS (webhooks/secretbox.py).
-- SQL cannot encrypt, so the plaintext columns stay until the API's next start has encrypted what
-- they hold and emptied them (secretbox.encrypt_stored_secrets); nothing writes them after that.
-- They are renamed, so that no statement can read or write a plaintext secret by the old name by
-- mistake, and a process of an older version still running fails instead of storing one.
ALTER TABLE endpoints RENAME COLUMN secret TO plaintext_secret;
ALTER TABLE endpoints RENAME COLUMN previous_secret TO plaintext_previous_secret;
ALTER TABLE endpoints ALTER COLUMN plaintext_secret DROP NOT NULL;
ALTER TABLE endpoints ADD COLUMN secret_ciphertext text;
ALTER TABLE endpoints ADD COLUMN previous_secret_ciphertext text;
-- Every endpoint has a secret: encrypted, or (until the API's start) not yet.
ALTER TABLE endpoints ADD CONSTRAINT endpoints_have_a_secret
    CHECK (secret_ciphertext IS NOT NULL OR plaintext_secret IS NOT NULL);

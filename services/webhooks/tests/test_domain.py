"""Pure rules: URLs, addresses, secrets, payloads, ids, the retry schedule, pinning."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from standardwebhooks.webhooks import Webhook

from webhooks import domain
from webhooks.sender import pinned_request
from webhooks.settings import WebhooksSettings


@pytest.mark.parametrize("url", ["https://example.com/hooks", "http://example.com:8080/a?b=c",
                                 "https://93.184.215.14/x", "http://[2001:db8::1]:8443/"])
def test_valid_urls(url):
    assert domain.validate_url(url) == url


@pytest.mark.parametrize("url, message", [
    ("ftp://example.com/x", "http:// or https://"), ("example.com/hooks", "http:// or https://"),
    ("http://", "no host"), ("https:///path", "no host"), ("http://exa mple.com/", "spaces"),
    ("http://example.com:99999/", "invalid port"), ("", "required"),
    ("https://example.com/" + "a" * 2100, "longer than"),
])
def test_invalid_urls(url, message):
    with pytest.raises(ValueError, match=message):
        domain.validate_url(url)


@pytest.mark.parametrize("address, reason", [
    ("127.0.0.1", "loopback"), ("127.9.9.9", "loopback"), ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.1.10", "private"), ("fd12:3456::1", "private"), ("169.254.10.10", "link-local"),
    ("fe80::1%eth0", "link-local"), ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("100.64.0.1", "not publicly routable"),
    ("192.0.2.1", "private"), ("240.0.0.1", "private"),
])
def test_refused_addresses(address, reason):
    assert reason in domain.address_refusal(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_allowed(address):
    assert domain.address_refusal(address) is None


def test_secret_format_and_mask():
    secret = domain.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
    assert domain.new_secret() != secret
    masked = domain.mask_secret(secret)
    assert masked.startswith("whsec_") and masked.endswith(secret[-4:]) and secret[6:-4] not in masked


def test_signature_verifies_with_standardwebhooks():
    secret = domain.new_secret()
    body = domain.payload("product.created", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), {"product": {"id": 1}})
    now = datetime.now(UTC)
    signature = Webhook(secret).sign("msg_1", now, body)
    assert signature.startswith("v1,")
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}
    assert Webhook(secret).verify(body, headers) == {"type": "product.created",
                                                     "timestamp": "2026-01-02T03:04:05+00:00",
                                                     "data": {"product": {"id": 1}}}
    with pytest.raises(Exception):
        Webhook(domain.new_secret()).verify(body, headers)


def test_delivery_and_webhook_ids_are_stable_per_event_and_endpoint():
    endpoint = uuid.uuid4()
    first = domain.delivery_id("event-1", endpoint)
    assert first == domain.delivery_id("event-1", endpoint)
    assert first != domain.delivery_id("event-2", endpoint) != domain.delivery_id("event-1", uuid.uuid4())
    assert domain.webhook_id(first) == f"msg_{first.hex}" == domain.webhook_id(str(first))


def test_payload_is_type_timestamp_data():
    body = orjson.loads(domain.payload("import.completed", datetime(2026, 5, 1, tzinfo=UTC), {"job_id": "j"}))
    assert body == {"type": "import.completed", "timestamp": "2026-05-01T00:00:00+00:00", "data": {"job_id": "j"}}


def test_retry_schedule_with_jitter_and_end():
    schedule = WebhooksSettings().retry_delays
    assert schedule == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert domain.retry_delay(1, schedule, 0.2, 0.5) == 5
    assert domain.retry_delay(1, schedule, 0.2, 0.0) == pytest.approx(4)
    assert domain.retry_delay(2, schedule, 0.2, 0.999999) == pytest.approx(360, rel=1e-4)
    assert domain.retry_delay(7, schedule, 0.2, 0.5) == 36000
    assert domain.retry_delay(8, schedule, 0.2, 0.5) is None  # 8 attempts in all
    assert domain.retry_delay(0, schedule, 0.2, 0.5) is None


def test_schedule_from_env(monkeypatch):
    monkeypatch.setenv("WEBHOOKS_RETRY_SCHEDULE", "0.1, 0.2")
    assert WebhooksSettings().retry_delays == (0.1, 0.2)
    monkeypatch.setenv("WEBHOOKS_RETRY_SCHEDULE", "1,-2")
    with pytest.raises(ValueError):
        WebhooksSettings()


def test_pinned_request_keeps_host_and_tls_name():
    url, headers, extensions = pinned_request("https://hooks.example.com:8443/in?x=1", "93.184.215.14")
    assert str(url) == "https://93.184.215.14:8443/in?x=1"
    assert headers == {"host": "hooks.example.com:8443"}
    assert extensions == {"sni_hostname": "hooks.example.com"}
    url, headers, _ = pinned_request("http://hooks.example.com/in", "2606:4700:4700::1111")
    assert str(url) == "http://[2606:4700:4700::1111]/in" and headers == {"host": "hooks.example.com"}
    assert pinned_request("http://93.184.215.14/in", "93.184.215.14") == (
        pinned_request("http://93.184.215.14/in", None))


@pytest.mark.parametrize("url, redacted", [
    ("https://hooks.example.com/services/T0/B0?token=abc", "https://hooks.example.com/services/T0/B0?token=..."),
    ("https://user:pass@hooks.example.com:8443/in?token=abc&team=x#frag",
     "https://hooks.example.com:8443/in?token=...&team=...#..."),
    ("https://key@hooks.example.com/in", "https://hooks.example.com/in"),
    ("http://[2001:db8::1]:8080/a?sig", "http://[2001:db8::1]:8080/a?..."),  # a bare query part may be a token
    ("https://h.example.com/x?a=1&&b=", "https://h.example.com/x?a=...&&b=..."),
    ("https://example.com/hooks", "https://example.com/hooks"),
    ("https://example.com/hooks?", "https://example.com/hooks"),
])
def test_urls_in_audit_events_carry_no_credentials(url, redacted):
    assert domain.redact_url(url) == redacted
    for secret in ("abc", "pass", "user", "frag", "sig"):
        assert secret not in domain.redact_url(url).replace("/services", "")


def test_endpoint_changes_name_what_changed_with_urls_redacted():
    old = {"url": "https://hooks.example.com/in?token=old", "events": ["product.created", "import.failed"],
           "enabled": True, "description": "ops", "secret_ciphertext": "x"}
    assert domain.endpoint_changes(old, {}) == {}
    assert domain.endpoint_changes(old, {"enabled": True, "description": "ops",
                                         "events": ["import.failed", "product.created"]}) == {}
    assert domain.endpoint_changes(old, {"url": "https://other.example.com/in?token=new", "enabled": False,
                                         "events": ["import.failed"], "description": "ops"}) == {
        "url": {"old": "https://hooks.example.com/in?token=...", "new": "https://other.example.com/in?token=..."},
        "events": {"old": ["product.created", "import.failed"], "new": ["import.failed"]},
        "enabled": {"old": True, "new": False},
    }
    # a new token is a change, though the redacted URLs read the same
    assert domain.endpoint_changes(old, {"url": "https://hooks.example.com/in?token=new"}) == {
        "url": {"old": "https://hooks.example.com/in?token=...", "new": "https://hooks.example.com/in?token=..."}}

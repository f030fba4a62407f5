"""What every service's HTTP app asks of a request before a route sees it: a principal signed by
the accounts service, the route's role, and a JSON body of bounded size."""

from __future__ import annotations

import httpx
import pytest
from fastapi import Body

from pikit.app import create_app
from pikit.auth import Principal, PrincipalSigner, check_routes, label, require
from tests.support.auth import SIGNING_KEY, principal_header

EDITOR = Principal("user", "7", "ops@example.com", "editor")


def app_with_routes():
    app = create_app("test", public_paths=frozenset({"/open"}), form_paths=frozenset({"/upload"}))

    @app.get("/things", dependencies=[require("viewer")])
    async def things():
        return {"ok": True}

    @app.post("/things", dependencies=[require("editor")])
    async def add_thing(body: dict = Body()):
        return {"got": len(body)}

    @app.delete("/things", dependencies=[require("admin")])
    async def delete_things():
        return {"deleted": True}

    @app.get("/open")
    async def open_route():
        return {"open": True}

    return app


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def test_a_signed_principal_verifies_and_a_changed_one_does_not():
    signer = PrincipalSigner(SIGNING_KEY)
    token = signer.sign(EDITOR, now=1000)
    assert signer.verify(token, now=1000) == EDITOR
    version, payload, mac = token.split(".")
    forged = PrincipalSigner("another key of at least thirty-two characters").sign(
        Principal("user", "7", "ops@example.com", "admin"), now=1000)
    assert signer.verify(f"{version}.{forged.split('.')[1]}.{mac}", now=1000) is None  # role raised
    assert signer.verify(forged, now=1000) is None  # signed with another key
    assert signer.verify(token, now=1000 + 61) is None  # expired
    assert signer.verify("v1.garbage", now=1000) is None


def test_a_principal_is_named_by_kind_and_name():
    assert EDITOR.ref == "user:ops@example.com" and label(EDITOR.ref) == "ops@example.com"
    assert label("key:ci-nightly") == "key ci-nightly"
    assert EDITOR.may("viewer") and EDITOR.may("editor") and not EDITOR.may("admin")


async def test_without_a_valid_principal_every_route_but_health_and_public_ones_is_401():
    async with client(app_with_routes()) as c:
        for method, path in (("GET", "/things"), ("POST", "/things"), ("DELETE", "/things"), ("GET", "/nowhere")):
            response = await c.request(method, path)
            assert response.status_code == 401, (method, path)
            assert response.json()["error"]["code"] == "not_authenticated"
            assert response.headers["www-authenticate"] == "Bearer"
        forged = {"x-principal": PrincipalSigner("x" * 40).sign(EDITOR)}
        assert (await c.get("/things", headers=forged)).status_code == 401
        assert (await c.get("/healthz")).status_code == 200
        assert (await c.get("/open")).json() == {"open": True}


async def test_each_route_answers_403_below_its_role():
    async with client(app_with_routes()) as c:
        assert (await c.get("/things", headers=principal_header("viewer"))).status_code == 200
        refused = await c.post("/things", json={"a": 1}, headers=principal_header("viewer"))
        assert refused.status_code == 403
        assert refused.json()["error"] | {"message": ""} == {
            "status": 403, "code": "forbidden", "message": "", "required_role": "editor", "role": "viewer"}
        assert (await c.post("/things", json={"a": 1}, headers=principal_header("editor"))).json() == {"got": 1}
        assert (await c.delete("/things", headers=principal_header("editor"))).status_code == 403
        assert (await c.delete("/things", headers=principal_header("admin"))).status_code == 200


async def test_a_body_must_be_json_and_at_most_one_megabyte():
    headers = principal_header("admin")
    async with client(app_with_routes()) as c:
        untyped = await c.post("/things", content=b'{"a": 1}', headers=headers)
        assert untyped.status_code == 415 and untyped.json()["error"]["code"] == "unsupported_media_type"
        text = await c.post("/things", content=b'{"a": 1}', headers={**headers, "content-type": "text/plain"})
        assert text.status_code == 415
        form = await c.post("/things", files={"f": ("a.csv", b"x")}, headers=headers)
        assert form.status_code == 415  # multipart only where a route takes a file
        big = b'{"a": "' + b"x" * (1024 * 1024) + b'"}'
        too_big = await c.post("/things", content=big, headers={**headers, "content-type": "application/json"})
        assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "body_too_large"

        async def chunks():  # no Content-Length: counted as it arrives
            for _ in range(20):
                yield b"x" * 100_000

        streamed = await c.post("/things", content=chunks(), headers={**headers, "content-type": "application/json"})
        assert streamed.status_code == 413


def test_an_app_with_a_route_that_states_no_role_refuses_to_start():
    app = create_app("test")

    @app.get("/forgotten")
    async def forgotten():
        return {}

    with pytest.raises(RuntimeError, match="GET /forgotten"):
        check_routes(app)
    check_routes(app_with_routes(), frozenset({"/open", "/healthz", "/readyz", "/metrics", "/docs", "/redoc",
                                                "/openapi.json", "/docs/oauth2-redirect"}))

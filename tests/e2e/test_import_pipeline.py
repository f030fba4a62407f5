"""The import pipeline end to end: every service a process, driven over HTTP."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json

import httpx
import pytest

from tests.support.auth import As
from tests.support.stack import wait_for_job

pytestmark = pytest.mark.asyncio(loop_scope="session")


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8",
              header: list[str] | None = None) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or ["name", "sku", "description"])
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


async def upload(client: httpx.AsyncClient, content: bytes, filename: str = "products.csv") -> httpx.Response:
    return await client.post("/imports", files={"file": (filename, content, "text/csv")})


async def import_file(client, content: bytes, filename: str = "products.csv") -> dict:
    response = await upload(client, content, filename)
    assert response.status_code == 202, response.text
    return await wait_for_job(client, response.json()["id"])


async def products_by_sku(db, prefix: str) -> dict[str, dict]:
    rows = await db.fetch("SELECT * FROM catalog.products WHERE lower(sku) LIKE lower($1) || '%'", prefix)
    return {r["sku"].lower(): dict(r) for r in rows}


async def test_duplicates_and_invalid_rows_give_exact_counts_in_job_and_database(uploads, db):
    rows = [[f"Widget {i}", f"DUP-{i:04d}", f"first version {i}"] for i in range(100)]
    rows += [[f"Widget {i} v2", f"dup-{i:04d}", f"second version {i}"] for i in range(0, 100, 10)]  # 10 dups
    rows += [["", "DUP-BAD-1", "no name"], ["Nameless sku", "", "no sku"]]  # 2 invalid
    rows += [[f"Gadget {i}", f"Dup-{i:04d}", "third version"] for i in range(0, 20, 10)]  # 2 more dups
    job = await import_file(uploads, csv_bytes(rows))

    assert job["status"] == "completed", job
    assert (job["rows_total"], job["invalid"], job["duplicates"]) == (114, 2, 12)
    assert (job["inserted"], job["updated"], job["rows_processed"]) == (100, 0, 100)
    stored = await products_by_sku(db, "DUP-")
    assert len(stored) == 100
    assert stored["dup-0000"]["sku"] == "Dup-0000"           # the last spelling wins
    assert stored["dup-0000"]["name"] == "Gadget 0"
    assert stored["dup-0010"]["description"] == "third version"
    assert stored["dup-0030"]["name"] == "Widget 30 v2"
    assert stored["dup-0031"]["description"] == "first version 31"
    assert all(p["active"] for p in stored.values())          # new products are active

    report = await uploads.get(f"/imports/{job['id']}/errors")
    assert report.status_code == 200
    lines = list(csv.reader(io.StringIO(report.text)))
    assert lines[0] == ["row", "column", "value", "reason"]
    assert sorted((line[0], line[1]) for line in lines[1:]) == [("112", "name"), ("113", "sku")]

    again = await import_file(uploads, csv_bytes(rows))
    assert (again["inserted"], again["updated"], again["invalid"]) == (0, 100, 2)
    assert len(await products_by_sku(db, "DUP-")) == 100


async def test_import_keeps_active_unless_the_file_has_an_active_column(uploads, db):
    await import_file(uploads, csv_bytes([["Lamp", "ACT-1", "d"], ["Desk", "ACT-2", "d"]]))
    await db.execute("UPDATE catalog.products SET active = false WHERE lower(sku) = 'act-1'")
    await import_file(uploads, csv_bytes([["Lamp 2", "act-1", "d2"]]))
    assert (await products_by_sku(db, "ACT-"))["act-1"]["active"] is False
    await import_file(uploads, csv_bytes([["Lamp 3", "ACT-1", "d3", "yes"], ["Desk", "ACT-2", "d", "0"]],
                                         header=["name", "sku", "description", "active"]))
    stored = await products_by_sku(db, "ACT-")
    assert (stored["act-1"]["active"], stored["act-2"]["active"]) == (True, False)


async def test_history_records_created_and_changed_fields_with_the_import_row(uploads, db):
    first = await import_file(uploads, csv_bytes([["Chair", "HIST-1", "oak"]]))
    second = await import_file(uploads, csv_bytes([["Chair", "HIST-1", "walnut"]]))
    product = (await products_by_sku(db, "HIST-1"))["hist-1"]
    history = await db.fetch("SELECT * FROM catalog.product_history WHERE product_id = $1 ORDER BY id",
                             product["id"])
    assert [h["action"] for h in history] == ["created", "updated"]
    assert str(history[0]["job_id"]) == first["id"] and history[0]["row_no"] == 2
    assert str(history[1]["job_id"]) == second["id"]
    assert history[1]["changes"] == '{"description": {"new": "walnut", "old": "oak"}}' or \
        history[1]["changes"] == {"description": {"new": "walnut", "old": "oak"}}


@pytest.mark.parametrize("name, content, expected_rows", [
    ("windows-1252", "name;sku;description\r\nCaf\u00e9 cr\u00e8me;W1252-1;\u20ac 5 only\r\n".encode("cp1252"),
     {"w1252-1": ("Caf\u00e9 cr\u00e8me", "\u20ac 5 only")}),
    ("semicolon", b"Name ; SKU;Description\r\nBolt;SEMI-1;M8, zinc\r\nNut;SEMI-2;\"M8; hex\"\r\n",
     {"semi-1": ("Bolt", "M8, zinc"), "semi-2": ("Nut", "M8; hex")}),
    ("bom", "\ufeffname,sku,description\r\nCr\u00e8me,BOM-1,\u00e9t\u00e9\r\n".encode("utf-8"),
     {"bom-1": ("Cr\u00e8me", "\u00e9t\u00e9")}),
    ("multiline", b'name,sku,description\r\n"Table, round",ML-1,"Line one\r\nLine ""two""\r\nLine three"\r\n'
                  b'Stool,ML-2,plain\r\n',
     {"ml-1": ("Table, round", 'Line one\r\nLine "two"\r\nLine three'), "ml-2": ("Stool", "plain")}),
    ("tab", b"sku\tname\tdescription\nTAB-1\tHammer\tsteel\n", {"tab-1": ("Hammer", "steel")}),
])
async def test_real_world_file_shapes_import_correctly(uploads, db, name, content, expected_rows):
    job = await import_file(uploads, content, f"{name}.csv")
    assert job["status"] == "completed" and job["invalid"] == 0, job
    prefix = next(iter(expected_rows)).split("-")[0]
    stored = await products_by_sku(db, prefix + "-")
    assert {k: (v["name"], v["description"]) for k, v in stored.items()} == expected_rows


async def test_gzipped_csv_imports(uploads, db):
    job = await import_file(uploads, gzip.compress(csv_bytes([["Screw", "GZ-1", "tiny"]])), "products.csv.gz")
    assert job["status"] == "completed" and job["inserted"] == 1
    assert (await products_by_sku(db, "GZ-"))["gz-1"]["name"] == "Screw"


@pytest.mark.parametrize("content, status, code, mentions", [
    (b"name,description\r\nx,y\r\n", 422, "missing_columns", "sku"),
    (b"sku,description\r\nx,y\r\n", 422, "missing_columns", "name"),
    (b"", 422, "empty_file", None),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, 422, "not_text", None),
])
async def test_bad_files_are_rejected_with_a_clear_error_and_no_job(stack, uploads, content, status, code,
                                                                     mentions):
    before = (await uploads.get("/imports", params={"limit": 1})).json()["total"]
    stored_before = sorted((stack.storage_dir / "uploads").glob("*"))
    response = await upload(uploads, content)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    if mentions:
        assert mentions in error["message"] and error["missing"] == [mentions]
    assert (await uploads.get("/imports", params={"limit": 1})).json()["total"] == before
    assert sorted((stack.storage_dir / "uploads").glob("*")) == stored_before  # nothing kept, no partial file


async def test_a_file_over_the_size_limit_is_413(uploads):
    big = csv_bytes([[f"n{i}", f"BIG-{i}", "x" * 200] for i in range(40_000)])  # ~9 MB > 8 MB limit
    response = await upload(uploads, big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


async def test_a_request_without_a_file_field_is_422(uploads):
    response = await uploads.post("/imports", files={"other": ("a.csv", b"sku,name\r\n", "text/csv")})
    assert response.status_code == 422
    assert "file" in response.json()["error"]["message"]


async def test_upload_answers_with_the_job_and_lists_it_newest_first(uploads):
    response = await upload(uploads, csv_bytes([["Pen", "LIST-1", "blue"]]), "list.csv")
    assert response.status_code == 202
    job = response.json()
    assert job["status"] in ("queued", "parsing", "validating", "importing", "completed")
    assert job["filename"] == "list.csv" and response.headers["location"] == f"/imports/{job['id']}"
    listing = (await uploads.get("/imports", params={"limit": 5})).json()
    assert listing["items"][0]["id"] == job["id"]
    done = await wait_for_job(uploads, job["id"])
    events = (await uploads.get(f"/imports/{job['id']}/events")).json()["items"]
    types = [e["type"] for e in events]
    assert types[0] == "import.requested" and types[-1] == "import.completed"
    assert "import.validated" in types and "import.batch_done" in types
    assert done["finished_at"] is not None
    assert (await uploads.get("/imports/00000000-0000-0000-0000-000000000000")).status_code == 404


async def test_a_cancelled_job_stops_and_can_be_retried(uploads, db):
    rows = [[f"Item {i}", f"CANCEL-{i:06d}", "d" * 50] for i in range(60_000)]
    response = await upload(uploads, csv_bytes(rows))
    job_id = response.json()["id"]
    await wait_for_job(uploads, job_id, statuses=("importing", "validating", "parsing"), timeout=30)
    cancel = await uploads.post(f"/imports/{job_id}/cancel")
    assert cancel.status_code == 202 and cancel.json()["status"] == "cancelled"
    await asyncio.sleep(2)
    job = (await uploads.get(f"/imports/{job_id}")).json()
    assert job["status"] == "cancelled"
    assert (await uploads.post(f"/imports/{job_id}/cancel")).status_code == 409
    stored_after_cancel = await db.fetchval(
        "SELECT count(*) FROM catalog.products WHERE sku LIKE 'CANCEL-%'")
    assert stored_after_cancel < 60_000

    retry = await uploads.post(f"/imports/{job_id}/retry")
    assert retry.status_code == 202 and retry.json()["retry_of"] == job_id
    retried = await wait_for_job(uploads, retry.json()["id"])
    assert retried["status"] == "completed"
    assert await db.fetchval("SELECT count(*) FROM catalog.products WHERE sku LIKE 'CANCEL-%'") == 60_000


async def test_a_file_that_breaks_mid_way_fails_with_its_reason(uploads):
    content = b'name,sku,description\r\nGood,BROKEN-1,ok\r\nBad,BROKEN-2,"never closed\r\n' + b"x" * 1024
    job = await import_file(uploads, gzip.compress(content)[:-12], "broken.csv.gz")  # truncated gzip
    assert job["status"] == "failed" and job["error"]["code"] == "not_text", job


async def test_logs_are_json_lines_with_the_job_and_correlation_ids(stack, uploads):
    response = await uploads.post("/imports", files={"file": ("log.csv", csv_bytes([["Cup", "LOG-1", "x"]]),
                                                              "text/csv")},
                                  headers={"X-Correlation-ID": "corr-log-test"})
    job = await wait_for_job(uploads, response.json()["id"])
    lines = [json.loads(line) for line in (stack.log_dir / "import-worker.log").read_text().splitlines()
             if line.startswith("{")]
    mine = [line for line in lines if line.get("job_id") == job["id"]]
    assert mine and all(line["correlation_id"] == "corr-log-test" for line in mine)
    assert {"timestamp", "level", "message", "service"} <= set(mine[0])


async def test_imported_products_are_searchable_at_once_and_indexed_after_the_import(stack, uploads, db):
    rows = [[f"Lamp {i}", f"SRCH-{i:04d}", f"brushed {'walnut' if i % 3 == 0 else 'oak'} base"] for i in range(300)]
    job = await import_file(uploads, csv_bytes(rows))
    assert job["status"] == "completed", job
    async with httpx.AsyncClient(base_url=stack.url("catalog-api"), timeout=30, auth=As("viewer")) as catalog:
        async def walnut_skus() -> list[str]:
            r = await catalog.get("/products", params={"q": "WALNUT base", "sku": "srch-", "limit": 200,
                                                       "sort": "sku", "order": "asc"})
            assert r.status_code == 200, r.text
            return [p["sku"] for p in r.json()["items"]]

        expected = [f"SRCH-{i:04d}" for i in range(0, 300, 3)]
        assert await walnut_skus() == expected  # exact whether or not the indexer got there yet
        # The consumer's indexer catches up once the import has ended.
        for _ in range(200):
            pending = await db.fetchval(
                "SELECT count(*) FROM catalog.search_pending p JOIN catalog.products c ON c.id = ANY (p.product_ids) "
                "WHERE c.sku LIKE 'SRCH-%'")
            if pending == 0:
                break
            await asyncio.sleep(0.1)
        assert pending == 0
        assert await db.fetchval("SELECT count(*) FROM catalog.product_search s JOIN catalog.products c "
                                 "ON c.id = s.product_id WHERE c.sku LIKE 'SRCH-%'") == 300
        assert await db.fetchval("SELECT count(*) FROM catalog.imports_running WHERE job_id = $1", job["id"]) == 0
        assert await walnut_skus() == expected

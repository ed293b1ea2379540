"""A short soak (locust, headless, in its own process) of a live keyed `rag serve` with the fake
models: many users searching, listing and uploading, every upload followed to the end of its
job, and hostile uploads among them. No request fails and searches stay quick; `rag bench --soak 180` runs the long one."""

from __future__ import annotations

from server_harness import fake_models, live_server

from rag.server.soak import soak, soak_table

KEY = "soak-key"


def test_a_soak_of_searches_listings_and_uploads_fails_nothing(tmp_path):
    with fake_models(), live_server(tmp_path, api_key=KEY) as server:
        result = soak(server.url, KEY, seconds=15, users=10, questions=["藤县贫困发生率", "黔江区扶贫资金"])
    print("\n" + soak_table(result))
    rows = {r["name"]: r for r in result["rows"]}
    assert result["total"]["failures"] == 0 and result["total"]["requests"] > 100, result["errors"]
    assert rows["POST documents (upload)"]["requests"] > 0 and rows["GET job (outcome)"]["failures"] == 0
    assert rows["POST /v1/search"]["p95_ms"] < 1000 and rows["POST documents (hostile)"]["requests"] > 0

import gc
import weakref

from fastapi.testclient import TestClient


def test_health_reports_database_broker_and_sandbox(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "embedded"
    assert body["sandbox"]


def test_values_the_database_cannot_store_are_a_client_error(client: TestClient) -> None:
    response = client.post("/api/token", json={"username": "\x00", "password": "x"})
    assert response.status_code == 400
    assert client.get("/api/events/a%00b").status_code == 400


def test_a_race_lost_to_a_unique_constraint_is_a_conflict(app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    @app.get("/api/_race")
    def race() -> None:
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key"))

    response = client.get("/api/_race")
    assert response.status_code == 409
    assert "conflicts" in response.json()["detail"]


def test_a_started_app_keeps_the_collector_off_the_startup_heap(settings) -> None:  # type: ignore[no-untyped-def]
    from server.app import YOUNG_GC_THRESHOLD, create_app

    thresholds = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    app = create_app(settings)
    garbage = _Cycle()
    garbage.me = garbage  # only the collector can free it
    collected = weakref.ref(garbage)
    del garbage
    gc.disable()  # so that only the app's startup may collect it
    try:
        with TestClient(app):
            gc.enable()
            # A full collection no longer walks what existed at startup...
            assert gc.get_freeze_count() > 10_000
            assert gc.get_threshold() == (YOUNG_GC_THRESHOLD, *thresholds[1:])
            # ...but garbage cycles were collected before freezing, not kept forever.
            assert collected() is None
    finally:
        gc.enable()
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds


class _Cycle:
    me: object

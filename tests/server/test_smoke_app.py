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

"""The leaderboards show each submission's contributivity and historical contributivity,
and submitting after looking at others' code leads to the credit form."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from server.models import Submission
from tests.server.conftest import login, post_form
from tests.server.contributivity.conftest import make_shared_event

CODE = (
    "from sklearn.dummy import DummyClassifier\n\n\n"
    "def get_estimator():\n"
    '    return DummyClassifier(strategy="prior")\n'
)


def test_boards_show_both_contributivities(client: TestClient, session: Session) -> None:
    shared = make_shared_event(session)
    bob = session.get_one(Submission, shared.bob_sub.id)
    bob.historical_contributivity = 0.25
    session.flush()

    board = client.get(f"/api/events/{shared.event.name}/leaderboard").json()
    page = client.get(f"/events/{shared.event.name}/leaderboard")

    rows = {row["submission_name"]: row for row in board["rows"]}
    assert rows["bob_sub"]["contributivity"] == 0.5
    assert rows["bob_sub"]["historical_contributivity"] == 0.25
    assert rows["alice_sub"]["contributivity"] == 0.2
    assert "Contributivity" in page.text and "50.0 %" in page.text and "25.0 %" in page.text
    assert f'href="/events/{shared.event.name}/contributivity"' in page.text


def test_after_importing_someone_elses_code_submitting_leads_to_the_credit_page(
    client: TestClient, session: Session
) -> None:
    shared = make_shared_event(session)
    shared.event.min_seconds_between_submissions = 0
    session.flush()
    login(client, shared.bob)

    response = post_form(
        client,
        f"/events/{shared.event.name}/sandbox",
        {"name": "bob_two", "file:estimator.py": CODE},
    )

    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("/credit")
    assert "alice_sub" in client.get(response.headers["location"]).text

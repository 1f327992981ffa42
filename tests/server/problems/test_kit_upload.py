"""Admins add problem kits from a folder or a zip, validated with load_kit; unsafe
archives are refused and leave nothing behind."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from server.models import Problem, UserRole
from server.settings import Settings
from tests.factories import create_user
from tests.server.conftest import IRIS_KIT, csrf_token, login, post_form


def kit_zip(prefix: str = "iris/") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in IRIS_KIT.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, prefix + path.relative_to(IRIS_KIT).as_posix())
    return buffer.getvalue()


def upload(client: TestClient, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/problems",
        data={"name": name, "csrf_token": csrf_token(client)},
        files={"archive": ("kit.zip", data, "application/zip")},
    )


@pytest.fixture
def admin(client: TestClient, session: Session) -> TestClient:
    return login(client, create_user(session, role=UserRole.ADMIN))


def test_a_valid_kit_zip_becomes_a_problem(
    admin: TestClient, session: Session, settings: Settings
) -> None:
    response = upload(admin, "iris-copy", kit_zip())
    assert response.status_code == 303, response.text
    problem = session.query(Problem).filter_by(name="iris-copy").one()
    assert problem.title == "Iris classification"
    assert problem.workflow_element_names == ["estimator"]
    assert [s.name for s in problem.score_types][:2] == ["accuracy", "error"]
    assert problem.score_types[1].is_lower_the_better
    assert Path(problem.kit_path).is_relative_to(settings.kits_dir)


def test_a_kit_folder_on_the_server_becomes_a_problem(admin: TestClient, session: Session) -> None:
    response = post_form(admin, "/admin/problems", {"name": "iris-folder", "folder": str(IRIS_KIT)})
    assert response.status_code == 303
    assert session.query(Problem).filter_by(name="iris-folder").one().kit_path == str(IRIS_KIT)


def evil_zip(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if kind == "traversal":
            archive.writestr("../../outside.py", "print('escaped')")
        elif kind == "absolute":
            archive.writestr("/etc/cron.d/evil", "* * * * * root true")
        elif kind == "symlink":
            info = zipfile.ZipInfo("problem.py")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
        elif kind == "bomb":
            archive.writestr("data/zeros.csv", b"0" * (20 * 1024**2))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("traversal", 422, "unsafe path"),
        ("absolute", 422, "unsafe path"),
        ("symlink", 422, "symbolic link"),
        ("bomb", 413, "zip bomb"),
    ],
)
def test_unsafe_archives_are_refused_and_leave_nothing(
    admin: TestClient, session: Session, settings: Settings, kind: str, status: int, message: str
) -> None:
    response = upload(admin, f"evil-{kind}", evil_zip(kind))
    assert response.status_code == status
    assert message in response.text
    assert not (settings.kits_dir / f"evil-{kind}").exists()
    assert not (settings.kits_dir.parent / "outside.py").exists()
    assert session.query(Problem).filter_by(name=f"evil-{kind}").count() == 0


def test_archives_that_are_not_kits_are_refused(admin: TestClient) -> None:
    response = upload(admin, "not-zip", b"hello")
    assert response.status_code == 422 and "not a zip archive" in response.text
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("problem.py", "problem_title = 'half a kit'\n")
    response = upload(admin, "half-kit", buffer.getvalue())
    assert response.status_code == 422 and "not a usable kit" in response.text


def test_only_admins_add_kits(client: TestClient, session: Session) -> None:
    login(client, create_user(session, role=UserRole.ORGANISER))
    assert upload(client, "sneaky", kit_zip()).status_code == 403

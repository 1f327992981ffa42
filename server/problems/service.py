"""Problems: registering a kit (from a folder or an uploaded zip) after validating it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sqlalchemy.orm import Session

from problems.kit import KitError, load_kit
from server.errors import Conflict, Invalid, NotFound
from server.models import Problem, ProblemScoreType, ProblemState, ScoreDirection
from server.problems import repository
from server.problems.kit_archive import extract_kit_archive
from server.settings import Settings

PROBLEM_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")


def check_problem_name(name: str) -> str:
    if not PROBLEM_NAME_PATTERN.match(name):
        raise Invalid(
            "Problem names are 2 to 100 lower-case letters, digits, dashes or underscores."
        )
    return name


def add_problem_from_folder(*, session: Session, name: str, kit_path: Path) -> Problem:
    """Validate the kit in `kit_path` with load_kit and register it as `name`."""
    check_problem_name(name)
    if repository.find_by_name(session, name) is not None:
        raise Conflict(f"A problem named {name!r} already exists.")
    try:
        kit = load_kit(kit_path)
    except KitError as error:
        raise Invalid(f"This is not a usable kit: {error}") from error
    problem = Problem(
        name=name,
        title=kit.title,
        kit_path=str(kit.path),
        workflow_element_names=kit.element_names,
        state=ProblemState.READY,
        score_types=[
            ProblemScoreType(
                position=position,
                name=score_type.name,
                direction=ScoreDirection.LOWER_IS_BETTER
                if score_type.is_lower_the_better
                else ScoreDirection.HIGHER_IS_BETTER,
                display_precision=max(0, int(score_type.precision)),
            )
            for position, score_type in enumerate(kit.score_types)
        ],
    )
    session.add(problem)
    session.flush()
    return problem


def add_problem_from_archive(
    *, session: Session, settings: Settings, name: str, data: bytes
) -> Problem:
    """Unpack an uploaded kit zip under the kits folder, validate and register it."""
    check_problem_name(name)
    if repository.find_by_name(session, name) is not None:
        raise Conflict(f"A problem named {name!r} already exists.")
    destination = settings.kits_dir / name
    if destination.exists():
        raise Conflict(f"The kits folder already has a {name!r} folder; choose another name.")
    try:
        kit_path = extract_kit_archive(data, destination)
        return add_problem_from_folder(session=session, name=name, kit_path=kit_path)
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise


def get_problem(*, session: Session, name: str) -> Problem:
    problem = repository.find_by_name(session, name)
    if problem is None:
        raise NotFound(f"No problem is named {name!r}.")
    return problem

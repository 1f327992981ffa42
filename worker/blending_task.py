"""Blending an event after each scored submission: one run at a time, arrivals coalesced.

`request_blend(event_id)` is called once a scored outcome is committed. It marks the event
*dirty* and schedules a run unless one is already pending or running; a running blend
loops while requests arrived during its run, so a burst of scored submissions costs at
most one extra blend, never one per submission, and never two blends of an event at once.

- With a broker (Celery on Redis) the state lives in Redis, shared by every worker:
  `dirty` is a flag, `pending` holds the token of the one task allowed to run; both are
  updated by small Lua scripts, atomic, so a request can never slip between a run's last
  check and its release.
- In embedded mode (no broker) web app and worker share one process: a lock and a thread
  per busy event do the same.

A blend reads the event's scored, non-excluded submissions and their fold predictions,
runs `problems.kit.blending.Blender` on the official score, and stores the combined and
foldwise-best scores (one `EventBlend` row), each submission's contributivity and, from the
credit links, its historical contributivity. The `Blender` is kept in memory per event, so
that the blend after one new submission only adds that one (the incremental fast path).
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from problems.kit.blending import Blender, BlendResult, SubmissionOutput
from server.contributivity.service import recompute_historical_contributivity
from server.db import session_scope
from server.models import (
    Event,
    EventBlend,
    Problem,
    Submission,
    SubmissionFoldResult,
    SubmissionState,
    utcnow,
)
from server.settings import get_settings
from worker.celery_app import app
from worker.pipeline.kit_cache import LoadedKit, load_cached_kit
from worker.task_names import CPU_QUEUE

if TYPE_CHECKING:
    import redis
    from celery import Celery

logger = logging.getLogger(__name__)

BLEND_EVENT_TASK = "ramplab.blend_event"
#: A run's claim on its event expires after this long without news (a worker that died
#: mid-blend must not block the event for ever); every loop of a run renews it.
CLAIM_SECONDS = 30 * 60
#: Events whose Blender stays in memory (least recently blended dropped first).
MAX_CACHED_BLENDERS = 16

SessionFactory = sessionmaker[Session] | None
BlendFunction = Callable[[int], object]


# ----- coalescing: with a broker ---------------------------------------------------------

# KEYS: dirty, pending. ARGV: token, seconds. 1 when the caller must send a task.
_REQUEST_SCRIPT = """
redis.call('SET', KEYS[1], '1')
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
return 0
"""
# KEYS: pending. ARGV: token, seconds. 1 when this task may run: it holds the claim, or
# the claim expired (its owner died) and it takes it over.
_CLAIM_SCRIPT = """
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] or not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
return 0
"""
# KEYS: dirty, pending. ARGV: token. 1: run again (requests came in meanwhile); 0: done,
# claim released; -1: the claim was lost to another task, which will do what is left.
_FINISH_SCRIPT = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
redis.call('DEL', KEYS[2])
return 0
"""
# KEYS: pending. ARGV: token. Give up a claim whose task could not be sent.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisCoalescer:
    """Blend requests coalesced through Redis (shared by all workers and the web app)."""

    def __init__(
        self, client: redis.Redis, *, send: Callable[[int, str], object], prefix: str = "ramplab"
    ) -> None:
        self.client = client
        self.send = send
        self.prefix = prefix

    def _keys(self, event_id: int) -> tuple[str, str]:
        base = f"{self.prefix}:blend:{event_id}"
        return f"{base}:dirty", f"{base}:pending"

    def request(self, event_id: int) -> bool:
        """Mark the event dirty; send a task unless one is pending. True if one was sent."""
        token = uuid.uuid4().hex
        dirty, pending = self._keys(event_id)
        if not self.client.eval(_REQUEST_SCRIPT, 2, dirty, pending, token, CLAIM_SECONDS):
            return False
        try:
            self.send(event_id, token)
        except BaseException:
            # Otherwise the claim would hold the event, with no task, until it expires.
            self.client.eval(_RELEASE_SCRIPT, 1, pending, token)
            raise
        return True

    def run(self, event_id: int, token: str, blend: BlendFunction) -> int:
        """Blend until no request is left over; the number of blends run (0: not ours)."""
        dirty, pending = self._keys(event_id)
        runs = 0
        while self.client.eval(_CLAIM_SCRIPT, 1, pending, token, CLAIM_SECONDS):
            # Cleared before reading the database: a request from now on is seen below.
            self.client.delete(dirty)
            _blend_logging_errors(blend, event_id)
            runs += 1
            if self.client.eval(_FINISH_SCRIPT, 2, dirty, pending, token) != 1:
                break
        return runs


# ----- coalescing: embedded mode ----------------------------------------------------------


class ThreadCoalescer:
    """Blend requests coalesced in this process: one thread per event being blended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._dirty: set[int] = set()
        self._running: set[int] = set()

    def request(self, event_id: int, blend: BlendFunction) -> bool:
        """Mark the event dirty; start a run unless one is going. True if one started."""
        with self._lock:
            self._dirty.add(event_id)
            if event_id in self._running:
                return False
            self._running.add(event_id)
        thread = threading.Thread(
            target=self._run, args=(event_id, blend), name=f"ramplab-blend-{event_id}", daemon=True
        )
        thread.start()
        return True

    def _run(self, event_id: int, blend: BlendFunction) -> None:
        while True:
            with self._lock:
                self._dirty.discard(event_id)
            _blend_logging_errors(blend, event_id)
            with self._lock:
                if event_id not in self._dirty:
                    self._running.discard(event_id)
                    self._idle.notify_all()
                    return

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no blend runs (tests, shutdown); False on timeout."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._running, timeout)


def _blend_logging_errors(blend: BlendFunction, event_id: int) -> None:
    # A blend that fails (a kit that broke, a prediction file gone) must not wedge the
    # event: the claim is released as usual and the next scored submission tries again.
    try:
        blend(event_id)
    except Exception:
        logger.exception("blending event %s failed", event_id)


embedded_blends = ThreadCoalescer()


@functools.cache
def _redis_coalescer(broker_url: str) -> RedisCoalescer:
    import redis

    # Keyed by URL, like worker.queueing's sender: tests change the broker between runs.
    sender = _celery_sender(broker_url)

    def send(event_id: int, token: str) -> None:
        sender.send_task(BLEND_EVENT_TASK, args=(event_id, token), queue=CPU_QUEUE)

    return RedisCoalescer(redis.Redis.from_url(broker_url), send=send)


@functools.cache
def _celery_sender(broker_url: str) -> Celery:
    from worker.celery_app import create_celery_app

    return create_celery_app(broker_url)


def request_blend(event_id: int, *, factory: SessionFactory = None) -> bool:
    """Have the event blended soon (after a scored outcome or a credit change committed).

    Cheap and safe to call often: requests that arrive while a blend is pending or
    running are folded into one more run. True when this call scheduled a run.
    """
    broker_url = get_settings().broker_url
    if broker_url is None:
        return embedded_blends.request(event_id, lambda eid: run_blend(eid, factory=factory))
    try:
        if broker_url.startswith(("redis://", "rediss://")):
            return _redis_coalescer(broker_url).request(event_id)
        # Another broker has no shared state to coalesce with: send every request (each
        # run blends what is there; the write takes the event's row lock).
        sender = _celery_sender(broker_url)
        sender.send_task(BLEND_EVENT_TASK, args=(event_id, ""), queue=CPU_QUEUE)
        return True
    except Exception:
        # Called after a scored outcome committed: that must stand. The blend is only
        # late; the next scored submission of the event requests it again.
        logger.exception("could not request a blend of event %s", event_id)
        return False


@app.task(name=BLEND_EVENT_TASK, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
def blend_event(event_id: int, token: str = "") -> int:
    """Blend the event, again while requests came in meanwhile; the number of blends."""
    broker_url = get_settings().broker_url
    if token and broker_url is not None:
        return _redis_coalescer(broker_url).run(event_id, token, run_blend)
    run_blend(event_id)
    return 1


# ----- the blend itself -----------------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    submission_id: int
    fold_indexes: list[int]
    # None where the fold result has no predictions folder.
    folders: list[Path | None]


@dataclass(frozen=True)
class _EventInputs:
    kit_path: str
    official_score: str | None
    members: list[_Member]


@dataclass
class _CachedBlender:
    kit: LoadedKit
    score_index: int
    submission_ids: list[int]
    blender: Blender


_blenders: OrderedDict[int, _CachedBlender] = OrderedDict()
_blenders_lock = threading.Lock()


def forget_blenders() -> None:
    """Drop every in-memory Blender (tests; the next blend of each event is a full one)."""
    with _blenders_lock:
        _blenders.clear()


def run_blend(
    event_id: int, *, factory: SessionFactory = None, predictions_dir: Path | None = None
) -> BlendResult | None:
    """Blend the event's scored submissions now and store the results; None if none."""
    predictions_dir = predictions_dir or get_settings().predictions_dir
    with session_scope(factory) as session:
        inputs = _read_inputs(session, event_id, predictions_dir)
    if inputs is None:
        return None
    loaded = load_cached_kit(inputs.kit_path)
    n_folds = len(loaded.folds)
    members = [m for m in inputs.members if _complete(m, n_folds)]
    result = None
    if members:
        score_index = _score_index(loaded, inputs.official_score)
        blender = _blender_for(event_id, loaded, score_index, members)
        result = blender.blend()
    with session_scope(factory) as session:
        _store(session, event_id, result, [m.submission_id for m in members])
        recompute_historical_contributivity(session=session, event_id=event_id)
    return result


def _read_inputs(session: Session, event_id: int, predictions_dir: Path) -> _EventInputs | None:
    row = session.execute(
        select(Problem.kit_path, Event.official_score_name)
        .join(Event, Event.problem_id == Problem.id)
        .where(Event.id == event_id)
    ).one_or_none()
    if row is None:
        return None
    folds = session.execute(
        select(
            SubmissionFoldResult.submission_id,
            SubmissionFoldResult.fold_index,
            SubmissionFoldResult.predictions_path,
        )
        .join(Submission, Submission.id == SubmissionFoldResult.submission_id)
        .where(
            Submission.event_id == event_id,
            Submission.state == SubmissionState.SCORED,
            Submission.is_excluded.is_(False),
        )
        .order_by(SubmissionFoldResult.submission_id, SubmissionFoldResult.fold_index)
    )
    by_submission: dict[int, _Member] = {}
    for submission_id, fold_index, path in folds:
        member = by_submission.setdefault(submission_id, _Member(submission_id, [], []))
        member.fold_indexes.append(fold_index)
        member.folders.append(predictions_dir / path if path else None)
    # Ordered by id (= submission order): new submissions extend the cached Blender.
    members = [member for _, member in sorted(by_submission.items())]
    return _EventInputs(kit_path=row[0], official_score=row[1], members=members)


def _complete(member: _Member, n_folds: int) -> bool:
    # A submission scored on other folds (the kit changed since), or whose files are
    # gone, cannot be blended; the others still are.
    ok = member.fold_indexes == list(range(n_folds)) and all(
        folder is not None and (folder / "y_pred_train.npz").is_file() for folder in member.folders
    )
    if not ok:
        logger.warning("submission %s: fold predictions missing, left out of the blend",
                       member.submission_id)  # fmt: skip
    return ok


def _score_index(loaded: LoadedKit, official_score: str | None) -> int:
    names = [score_type.name for score_type in loaded.kit.score_types]
    return names.index(official_score) if official_score in names else 0


def _read_y_pred(path: Path) -> np.ndarray[Any, Any]:
    # These files were written by the trusted worker from validated predictions; object
    # arrays (detection kits) are pickles, which np.load refuses unless told otherwise.
    try:
        with np.load(path, allow_pickle=False) as archive:
            return np.asarray(archive["y_pred"])
    except ValueError:
        with np.load(path, allow_pickle=True) as archive:
            return np.asarray(archive["y_pred"])


def _output(member: _Member, loaded: LoadedKit) -> SubmissionOutput:
    def valid(folder: Path, valid_is: Any) -> Callable[[], Any]:
        return lambda: _read_y_pred(folder / "y_pred_train.npz")[valid_is]

    def test(folder: Path) -> Callable[[], Any]:
        return lambda: _read_y_pred(folder / "y_pred_test.npz")

    folders = [folder for folder in member.folders if folder is not None]  # all, once complete
    has_test = all((folder / "y_pred_test.npz").is_file() for folder in folders)
    return SubmissionOutput(
        name=str(member.submission_id),
        valid=[valid(f, valid_is) for f, (_, valid_is) in zip(folders, loaded.folds)],
        test=[test(f) for f in folders] if has_test else None,
    )


def _blender_for(
    event_id: int, loaded: LoadedKit, score_index: int, members: Sequence[_Member]
) -> Blender:
    """The event's Blender with every member added: the cached one extended if it can be."""
    ids = [m.submission_id for m in members]
    with _blenders_lock:
        cached = _blenders.pop(event_id, None)
    reusable = (
        cached is not None
        and cached.kit is loaded
        and cached.score_index == score_index
        and ids[: len(cached.submission_ids)] == cached.submission_ids
    )
    if cached is None or not reusable:
        # First blend here, a new kit version, or a submission left the blend (excluded
        # by an organiser, re-run): start again from the submissions as they are.
        blender = Blender(
            Predictions=loaded.kit.Predictions,
            score_types=loaded.kit.score_types,
            y_train=loaded.y_train,
            valid_indices=[valid_is for _, valid_is in loaded.folds],
            y_test=loaded.y_test,
            score_type_index=score_index,
        )
        cached = _CachedBlender(loaded, score_index, [], blender)
    new = members[len(cached.submission_ids) :]
    cached.blender.add_many([_output(m, loaded) for m in new])
    cached.submission_ids = ids
    with _blenders_lock:
        _blenders[event_id] = cached
        while len(_blenders) > MAX_CACHED_BLENDERS:
            _blenders.popitem(last=False)
    return cached.blender


def _store(
    session: Session, event_id: int, result: BlendResult | None, blended: Sequence[int]
) -> None:
    """Write the blend: the event's row, and every submission's contributivity."""
    # The same lock as the credit page's recompute: the two never interleave their writes.
    session.execute(select(Event.id).where(Event.id == event_id).with_for_update())
    row = session.scalar(select(EventBlend).where(EventBlend.event_id == event_id))
    if row is None:
        row = EventBlend(event_id=event_id)
        session.add(row)
    combined = result.combined if result else {}
    row.combined_valid_scores = dict(combined.get("valid", {}))
    row.combined_test_scores = dict(combined.get("test", {}))
    row.foldwise_best_scores = (
        {step: dict(scores) for step, scores in result.foldwise_best.items()} if result else {}
    )
    row.n_submissions = len(blended)
    row.computed_at = utcnow()
    # Everything else (failed, cancelled, excluded, not yet scored) contributes nothing.
    session.execute(
        update(Submission)
        .where(Submission.event_id == event_id)
        .values(contributivity=0.0)
        .execution_options(synchronize_session=False)
    )
    if result is not None and blended:
        # One executemany by primary key, not a statement per submission.
        session.execute(
            update(Submission).execution_options(synchronize_session=False),
            [
                {"id": sid, "contributivity": result.contributivity.get(str(sid), 0.0)}
                for sid in blended
            ],
        )
    session.flush()

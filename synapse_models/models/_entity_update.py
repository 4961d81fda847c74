"""How an entity's update reaches the server: as one unit where the API allows it, and how a store() goes on
after a 412 that its own earlier write caused.

* Entity fields and annotations both changed: one ``PUT /entity/{id}/bundle2``, which Synapse applies in one
  transaction with the entity's etag checked: all or nothing. Three cases cannot use it: annotation keys were
  removed, or the object was never read (its annotations replace whatever the server holds): the bundle
  *merges* the annotations it is given into the stored ones, so a dropped key would stay; and a forced new
  version (the bundle takes no ``newVersion``). Then the entity's PUT goes first and
  the annotations' PUT second; if the second fails, its error says exactly that the fields were stored and
  the annotations were not, and ``store()`` again sends only the annotations.
* A 412 (stale etag) is either someone else's write, or our own: the answer to an earlier try of this write
  was lost (the transport resent the PUT, or the user called ``store()`` again). :func:`rebase` reads the
  entity again and compares three states: what was last read, what this store() writes, what the server
  holds. Where nobody else changed what we write, the store() goes on from the server's state (its etag);
  otherwise it raises a 412 naming the fields and annotations in conflict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._convert import from_wire, to_wire
from ..errors import HTTPError, PreconditionFailedError
from ._stored import conflicting_keys
from ._wire import AnnotationsBody, EntityBundle, EntityBundleCreate, EntityBundleRequest

if TYPE_CHECKING:
    from ..connection import Connection
    from .entity import Entity

__all__ = ["rebase", "send_changes"]


def send_changes(entity: Entity, conn: Connection, *, with_params: bool = True) -> None:
    """Send what changed since the snapshot (see the module docstring)."""
    body, notes = entity._state()
    stored_body, stored_notes = entity._stored or (None, None)
    params = entity._store_params() if with_params else {}
    body_changed = body != stored_body or bool(params)
    notes_changed = notes != stored_notes
    # keys the server may hold that this write drops: removed since the last read, or unknown (never read)
    dropping = stored_notes is None or bool(set(stored_notes) - set(notes))
    if body_changed and notes_changed and not dropping and "newVersion" not in params:
        notes_body = entity.annotations.to_body(entity.id, entity.etag)
        request = EntityBundleCreate(entity=body, annotations=notes_body)
        answer = conn.put(f"/entity/{entity.id}/bundle2", to_wire(request), params=params)
        bundle = from_wire(EntityBundle, answer)
        entity._apply(bundle.entity, bundle.annotations)
        return
    if body_changed:
        entity._apply(conn.put(f"/entity/{entity.id}", body, params=params), None)
    if notes_changed:
        # PUT annotations2 replaces the whole key set
        body_of_notes = to_wire(entity.annotations.to_body(entity.id, entity.etag))
        try:
            answer = conn.put(f"/entity/{entity.id}/annotations2", body_of_notes)
        except HTTPError as exc:
            if not body_changed:
                raise
            reason = (
                f"{exc.reason} — the fields of {entity.id} were stored (etag now {entity.etag}) but its "
                "annotations were not; store() again to send them"
            )
            partial = type(exc)(exc.status, reason, exc.method, exc.url)
            partial.applied = f"the fields of {entity.id} were stored, its annotations were not"
            raise partial from exc
        entity.etag = from_wire(AnnotationsBody, answer).etag or entity.etag
        entity._snapshot()


def rebase(entity: Entity, conn: Connection, stale: PreconditionFailedError) -> bool:
    """After a 412: continue from the server's state where nobody else changed what this store() writes.

    Returns:
        Whether an earlier try of this write had been applied (then query parameters such as ``newVersion``
        are not sent again).

    Raises:
        PreconditionFailedError: Someone else changed a field or an annotation since it was read.
    """
    answer = conn.post(f"/entity/{entity.id}/bundle2", to_wire(EntityBundleRequest()))
    remote = type(entity)._from_bundle(from_wire(EntityBundle, answer), conn, requested=entity.id)
    base_body, base_notes = entity._stored or ({}, {})
    mine_body, mine_notes = entity._state()
    theirs_body, theirs_notes = remote._state()
    conflicts = conflicting_keys(base_body, mine_body, theirs_body, whole=False, skip=("etag",))
    conflicts += [f"annotations[{k!r}]" for k in conflicting_keys(base_notes, mine_notes, theirs_notes)]
    if conflicts:
        verb = "differs" if len(conflicts) == 1 else "differ"
        reason = (
            f"{entity.id} was changed by someone else since it was read ({', '.join(conflicts)} {verb} from "
            "what was read and from what this store() writes); get() it again, apply your changes and store()"
        )
        if stale.applied:
            reason = f"{reason}. Of this store(), {stale.applied}"
        conflict = PreconditionFailedError(stale.status, reason, stale.method, stale.url)
        conflict.applied = stale.applied
        raise conflict from stale
    landed = _without_etag(theirs_body) != _without_etag(base_body)
    notes = entity.annotations
    entity._adopt(remote, None, merge=False)
    entity.annotations = notes
    return landed


def _without_etag(body: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in body.items() if k != "etag"}

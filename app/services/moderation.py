"""Photo moderation: staff hide a photo from the public (a licence plate, a face) with a
reason. The photo stays for staff; the hiding is a note in the case's history, written
through the one door in the same transaction as the photo's flag."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Attachment, Case
from app.services import cases, clock
from app.services.actors import Actor, can_see
from app.services.errors import InvalidInput, NotFound

REASON_MAX = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def hide_photo(attachment_id: int, actor: Actor, reason: str | None,
               expected_version: int | None = None) -> Case:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Say why the photo is hidden (e.g. a licence plate)."),
                           field="reason")
    if len(reason) > REASON_MAX or _CONTROL.search(reason):
        raise InvalidInput(_l("The reason must be plain text of at most %(n)s characters.",
                              n=REASON_MAX), field="reason")
    photo = db.session.get(Attachment, attachment_id)
    if photo is None or actor.user is None or not can_see(actor, photo.case):
        raise NotFound(_l("There is no such photo."))
    if photo.hidden_at is not None:
        raise InvalidInput(_l("This photo is hidden already."), field="reason")
    photo.hidden_at, photo.hidden_reason = clock.now(), reason
    # The door checks the role and the version, writes the event and commits both; when it
    # refuses, it rolls back, the flag included.
    return cases.add_note(photo.case, actor, expected_version=expected_version,
                          note=_("Photo hidden from the public: %(reason)s", reason=reason))

"""What staff read of complaints, recorded in the trail (issue 11, point 10): every view of a
tip-off, every showing of a complainant's contact details, every download of a tip-off's
original photo, every look at the data linked to a complaint, every export.

Writes, so they live here as actions; the console's views call them after deciding what the page
shows. The entries carry the reference, never the text or the complainant's details.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from mingjing.audit.actions import record
from mingjing.complaints.models import Complaint, ComplaintPhoto


def do_view_complaint(complaint: Complaint, user: User, *, via: str = "console") -> None:
    """A staff member opened a tip-off (each view of a tip-off is recorded), on a page or through
    the API."""
    record("complaint.view", actor=user, obj=complaint,
           detail={"reference": complaint.reference, "channel": complaint.channel, "via": via})


def do_view_contact(complaint: Complaint, user: User) -> None:
    """A page showed the complainant's name and phone (`complaint.contact`)."""
    record("complaint.view_contact", actor=user, obj=complaint, detail={"reference": complaint.reference})


def do_view_linked(complaint: Complaint, user: User, *, alerts: int) -> None:
    """A staff member opened what Mingjing knows about the complaint's village and people."""
    record("complaint.view_linked", actor=user, obj=complaint,
           detail={"reference": complaint.reference, "alerts": alerts})


def do_download_original(complaint: Complaint, photo: ComplaintPhoto, user: User) -> None:
    """A tip-off's original photo (with its EXIF, GPS included) left the system."""
    record("complaint.original_downloaded", actor=user, obj=complaint,
           detail={"reference": complaint.reference, "photo": photo.pk, "sha256": photo.sha256})


def do_record_export(user: User, *, filters: dict[str, Any], rows: int) -> None:
    record("complaints.export", actor=user, object_type="complaints.complaint",
           detail={"filter": filters, "rows": rows})

"""What the data hub tells the rest of the application, without importing it.

`batch_activated` is sent once a batch's rows are readable (after the activating transaction
commits), with `batch`. The portal listens to tell subscribers of new or missing payments
(`mingjing/portal/apps.py`); a receiver's failure is logged and never fails the import.
"""

from __future__ import annotations

from django.dispatch import Signal

batch_activated = Signal()

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mingjing.settings")
application = get_wsgi_application()

# Load what the first complaint filing would otherwise load inside its request (scikit-learn and
# the category model, the slip's CJK font): seconds, once per server process, before serving.
from mingjing.complaints.public_views import warm_up  # noqa: E402

warm_up()

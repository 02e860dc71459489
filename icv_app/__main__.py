"""``python -m icv_app``: the same as the ``icv-app`` command."""

import sys

from icv_app.cli import main

sys.exit(main())

"""``python -m academy_video.adapters.cli``: the same as ``academy-video``."""

import sys

from . import main

sys.exit(main())

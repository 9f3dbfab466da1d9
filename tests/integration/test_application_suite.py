"""The whole application suite of tests/unit/app, run again on each stored backend."""

from tests.unit.app.test_event_budget import *  # noqa: F403
from tests.unit.app.test_permissions import *  # noqa: F403
from tests.unit.app.test_playback import *  # noqa: F403
from tests.unit.app.test_playback_end import *  # noqa: F403
from tests.unit.app.test_policy_loosening import *  # noqa: F403
from tests.unit.app.test_progress_and_concurrency import *  # noqa: F403
from tests.unit.app.test_progress_buffer import *  # noqa: F403
from tests.unit.app.test_stale_token_bounds import *  # noqa: F403
from tests.unit.app.test_uploads_and_jobs import *  # noqa: F403

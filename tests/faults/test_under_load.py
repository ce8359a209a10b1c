"""The load benchmark's short run (`python -m bench load` runs the long one): a real
gunicorn with 4 workers, 8 writers with their own keys, briefs and deletes at the same time;
afterwards every accepted document is stored once with its exact text, no 5xx, no lock error."""

from __future__ import annotations

import pytest

from bench.load import LoadConfig, report, run

pytestmark = pytest.mark.slow


def test_nothing_is_lost_under_concurrent_writes_briefs_and_deletes(tmp_path):
    config = LoadConfig(workers=4, clients=8, documents=800, briefers=2, deleters=1, readers=1)
    result = report(config, run(config, tmp_path))
    checked = result["checked"]
    assert result["problems"] == [], result
    assert result["ok"]
    assert checked["documents_accepted"] == 800
    assert checked["documents_deleted"] == 80  # every del-* document was deleted in time
    assert checked["server_errors"] == checked["lock_errors"] == 0
    assert checked["briefs"].get("done", 0) > 0, checked
    assert set(checked["briefs"]) <= {"done", "failed"}
    assert set(result["statuses"]) <= {200, 201, 202, 204, 404, 409}

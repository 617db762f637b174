"""The serving gate reads review times as times: a later objection written in another zone still blocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelctx.client import Client
from modelctx.graph.model import NodeKind
from modelctx.serving.gate import GovernanceRefusedError, check_governance
from modelctx.serving.server import open_service
from tests.lifecycle.conftest import review, train_cancer_model


def test_changes_requested_in_another_zone_after_an_approval_blocks_serving(
    client: Client, cancer_csv: Path, tmp_path: Path
) -> None:
    version = train_cancer_model(client, cancer_csv, None)
    review(client, tmp_path, version, "approved", "2026-01-05T10:00:00Z")
    # 09:00 at UTC-2 is 11:00Z, an hour after the approval (though "09:00" sorts before "10:00" as text)
    review(client, tmp_path, version, "changes_requested", "2026-01-05T09:00:00-02:00", "Calibrate first.")
    decision = check_governance(client.store, version.id)
    assert not decision.allowed
    assert decision.reason.endswith("then changes requested by grace at 2026-01-05T11:00:00Z "
                                    f"({decision.blocking.id if decision.blocking else '?'})")
    with pytest.raises(GovernanceRefusedError, match="then changes requested by grace"):
        open_service(client, "cancer-clf@1")
    assert client.store.find_nodes(NodeKind.DEPLOYMENT) == []
    review(client, tmp_path, version, "approved", "2026-01-05T12:00:00Z", "Calibrated.")
    assert check_governance(client.store, version.id).allowed

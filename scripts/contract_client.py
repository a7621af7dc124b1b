#!/usr/bin/env python3
"""Drives a whole year of cluster funds through the Python client generated
from openapi/openapi.json (by scripts/contract), against a running server.

    contract_client.py --client target/contract-client --url http://127.0.0.1:PORT --key kmk_…

Only the generated client talks to the server: its functions, its models and
its typed answers (a problem is a `Problem`). What it shows a client can
build on: create, change (If-Match) and open a pool; register a charter and
take it through submission (no body), the operations forum's
recommendation, the strategic and the political decision; pay out of the
grant and release the rest; a withdrawal (no body); close the pool, propose a
carry-over and have it approved; a meeting of the operations forum (the
agenda with a drafted indstilling, the sitting's outcomes in one request); read the pool's status, the year's status
report and the model evaluation (typed JSON); retry a write with the same
Idempotency-Key (the same answer, marked as a replay); and a stale If-Match
read as a typed 412 problem. Exits non-zero, saying which step, on the first
answer that is not the one expected.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import sys
import uuid
from decimal import Decimal
from pathlib import Path


def load_client(path: Path):
    """Imports the generated package (its directory name need not be a module name)."""
    spec = importlib.util.spec_from_file_location("contract_client", path / "__init__.py", submodule_search_locations=[str(path)])
    if spec is None or spec.loader is None:
        sys.exit(f"no generated client at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["contract_client"] = module
    spec.loader.exec_module(module)
    return module


class Step:
    """Numbers the steps and says which one failed."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, what: str) -> None:
        self.n += 1
        print(f"  {self.n:2}. {what}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", type=Path, required=True, help="directory of the generated client")
    parser.add_argument("--url", required=True, help="the server's base URL")
    parser.add_argument("--key", required=True, help="an admin API key")
    args = parser.parse_args()

    load_client(args.client)
    from contract_client import AuthenticatedClient
    from contract_client.api.applications import (
        create_application,
        decide_application,
        get_application,
        recommend_application,
        submit_application,
        withdraw_application,
    )
    from contract_client.api.grants import disburse_grant, get_grant, release_grant
    from contract_client.api.meetings import add_meeting_item, create_meeting, meeting_agenda, record_meeting_outcomes
    from contract_client.api.pools import close_pool, create_pool, get_pool, get_pool_status, list_pools, open_pool, patch_pool
    from contract_client.api.reference import list_clusters, list_parties, list_target_populations
    from contract_client.api.reports import get_model_evaluation, get_status_report
    from contract_client.api.year_end import decide_carry_over, get_carry_over, propose_carry_over
    from contract_client.models import (
        AllocationModelDtoType1,
        AllocationModelDtoType1Kind,
        ApplicationDto,
        ApprovalPolicyDto,
        BudgetLineDto,
        CarryOverDecisionRequest,
        CarryOverDto,
        CarryOverRequest,
        CreateApplication,
        CreatePool,
        DecisionRequest,
        DisbursementRequest,
        DocumentDto,
        ForumDto,
        ItemDto,
        ItemKindDto,
        ItemOutcomeDto,
        ItemRequest,
        MeetingDto,
        MeetingRequest,
        MeetingStateDto,
        OutcomeRequest,
        SittingRequest,
        ExpenseKindDto,
        GrantDto,
        LevelDto,
        ModelEvaluation,
        OutcomeDto,
        PageCluster,
        PagePoolDto,
        PatchPool,
        PoolDto,
        PoolStatusDto,
        Problem,
        RecommendationRequest,
        ReleaseRequest,
        StatusReport,
        StrategicModeDto,
    )

    client = AuthenticatedClient(base_url=args.url, token=args.key, raise_on_unexpected_status=True, timeout=30.0)
    step = Step()

    def expect(answer, kind, status: int, what: str):
        """The typed answer of a `*_detailed` call, or exit naming the step."""
        if answer.status_code != status or not isinstance(answer.parsed, kind):
            sys.exit(f"FAILED at {what}: expected {status} {kind.__name__}, got {answer.status_code} {answer.parsed!r}")
        return answer.parsed

    def money(text: str) -> Decimal:
        return Decimal(text)

    # -- reference data ------------------------------------------------------
    step("reference data: a cluster, its parties, the target populations")
    clusters = expect(list_clusters.sync_detailed(client=client), PageCluster, 200, "list clusters")
    cluster = clusters.items[0].slug
    parties = expect(list_parties.sync_detailed(cluster, client=client), list, 200, "list parties")
    municipality = next(p.slug for p in parties if p.kind.value == "municipality")
    # A partner of another sector: projects must cross sectors to be granted (cross_sector_required).
    practice = next(p.slug for p in parties if p.kind.value == "general_practice")
    populations = expect(list_target_populations.sync_detailed(client=client), list, 200, "list target populations")
    taken = {
        p.year for p in expect(list_pools.sync_detailed(client=client, cluster=cluster, limit=500), PagePoolDto, 200, "list pools").items
    }
    year = next(y for y in range(2090, 2000, -1) if y not in taken and y + 1 not in taken)
    pool_id = f"{cluster}-{year}"
    day = lambda month, d: datetime.date(year, month, d)  # noqa: E731
    # Meetings are recorded after they are held: never far ahead, never before the charter was received (today).
    met = datetime.date.today()

    # -- a pool, changed with If-Match, then opened ---------------------------
    step(f"create pool {pool_id}: 1,000,000.00 under a 70/30 model, decided in meetings")
    created = create_pool.sync_detailed(
        client=client,
        body=CreatePool(
            cluster=cluster,
            year=year,
            amount="1000000.00",
            allocation_model=AllocationModelDtoType1(kind=AllocationModelDtoType1Kind.SPLIT, upfront_share="0.70"),
            approval_policy=ApprovalPolicyDto(
                recommendation_required=True, strategic=StrategicModeDto.MEETING, political_threshold="100000.00"
            ),
        ),
    )
    pool = expect(created, PoolDto, 201, "create pool")
    assert pool.id == pool_id, pool.id

    step("change the draft with If-Match, then try again with the stale ETag: a typed 412 problem")
    read = get_pool.sync_detailed(pool_id, client=client)
    expect(read, PoolDto, 200, "get pool")
    etag = read.headers["etag"]
    changed = patch_pool.sync_detailed(pool_id, client=client, body=PatchPool(amount="1200000.00"), if_match=etag)
    assert money(expect(changed, PoolDto, 200, "patch pool").amount) == Decimal("1200000.00")
    stale = expect(
        patch_pool.sync_detailed(pool_id, client=client, body=PatchPool(amount="1100000.00"), if_match=etag), Problem, 412, "stale If-Match"
    )
    assert stale.status == 412 and stale.type_.endswith("precondition-failed"), stale
    print(f"      412 {stale.type_}: {stale.detail}")

    step("open the pool")
    expect(open_pool.sync_detailed(pool_id, client=client), PoolDto, 200, "open pool")

    # -- a charter through every level -----------------------------------------
    def charter(title: str, amount: str) -> CreateApplication:
        return CreateApplication(
            title=title,
            applicant_party=municipality,
            partner_parties=[practice],
            target_populations=[populations[0].code],
            purpose="Fælles opsporing på tværs af kommune, almen praksis og hospital.",
            goals="Færre akutte indlæggelser.",
            expense_kind=ExpenseKindDto.DEVELOPMENT,
            requested_amount=amount,
            budget=[BudgetLineDto(year=year, amount=amount)],
            starts_on=day(2, 1),
            ends_on=day(12, 31),
            contact_email="projektleder@example.org",
        )

    step("register a charter of 150,000.00 (above the political threshold)")
    app = expect(
        create_application.sync_detailed(pool_id, client=client, body=charter("Tidlig opsporing", "150000.00")),
        ApplicationDto,
        201,
        "register",
    )
    step("submit it, with no body")
    assert expect(submit_application.sync_detailed(app.id, client=client), ApplicationDto, 200, "submit").status == "submitted"
    step("the operations forum recommends 140,000.00")
    recommended = recommend_application.sync_detailed(
        app.id, client=client, body=RecommendationRequest(meeting_date=met, recommended_amount="140000.00")
    )
    expect(recommended, ApplicationDto, 200, "recommendation")
    step("the strategic level approves in its meeting: the money is reserved for the political level")
    strategic = DecisionRequest(
        level=LevelDto.STRATEGIC, outcome=OutcomeDto.APPROVED, meeting_date=met, reference="Referat, pkt. 4", amount="140000.00"
    )
    reserved = expect(decide_application.sync_detailed(app.id, client=client, body=strategic), ApplicationDto, 200, "strategic decision")
    assert money(reserved.reserved_amount) == Decimal("140000.00"), reserved.reserved_amount
    status = expect(get_pool_status.sync_detailed(pool_id, client=client), PoolStatusDto, 200, "status")
    assert money(status.pending) == Decimal("140000.00"), status.pending

    step("the political level approves, with an Idempotency-Key: a grant")
    political = DecisionRequest(
        level=LevelDto.POLITICAL, outcome=OutcomeDto.APPROVED, meeting_date=met, reference="Politisk niveau, pkt. 7"
    )
    key = f"contract-{uuid.uuid4()}"
    first = decide_application.sync_detailed(app.id, client=client, body=political, idempotency_key=key)
    granted = expect(first, ApplicationDto, 200, "political decision")
    assert granted.grant_id, granted

    step("retry the same decision with the same Idempotency-Key: the same answer, marked as a replay")
    again = decide_application.sync_detailed(app.id, client=client, body=political, idempotency_key=key)
    expect(again, ApplicationDto, 200, "idempotent retry")
    assert again.content == first.content, "a replay answers the first answer"
    assert again.headers.get("idempotent-replayed") == "true", dict(again.headers)
    other = DecisionRequest(level=LevelDto.POLITICAL, outcome=OutcomeDto.REJECTED, meeting_date=met, reference="Politisk niveau, pkt. 7")
    reused = expect(decide_application.sync_detailed(app.id, client=client, body=other, idempotency_key=key), Problem, 422, "key reused")
    assert [e.field for e in reused.errors] == ["Idempotency-Key"], reused

    # -- money out of the grant --------------------------------------------------
    grant_id = granted.grant_id
    step("disburse 50,000.00 from the grant")
    paid = expect(
        disburse_grant.sync_detailed(
            grant_id, client=client, body=DisbursementRequest(amount="50000.00", paid_on=met, reference="Faktura 1")
        ),
        GrantDto,
        201,
        "disbursement",
    )
    assert money(paid.remaining) == Decimal("90000.00"), paid.remaining
    step("release 20,000.00 the project will not use")
    released = release_grant.sync_detailed(
        grant_id, client=client, body=ReleaseRequest(amount="20000.00", reason="Projektet blev billigere")
    )
    assert money(expect(released, GrantDto, 200, "release").released) == Decimal("20000.00")
    expect(get_grant.sync_detailed(grant_id, client=client), GrantDto, 200, "get grant")

    step("register and submit a second charter, then withdraw it with no body")
    second = expect(
        create_application.sync_detailed(pool_id, client=client, body=charter("Sammenhængende forløb", "30000.00")),
        ApplicationDto,
        201,
        "register 2",
    )
    expect(submit_application.sync_detailed(second.id, client=client), ApplicationDto, 200, "submit 2")
    assert expect(withdraw_application.sync_detailed(second.id, client=client), ApplicationDto, 200, "withdraw").status == "withdrawn"
    expect(get_application.sync_detailed(app.id, client=client), ApplicationDto, 200, "get application")

    # -- a meeting -----------------------------------------------------------------
    step("an operations-forum meeting: a case on its agenda with a drafted indstilling, the sitting in one request")
    third = expect(
        create_application.sync_detailed(pool_id, client=client, body=charter("Fælles medicinafstemning", "20000.00")),
        ApplicationDto,
        201,
        "register 3",
    )
    expect(submit_application.sync_detailed(third.id, client=client), ApplicationDto, 200, "submit 3")
    forum = MeetingRequest(cluster=cluster, forum=ForumDto.OPERATIONS_FORUM, date=met, attendees=["Formandskabet for driftsforum"])
    meeting = expect(create_meeting.sync_detailed(client=client, body=forum), MeetingDto, 201, "plan a meeting")
    item = expect(
        add_meeting_item.sync_detailed(meeting.id, client=client, body=ItemRequest(kind=ItemKindDto.APPLICATION, application=third.id)),
        ItemDto,
        201,
        "agenda item",
    )
    assert item.indstilling.startswith("Det indstilles, at driftsforum"), item.indstilling
    agenda = expect(meeting_agenda.sync_detailed(meeting.id, client=client), DocumentDto, 200, "agenda")
    assert agenda.items[0].title == item.title, agenda.items[0].title
    sitting = SittingRequest(reference="Referat driftsforum", outcomes=[OutcomeRequest(item=item.number, outcome=ItemOutcomeDto.APPROVED)])
    held = expect(record_meeting_outcomes.sync_detailed(meeting.id, client=client, body=sitting), MeetingDto, 200, "sitting")
    assert held.state == MeetingStateDto.HELD, held.state
    assert expect(get_application.sync_detailed(third.id, client=client), ApplicationDto, 200, "get 3").status == "recommended"
    expect(withdraw_application.sync_detailed(third.id, client=client), ApplicationDto, 200, "withdraw 3")

    # -- year end ----------------------------------------------------------------
    step("close the pool")
    expect(close_pool.sync_detailed(pool_id, client=client), PoolDto, 200, "close")
    before = expect(get_pool_status.sync_detailed(pool_id, client=client), PoolStatusDto, 200, "status at close")
    left = money(before.available)
    step(f"propose carrying what is left ({left}) to {year + 1}")
    proposal = CarryOverRequest(to_year=year + 1, recommendation_reference="Referat, pkt. 3", recommendation_date=met)
    carry = expect(propose_carry_over.sync_detailed(pool_id, client=client, body=proposal), CarryOverDto, 201, "propose carry-over")
    assert money(carry.amount) == left, (carry.amount, left)
    step("the political level approves the carry-over")
    decision = CarryOverDecisionRequest(
        level=LevelDto.POLITICAL,
        outcome=OutcomeDto.APPROVED,
        meeting_date=met,
        reference="Politisk niveau, pkt. 5",
    )
    done = expect(decide_carry_over.sync_detailed(carry.id, client=client, body=decision), CarryOverDto, 200, "carry-over decision")
    assert done.state == "executed", done.state
    expect(get_carry_over.sync_detailed(carry.id, client=client), CarryOverDto, 200, "get carry-over")

    # -- reading the year ---------------------------------------------------------
    step("read the status of both pools: the figures reconcile to the øre")
    after = expect(get_pool_status.sync_detailed(pool_id, client=client), PoolStatusDto, 200, "status after")
    f = after
    assert money(f.total) + money(f.carried_in) == money(f.committed) + money(f.pending) + money(f.available) + money(f.carried_out), f
    assert money(f.carried_out) == left and money(f.available) == 0, f
    target = expect(get_pool_status.sync_detailed(f"{cluster}-{year + 1}", client=client), PoolStatusDto, 200, "target status")
    assert money(target.carried_in) == left, target.carried_in
    report = expect(get_status_report.sync_detailed(client=client, year=year), StatusReport, 200, "status report")
    assert [p.pool for p in report.pools] == [pool_id], [p.pool for p in report.pools]
    evaluation = expect(get_model_evaluation.sync_detailed(client=client, year=year), ModelEvaluation, 200, "model evaluation")
    assert [p.pool for p in evaluation.pools] == [pool_id], evaluation

    print(f"contract client: {step.n} steps passed against {args.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

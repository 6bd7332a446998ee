"""Schema fuzzing of the JSON door with schemathesis: requests generated from
/api/v1/openapi.json, sent to the app with each given device token, once with real ids in
the path and once with generated ones; every answer is checked for a 5xx and against the
document (status code, content type, body schema). Used by the test suite (bounded) and by
bench/fuzz.py (long runs)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class Report:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    nonconforming: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.requests} requests, {len(self.server_errors)} 5xx, "
                f"{len(self.nonconforming)} non-conforming")


def fuzz(app, tokens: dict[str, str], path_values: dict[str, list[str]], *,
         seconds: float = float("inf"), examples: int = 50, requests: int | None = None,
         rounds: int | None = None,
         progress: Callable[[Report], None] | None = None) -> Report:
    """Round after round over every operation and token until `seconds` have passed (or
    `requests` were sent, or `rounds` rounds were done)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    report, deadline, round_ = Report(), time.monotonic() + seconds, 0

    def done() -> bool:
        return time.monotonic() >= deadline or (requests is not None
                                                and report.requests >= requests)

    while not done() and (rounds is None or round_ < rounds):
        for operation in operations:
            for token in tokens.values():
                for real in (True, False):
                    if done():
                        return report
                    _run(operation, token, path_values if real else None, examples, round_,
                         done, report)
            if progress:
                progress(report)
        round_ += 1
    return report


def _run(operation, token: str, path_values: dict[str, list[str]] | None, examples: int,
         seed: int, done: Callable[[], bool], report: Report) -> None:
    names = [p.name for p in operation.path_parameters]
    fixed = None
    if path_values is not None and names:
        fixed = {n: path_values[n][seed % len(path_values[n])] for n in names
                 if path_values.get(n)}
    # identity: schemathesis reads bodies as sent, and the door gzips for clients that ask
    strategy = operation.as_strategy(headers={"Authorization": f"Bearer {token}",
                                              "Accept-Encoding": "identity"},
                                     path_parameters=fixed or None)

    @settings(max_examples=examples, deadline=None, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def one(case):
        if done():
            return
        response = case.call()
        report.requests += 1
        where = f"{case.method} {case.formatted_path}"
        if response.status_code >= 500:
            report.server_errors.append(f"{where} -> {response.status_code}: "
                                        f"{response.text[:200]}")
            return
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:
            report.nonconforming.append(f"{where} -> {response.status_code}: {exc}"[:500])

    one()

"""Unit tests of the benchmark's own tools: the load it sends must be what a citizen or an officer may send (or
the benchmark measures refusals), and the helpers that start processes and read profiles must read what they get."""

from __future__ import annotations

import importlib.util
import random
import sys
from collections import Counter
from pathlib import Path

import pytest
from stdnum.tr import tckimlik

from cimer_common.schemas import ApplicationCreate
from cimer_common.system import parse_concurrency, procfile
from cimer_common.tokens import Principal
from intake import domain

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_module(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


load = bench_module("load")
profile = bench_module("profile")

OFFICERS = {
    "phone": Principal("1", "cc-06", "GOV-06", frozenset({"call_centre"}), "s1"),
    "in_person": Principal("2", "bureau-dg-06-cankaya", "DG-06-CANKAYA", frozenset({"bureau"}), "s2"),
}


def test_every_generated_application_passes_intake_s_rules():
    rng = random.Random(3)
    channels, kinds = Counter(), Counter()
    for _ in range(2000):
        channel, body = load.application(rng)
        application = ApplicationCreate.model_validate(body)
        domain.check(domain.recording_officer_rules(application, OFFICERS.get(channel)))
        channels[channel] += 1
        kinds[application.kind] += 1
        if application.applicant:
            assert tckimlik.is_valid(application.applicant.national_id)
    assert set(channels) == {"web", "phone", "in_person"}
    assert set(kinds) == {"petition", "information_request", "human_rights", "ethics_complaint"}
    assert 0.65 < channels["web"] / 2000 < 0.75


def test_percentiles_name_the_value_below_which_that_share_falls():
    values = [float(n) for n in range(1, 101)]
    assert load.percentiles(values) == {"p50": 51.0, "p95": 96.0, "p99": 100.0, "max": 100.0, "count": 100}
    assert load.percentiles([])["p99"] is None


def test_concurrency_reads_honcho_s_form():
    assert parse_concurrency("intake=2, routing=1") == {"intake": 2, "routing": 1}
    assert parse_concurrency("") == {}
    with pytest.raises(ValueError):
        parse_concurrency("intake")


def test_the_procfile_names_every_service_and_the_gateway():
    assert {"intake", "routing", "notification", "reporting", "identity", "gateway"} <= set(procfile())


def test_a_profile_is_summed_by_function(tmp_path):
    raw = tmp_path / "profile.txt"
    raw.write_text(
        "main (app.py:1);handle (intake/service.py:10);execute (sqlalchemy/base.py:5) 3\n"
        "main (app.py:1);handle (intake/service.py:12) 1\n"
    )
    total, own, under, packages = profile.summarise(raw)
    assert total == 4
    assert own["execute (sqlalchemy/base.py)"] == 3 and own["handle (intake/service.py)"] == 1
    assert under["handle (intake/service.py)"] == 4
    assert packages == {"sqlalchemy": 3, "intake": 1}


run = bench_module("run")


def loop(p99: float | None = 20.0, routed_p99: float | None = 300.0, **extra):  # type: ignore[no-untyped-def]
    return {
        "by_status": {"201": 1200},
        "errors": {},
        "latency_ms": {"p99": p99},
        "routed_ms": {"p99": routed_p99},
        "routed_missing": 0,
        **extra,
    }


def test_a_rate_is_sustained_only_when_every_condition_holds():
    assert run.sustains(loop(), settled_s=1.5) == []
    assert run.sustains(loop(p99=100.0), settled_s=1.5) == ["POST p99 100.0 ms"]
    assert run.sustains(loop(routed_p99=1500.0), settled_s=1.5) == ["201 -> assigned p99 1500.0 ms"]
    assert run.sustains(loop(routed_p99=None), settled_s=1.5) == ["201 -> assigned p99 None ms"]
    assert run.sustains(loop(), settled_s=7.0) == ["settled after 7.0 s"]
    assert run.sustains(loop(), settled_s=None) == ["not settled in the drain timeout"]
    refused = loop(by_status={"201": 1100, "503": 100})
    assert run.sustains(refused, settled_s=1.0) == ["not all accepted: {'503': 100}"]
    assert run.sustains(loop(routed_missing=2), settled_s=1.0) == ["2 followed never assigned"]


def test_the_ladder_rises_by_its_factor_up_to_the_flood():
    assert run.ladder(20, 1.25, 60) == [20.0, 25.0, 31.0, 39.0, 49.0]
    assert run.ladder(20, 2, 20) == [20.0]

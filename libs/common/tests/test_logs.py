"""No national ID, and no password in an address, reaches a log line, whatever put it there."""

import json
import logging

import structlog

from cimer_common import logs


def test_national_ids_are_masked_and_other_numbers_are_not():
    assert logs.mask_national_ids("kimlik 10000000146 tel 05321234567") == "kimlik 10*******46 tel 05321234567"
    assert logs.mask_national_ids("takip 260000000018") == "takip 260000000018"  # 12 digits: a tracking number


def test_a_log_line_with_a_national_id_in_any_field_is_masked(capsys):
    logs.configure("test", "json")
    structlog.get_logger("x").info("filed 10000000146", applicant={"national_id": "10000000146"})
    logging.getLogger("plain").warning("stdlib too: %s", "10000000146")
    captured = capsys.readouterr()
    out = captured.err + captured.out
    assert "10000000146" not in out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(lines) == 2
    assert lines[0]["service"] == "test"
    assert "10*******46" in lines[0]["event"]


def test_no_password_of_any_of_a_brokers_addresses_reaches_a_log_line(capsys):
    """nameko masks the first of several addresses in its own warnings, and prints the others as they are."""
    logs.configure("test", "json")
    uri = "pyamqp://cimer-intake:********@127.0.0.1:5681/v;pyamqp://cimer-intake:s3cret-Pw_1@127.0.0.1:5682/v"
    logging.getLogger("nameko.messaging").warning("Error connecting to broker at %s (refused)", uri)
    structlog.get_logger("x").warning("lost", uris=[uri.replace("********", "an0ther")])
    captured = capsys.readouterr()
    out = captured.err + captured.out
    assert "s3cret-Pw_1" not in out and "an0ther" not in out
    assert "pyamqp://cimer-intake:********@127.0.0.1:5682/v" in out
    assert logs.scrub("http://127.0.0.1:15672/api") == "http://127.0.0.1:15672/api"  # a port is not a password


class Applicant:
    def __init__(self, national_id):
        self.national_id = national_id

    def __repr__(self):
        return f"Applicant(national_id={self.national_id!r})"


def test_a_national_id_in_a_set_bytes_or_an_objects_repr_is_masked(capsys):
    logs.configure("test", "json")
    structlog.get_logger("x").info(
        "filed",
        ids={"10000000146"},
        frozen=frozenset({10000000146}),
        raw=b"tc=10000000146",
        applicant=Applicant("10000000146"),
        nested=[{"who": Applicant(10000000146)}],
        count=3,
        share=0.5,
        ok=True,
        nothing=None,
    )
    captured = capsys.readouterr()
    out = captured.err + captured.out
    assert "10000000146" not in out
    (line,) = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert "10*******46" in line["applicant"] and "10*******46" in line["raw"]
    assert (line["count"], line["share"], line["ok"], line["nothing"]) == (3, 0.5, True, None)  # left as they were


def test_the_test_plugin_imports_nothing_that_eventlet_must_patch_first():
    """The pytest plugin (`-p cimer_common.testing`) is imported before the services' conftest patches the standard
    library: a socketserver imported then keeps its unpatched selectors, and a local server in a test (the SMS
    provider) starves every green thread."""
    import subprocess
    import sys

    code = "import sys, cimer_common.testing; print(sorted({'socketserver', 'logging.config'} & set(sys.modules)))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert found == "[]"

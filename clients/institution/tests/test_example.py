"""The example ministry: its rule alone, then the whole program against the test exchange and queue."""

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from cimer_institution import parse_message
from cimer_institution_examples.ministry_of_health import (
    ANSWER_TEXT,
    Answer,
    Forward,
    build_client,
    command_id_for,
    decide,
)


@pytest.fixture
def assigned(make_assignment):
    return lambda **fields: parse_message(json.dumps(make_assignment(**fields)))


@pytest.mark.parametrize(
    ("fields", "decision"),
    [
        ({"subject": "health", "province": "06"}, Forward("PD-06-SAGLIK")),
        (
            {"subject": "health", "province": "34", "reason": "forwarded", "from_institution": "PBK"},
            Forward("PD-34-SAGLIK"),
        ),
        ({"subject": "health", "province": None}, Answer()),
        ({"subject": "education", "province": "06"}, Answer()),
        # Sent back by the very directorate it would go to: answered rather than bounced again.
        ({"subject": "health", "province": "06", "reason": "returned", "from_institution": "PD-06-SAGLIK"}, Answer()),
    ],
)
def test_the_ministry_forwards_health_matters_to_the_province_and_answers_the_rest(assigned, fields, decision):
    assert decide(assigned(**fields)) == decision


def test_the_answer_is_positive_and_long_enough():
    assert Answer().outcome == "positive"
    assert len(ANSWER_TEXT) >= 10


def test_a_command_id_follows_from_the_message_id(assigned):
    first = assigned(message_id="m-1")
    assert command_id_for(first) == command_id_for(assigned(message_id="m-1", title="redelivered"))
    assert command_id_for(first) != command_id_for(assigned(message_id="m-2"))
    uuid.UUID(command_id_for(first))


def test_the_ministry_forwards_one_answers_another_and_repeats_itself_on_redelivery(bus, run_client, make_assignment):
    plug = bus.plug_output("MIN-SAGLIK")
    health = make_assignment(tracking_number="2025-000001", subject="health", province="06")
    other = make_assignment(tracking_number="2025-000002", subject="education", province="06")

    client = build_client(plug, connection_name=f"test-{bus.id}", handle_signals=False)
    with run_client(client):
        bus.publish(health)
        bus.publish(other)
        commands = {command.routing_key: command for command in (bus.next_command(), bus.next_command())}
    client.close()

    forward, answer = commands["MIN-SAGLIK.forward"], commands["MIN-SAGLIK.answer"]
    assert forward.body["tracking_number"] == "2025-000001"
    assert forward.body["to_institution"] == "PD-06-SAGLIK"
    assert "il sağlık müdürlüğüne" in forward.body["note"]
    assert answer.body["tracking_number"] == "2025-000002"
    assert (answer.body["outcome"], answer.body["text"]) == ("positive", ANSWER_TEXT)

    # The system restarted and the assignment came again (its ack lost): the same command, which CİMER acts on once.
    restarted = build_client(plug, connection_name=f"test-{bus.id}-again", handle_signals=False)
    with run_client(restarted):
        bus.publish(health)
        again = bus.next_command()
    restarted.close()
    assert again.routing_key == "MIN-SAGLIK.forward"
    assert again.body == forward.body
    assert bus.depth() == 0


def example_command() -> list[str]:
    script = Path(sys.executable).parent / "cimer-example-ministry"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cimer_institution_examples.ministry_of_health"]


def test_the_example_runs_from_its_plug_file_and_stops_on_sigterm(bus, make_assignment, tmp_path, wait_until):
    plug = tmp_path / "plug.json"
    plug.write_text(json.dumps(bus.plug_output("MIN-SAGLIK")), encoding="utf-8")
    process = subprocess.Popen(
        example_command(),
        env={**os.environ, "CIMER_INSTITUTION_PLUG": str(plug)},
        stderr=subprocess.PIPE,
        text=True,
    )
    logs: list[str] = []
    reader = threading.Thread(target=lambda: logs.extend(process.stderr), daemon=True)
    reader.start()
    try:
        wait_until(lambda: bus.consumers() == 1 or process.poll() is not None)
        bus.publish(make_assignment(tracking_number="2025-000007", province="35"))
        command = bus.next_command()
        assert (command.routing_key, command.body["to_institution"]) == ("MIN-SAGLIK.forward", "PD-35-SAGLIK")
        refusal = {
            "type": "command_refused",
            "command_id": command.body["command_id"],
            "code": "forward_not_allowed",
            "message": "Başvuru bu kuruma gönderilemez.",
            "tracking_number": "2025-000007",
        }
        bus.publish(refusal)
        wait_until(lambda: any("refused (forward_not_allowed)" in line for line in logs))

        process.send_signal(signal.SIGTERM)
        process.wait(timeout=5)
        reader.join(5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    text = "".join(logs)
    assert process.returncode == 0, text
    assert "2025-000007: forwarded to PD-35-SAGLIK" in text
    assert "SIGTERM: stopping" in text
    assert bus.depth() == 0


def test_the_example_needs_its_plug_file():
    env = {name: value for name, value in os.environ.items() if name != "CIMER_INSTITUTION_PLUG"}
    result = subprocess.run(example_command(), env=env, capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    assert "--plug" in result.stderr

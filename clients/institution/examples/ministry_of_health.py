"""An example institution system: the Ministry of Health (MIN-SAGLIK) plugged into CİMER.

It forwards every health application that names a province to that province's health directorate
(`PD-<province>-SAGLIK`) and answers every other one positively. Run it with the JSON that
`cimer-institution plug MIN-SAGLIK` printed, saved in a file:

    cimer-example-ministry --plug plug.json        # or CIMER_INSTITUTION_PLUG=plug.json cimer-example-ministry

It keeps no database, yet is safe under redelivery: each command's id is derived from the assignment's message_id,
so an assignment delivered twice sends the same command twice, and CİMER acts on it once.
"""

from __future__ import annotations

import argparse
import logging
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cimer_institution import (
    AccessRefused,
    ApplicationAssigned,
    CommandAccepted,
    CommandRefused,
    InstitutionClient,
    QueueNotFound,
)

logger = logging.getLogger("ministry_of_health")

# Fixed for this system: the same message_id always gives the same command_id, across restarts.
COMMAND_NAMESPACE = uuid.UUID("5b0c7a3e-2f4d-4f8e-9a61-3c2d1e0f9b17")
FORWARD_NOTE = "Sağlık Bakanlığı sistemi: il sağlık müdürlüğüne yönlendirildi."
ANSWER_TEXT = "Başvurunuz Sağlık Bakanlığınca incelenmiş ve gereği yapılmıştır."


@dataclass(frozen=True)
class Forward:
    to_institution: str
    note: str = FORWARD_NOTE


@dataclass(frozen=True)
class Answer:
    outcome: str = "positive"
    text: str = ANSWER_TEXT


def provincial_directorate(province: str) -> str:
    return f"PD-{province}-SAGLIK"


def decide(assignment: ApplicationAssigned) -> Forward | Answer:
    """The ministry's rule: health matters go to the province's directorate, everything else is answered here."""
    if assignment.subject == "health" and assignment.province:
        directorate = provincial_directorate(assignment.province)
        # The directorate sent it back: forwarding it again would only bounce it, so the ministry answers.
        if not (assignment.reason == "returned" and assignment.from_institution == directorate):
            return Forward(directorate)
    return Answer()


def command_id_for(assignment: ApplicationAssigned) -> str:
    return str(uuid.uuid5(COMMAND_NAMESPACE, assignment.message_id))


def build_client(plug: str | bytes | Mapping[str, Any], **options: Any) -> InstitutionClient:
    """The ministry's client, its callbacks registered; `options` go to `InstitutionClient`."""
    client = InstitutionClient.from_plug_output(plug, **options)

    @client.on_application_assigned
    def take(assignment: ApplicationAssigned) -> None:
        decision = decide(assignment)
        command_id = command_id_for(assignment)
        if isinstance(decision, Forward):
            client.forward(assignment.tracking_number, decision.to_institution, decision.note, command_id=command_id)
            logger.info(
                "%s: forwarded to %s (command %s)", assignment.tracking_number, decision.to_institution, command_id
            )
        else:
            client.answer(assignment.tracking_number, decision.outcome, decision.text, command_id=command_id)
            logger.info("%s: answered %s (command %s)", assignment.tracking_number, decision.outcome, command_id)

    @client.on_command_accepted
    def accepted(outcome: CommandAccepted) -> None:
        logger.info("command %s accepted (%s): %s", outcome.command_id, outcome.code, outcome.message)

    @client.on_command_refused
    def refused(outcome: CommandRefused) -> None:
        logger.warning(
            "command %s refused (%s): %s; %s is left for an officer in the web console",
            outcome.command_id,
            outcome.code,
            outcome.message,
            outcome.tracking_number or "the application",
        )

    return client


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The Ministry of Health's example system, plugged into CİMER.")
    parser.add_argument(
        "--plug",
        default=os.environ.get("CIMER_INSTITUTION_PLUG"),
        help="file holding the JSON printed by `cimer-institution plug MIN-SAGLIK` (default: $CIMER_INSTITUTION_PLUG)",
    )
    args = parser.parse_args(argv)
    if not args.plug:
        parser.error("give the plug file with --plug FILE or CIMER_INSTITUTION_PLUG")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    client = build_client(Path(args.plug).read_text(encoding="utf-8"))
    if client.institution != "MIN-SAGLIK":
        logger.warning("plugged in as %s, not MIN-SAGLIK: forwards may be refused", client.institution)
    try:
        client.run()  # until SIGTERM or Ctrl-C
    except (AccessRefused, QueueNotFound) as exc:
        logger.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

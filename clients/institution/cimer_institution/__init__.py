"""The client an institution installs to plug its own case system into CİMER (SPEC section 10).

from cimer_institution import InstitutionClient

client = InstitutionClient.from_plug_output(open("plug.json").read())

@client.on_application_assigned
def take(assignment):
    client.answer(assignment.tracking_number, "positive", "Başvurunuz incelenmiş, gereği yapılmıştır.")

client.run()
"""

from cimer_institution._version import __version__
from cimer_institution.client import InstitutionClient
from cimer_institution.errors import AccessRefused, CommandNotDelivered, InstitutionClientError, QueueNotFound
from cimer_institution.messages import (
    Applicant,
    ApplicationAssigned,
    CommandAccepted,
    CommandRefused,
    MalformedMessage,
    Message,
    OtherMessage,
    parse_message,
)

__all__ = [
    "AccessRefused",
    "Applicant",
    "ApplicationAssigned",
    "CommandAccepted",
    "CommandNotDelivered",
    "CommandRefused",
    "InstitutionClient",
    "InstitutionClientError",
    "MalformedMessage",
    "Message",
    "OtherMessage",
    "QueueNotFound",
    "__version__",
    "parse_message",
]

import pytest

from cimer_common.testing import service_database
from routing import directory


@pytest.fixture
def routing(start_service):
    """The routing service running, with the directory seeded."""
    container = start_service("routing")
    with service_database(container) as session:
        directory.seed(session)
    return container

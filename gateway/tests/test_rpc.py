"""Unit tests of the gateway's reading of what the services answer (no broker)."""

from cimer_common.errors import NotFound, TooManyRequests
from gateway.rpc import RemoteError, _remote_exception


def test_a_domain_error_comes_back_as_its_class_with_its_field():
    error = _remote_exception({"exc_type": "NotFound", "exc_args": ["institution_not_found", "to_institution"]})
    assert isinstance(error, NotFound) and (error.code, error.field) == ("institution_not_found", "to_institution")


def test_a_domain_error_raised_without_a_field_has_none_though_nameko_sends_the_text_none():
    error = _remote_exception({"exc_type": "NotFound", "exc_args": ["application_not_found", "None"]})
    assert isinstance(error, NotFound) and error.field is None


def test_throttling_keeps_its_wait():
    error = _remote_exception({"exc_type": "TooManyRequests", "exc_args": ["too_many_lookups", "600"]})
    assert isinstance(error, TooManyRequests) and error.retry_after == "600"


def test_anything_else_is_a_remote_error():
    error = _remote_exception({"exc_type": "KeyError", "exc_args": ["x"], "value": "'x'"})
    assert isinstance(error, RemoteError) and error.exc_type == "KeyError"

from gateway.errors import field_path


def test_a_field_is_named_by_its_path_in_the_body():
    assert field_path(("body", "applicant", "national_id")) == "applicant.national_id"


def test_the_application_text_field_named_body_keeps_its_name():
    # It was dropped with the request body's own place, so the page could not show the error next to it.
    assert field_path(("body", "body")) == "body"


def test_query_and_path_parameters_say_where_they_are():
    assert field_path(("query", "access_code")) == "query.access_code"
    assert field_path(("path", "tracking_number")) == "path.tracking_number"

"""Attachments end to end through the gateway (SPEC sections 8 and 12): the applicant uploads a file with the access
code, the holder's officer reads it and attaches one to the answer, an officer out of scope is refused, a file
that is not a PDF, PNG or JPEG by its content is refused whatever its name, and the answer's mail carries the
answer's file."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.7\n% tapu fotokopisi\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(100))


def filed(api, address):
    body = {
        "kind": "petition", "petition_type": "complaint", "channel": "web", "subject": "environment",
        "title": "İmar", "body": "Komşu parselde ruhsatsız yapı var; belgeler ektedir.", "province": "06",
        "applicant": {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz", "email": address},
    }  # fmt: skip
    accepted = api.post("/api/v1/applications", json=body).json()
    number = accepted["tracking_number"]

    def at_governorship():
        found = api.get(f"/api/v1/applications/{number}/status", params={"access_code": accepted["access_code"]})
        return found.json()["institution"] == "GOV-06"

    wait_for(at_governorship)
    return accepted


def test_the_applicant_uploads_the_holder_reads_and_answers_with_a_file(api, login, system):
    address = f"ekli-{uuid.uuid4().hex[:8]}@example.org"
    accepted = filed(api, address)
    number, code = accepted["tracking_number"], accepted["access_code"]
    path = f"/api/v1/applications/{number}/attachments"

    uploaded = api.post(path, data={"access_code": code}, files={"file": ("tapu.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    file = uploaded.json()
    assert (file["filename"], file["content_type"], file["size"]) == ("tapu.pdf", "application/pdf", len(PDF))

    # Typed by content: a program named .pdf is refused, and nothing is attached.
    program = api.post(
        path, data={"access_code": code}, files={"file": ("tapu2.pdf", b"MZ\x90\x00", "application/pdf")}
    )
    assert program.status_code == 422 and program.json()["detail"]["code"] == "attachment_type_not_allowed"
    no_pair = api.post(path, files={"file": ("x.pdf", PDF, "application/pdf")})
    assert no_pair.status_code == 404

    # The holder reads it; an officer out of scope cannot, exactly as if it did not exist.
    read = api.get(f"{path}/{file['id']}", headers=login("gov-06"))
    assert read.status_code == 200 and read.content == PDF
    assert read.headers["content-type"] == "application/pdf"
    assert read.headers["x-content-type-options"] == "nosniff"
    assert read.headers["content-disposition"].startswith("attachment;")
    outsider = api.get(f"{path}/{file['id']}", headers=login("gov-34"))
    assert outsider.status_code == 404
    assert api.get(f"{path}/{file['id']}", params={"access_code": code}).content == PDF
    # A large file (up to 10 MB, SPEC section 12) goes the whole way too: through the gateway, the bus and back.
    large = b"%PDF-1.7\n" + bytes(range(256)) * (8 * 4096)  # 8 MB
    big = api.post(path, data={"access_code": code}, files={"file": ("büyük tarama.pdf", large, "application/pdf")})
    assert big.status_code == 201, big.text
    assert api.get(f"{path}/{big.json()['id']}", params={"access_code": code}).content == large

    # The holder attaches a file to its answer and answers; the applicant's mail carries it.
    answer_file = api.post(path, files={"file": ("cevap-eki.png", PNG, "image/png")}, headers=login("gov-06"))
    assert answer_file.status_code == 201, answer_file.text
    assert answer_file.json()["side"] == "institution"
    answered = api.post(
        f"/api/v1/applications/{number}/answer",
        json={"outcome": "positive", "text": "Yerinde inceleme yapıldı; tutanak ektedir."},
        headers=login("gov-06"),
    )
    assert answered.status_code == 200, answered.text
    mails = wait_for(lambda: [m for m in system.mails_to(address) if "yanıtlandı" in str(m["Subject"])])
    [attached] = list(mails[0].iter_attachments())
    assert attached.get_filename() == "cevap-eki.png" and attached.get_content() == PNG

    status = api.get(f"/api/v1/applications/{number}/status", params={"access_code": code}).json()
    assert [(a["filename"], a["side"]) for a in status["attachments"]] == [
        ("tapu.pdf", "applicant"),
        ("büyük tarama.pdf", "applicant"),
        ("cevap-eki.png", "institution"),
    ]
    late = api.post(path, data={"access_code": code}, files={"file": ("geç.pdf", PDF + b"1", "application/pdf")})
    assert late.status_code == 409  # answered: nothing more is attached

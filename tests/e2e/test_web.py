"""The web console in a real browser (SPEC section 11): Debian's Chromium driven by Playwright, against the whole
running system. Fields and buttons are found by their accessible names, the labels SPEC section 11 fixes, so
these tests fail when a label is missing or wrong. Every page visited is checked with axe-core (no serious or
critical violation) and photographed phone-sized and desktop-sized into var/test-screens/."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect, sync_playwright

from cimer_common import calendar
from cimer_common.messages import message
from tests.e2e.conftest import DEMO_PASSWORD, GATEWAY_PORT, wait_for

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "var" / "test-screens"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Browsers keep `Secure` cookies from http://localhost (a secure context), not from http://127.0.0.1.
WEB = f"http://localhost:{GATEWAY_PORT}"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE = Axe()
VALID_ID = "10000000146"  # passes the checksum of SPEC section 2

# Which labels the pages use, in each language (SPEC section 11).
LABELS = {
    "tr": {
        "kind": "Başvuru türü", "petition_type": "Dilekçe türü", "subject": "Konu", "title": "Başlık",
        "body": "Başvuru metni", "province": "İl", "district": "İlçe", "national_id": "T.C. Kimlik No",
        "first_name": "Ad", "last_name": "Soyad", "email": "E-posta", "phone": "Telefon",
        "confidential": "Kimliğim gizli tutulsun", "anonymous": "Kimliğimi vermeden başvur",
        "submit": "Başvuruyu gönder", "tracking_number": "Başvuru numarası", "access_code": "Erişim kodu",
        "look_up": "Sorgula", "username": "Kullanıcı adı", "password": "Parola", "login": "Giriş",
        "forward": "Yönlendir", "return": "İade et", "answer": "Cevapla", "extend": "Süre uzat",
        "forward_search": "Kurum ara", "forward_target": "Yönlendirilecek kurum", "answer_text": "Cevap metni",
        "positive": "Olumlu", "inbox": "Gelen başvurular", "next_page": "Sonraki sayfa", "logout": "Çıkış",
    },
    "en": {
        "kind": "Kind of application", "petition_type": "Petition type", "subject": "Subject", "title": "Title",
        "body": "Text", "province": "Province", "district": "District", "national_id": "National ID",
        "first_name": "First name", "last_name": "Last name", "email": "E-mail", "phone": "Phone",
        "confidential": "Keep my identity confidential", "anonymous": "Apply anonymously",
        "submit": "Submit", "tracking_number": "Tracking number", "access_code": "Access code",
        "look_up": "Look up", "username": "Username", "password": "Password", "login": "Log in",
        "forward": "Forward", "return": "Return", "answer": "Answer", "extend": "Extend",
        "forward_search": "Search institutions", "forward_target": "Institution to forward to",
        "answer_text": "Answer text", "positive": "Positive", "inbox": "Inbox", "next_page": "Next page",
        "logout": "Log out",
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def browser(system) -> Iterator[Browser]:
    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"scripts failed in the page: {errors}"


def look(page: Page, name: str) -> None:
    """axe-core's rules run in the page (no serious or critical violation), then the page photographed at both
    sizes."""
    found = AXE.run(page).response["violations"]
    serious = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in found
               if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert not serious, f"{name}: {serious}"
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=SCREENS / f"{name}-{size_name}.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    every_control_is_reached_by_tab(page, name)


# The controls a keyboard must reach: each link, button and field that is shown and enabled, and each group of
# radio buttons once (arrow keys move within a group).
TAB_STOPS = """() => {
  const shown = (e) => !e.disabled && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
  const all = Array.from(document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea")).filter(shown);
  const groups = new Set();
  return all.filter((e) => {
    if (e.type !== "radio") return true;
    if (groups.has(e.name)) return false;
    groups.add(e.name);
    return true;
  }).length;
}"""
MARK_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const key = e.type === "radio" ? `radio:${e.name}` : (e.dataset.tabStop ||= String(Math.random()));
  return key;
}"""


def every_control_is_reached_by_tab(page: Page, name: str) -> None:
    """Tab through the page (twice its length, so wherever focus starts the whole loop is seen) and count the
    distinct controls that took focus: every one must."""
    wanted = page.evaluate(TAB_STOPS)
    reached = set()
    for _ in range(2 * wanted + 4):
        page.keyboard.press("Tab")
        if (key := page.evaluate(MARK_FOCUSED)) is not None:
            reached.add(key)
    assert len(reached) >= wanted, f"{name}: {len(reached)} of {wanted} controls reached by Tab"


def fill_identity(page: Page, words: dict[str, str], email: str | None = None) -> None:
    page.get_by_label(words["national_id"], exact=True).fill(VALID_ID)
    page.get_by_label(words["first_name"], exact=True).fill("Ayşe")
    page.get_by_label(words["last_name"], exact=True).fill("Yılmaz")
    if email:
        page.get_by_label(words["email"], exact=True).fill(email)


def file_application(page: Page, lang: str, kind: str, subject: str = "health", **extra: str) -> dict[str, str]:
    """Fill the portal's form as a citizen would and submit it; the receipt's number and code."""
    words = LABELS[lang]
    page.goto(f"{WEB}/?lang={lang}")
    page.get_by_label(words["kind"], exact=True).select_option(kind)
    if kind == "petition":
        page.get_by_label(words["petition_type"], exact=True).select_option(extra.get("petition_type", "request"))
    page.get_by_label(words["subject"], exact=True).select_option(subject)
    page.get_by_label(words["title"], exact=True).fill(extra.get("title", "Hastane randevusu"))
    page.get_by_label(words["body"], exact=True).fill(
        "Randevu sistemine iki haftadır ulaşamıyorum; yardımınızı rica ederim."
    )
    page.get_by_label(words["province"], exact=True).select_option(extra.get("province", "06"))
    if "district" in extra:
        page.get_by_label(words["district"], exact=True).select_option(extra["district"])
    if extra.get("anonymous"):
        page.get_by_label(words["anonymous"], exact=True).check()
    else:
        fill_identity(page, words, extra.get("email"))
    if kind == "ethics_complaint":
        page.get_by_label("Görevlinin adı soyadı" if lang == "tr" else "Official's name", exact=True).fill(
            "Mehmet Demir"
        )
        page.get_by_label("Görevlinin unvan düzeyi" if lang == "tr" else "Official's rank", exact=True).select_option(
            "below_general_director"
        )
        page.get_by_label("Görevlinin kurum kodu" if lang == "tr" else "Official's institution code", exact=True).fill(
            "PD-06-SAGLIK"
        )
    page.get_by_role("button", name=words["submit"]).click()
    number = page.locator("[data-tracking-number]")
    expect(number).to_have_text(re.compile(r"^\d{12}$"))
    return {"tracking_number": number.inner_text(), "access_code": page.locator("[data-access-code]").inner_text()}


def log_in(page: Page, username: str, lang: str = "tr") -> None:
    words = LABELS[lang]
    page.goto(f"{WEB}/console/login?lang={lang}")
    page.get_by_label(words["username"], exact=True).fill(username)
    page.get_by_label(words["password"], exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=words["login"], exact=True).click()
    expect(page.get_by_role("button", name=words["logout"])).to_be_visible()


def open_from_inbox(page: Page, tracking_number: str, lang: str = "tr") -> None:
    """Find the application in the inbox, page by page (the newest deadlines come last), and open it."""
    page.goto(f"{WEB}/console/?lang={lang}")
    link = page.get_by_role("link", name=tracking_number, exact=True)
    for _ in range(200):
        if link.count():
            break
        page.get_by_role("link", name=LABELS[lang]["next_page"]).click()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(tracking_number)


def wait_until_at(api: httpx.Client, receipt: dict[str, str], institution: str) -> None:
    def arrived() -> bool:
        status = api.get(
            f"/api/v1/applications/{receipt['tracking_number']}/status",
            params={"access_code": receipt["access_code"]},
        ).json()
        return status.get("institution") == institution and status.get("status") == "assigned"

    wait_for(arrived)


# --- The citizen's portal ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["information_request", "petition", "ethics_complaint", "human_rights"])
def test_a_citizen_files_each_kind_through_the_form(page, kind):
    receipt = file_application(page, "tr", kind)
    assert receipt["access_code"]
    expect(page.get_by_role("note")).to_contain_text("saklayın")
    look(page, f"receipt-{kind}")


def test_the_form_shows_exactly_the_fields_of_the_chosen_kind(page):
    words = LABELS["tr"]
    page.goto(f"{WEB}/")
    look(page, "apply")
    kind = page.get_by_label(words["kind"], exact=True)
    kind.select_option("information_request")
    expect(page.get_by_label(words["petition_type"], exact=True)).to_be_hidden()
    expect(page.get_by_label(words["anonymous"], exact=True)).to_be_hidden()
    expect(page.get_by_label("Görevlinin adı soyadı", exact=True)).to_be_hidden()
    kind.select_option("petition")
    page.get_by_label(words["petition_type"], exact=True).select_option("request")
    expect(page.get_by_label(words["anonymous"], exact=True)).to_be_hidden()
    page.get_by_label(words["petition_type"], exact=True).select_option("denunciation")
    expect(page.get_by_label(words["anonymous"], exact=True)).to_be_visible()
    expect(page.get_by_label(words["confidential"], exact=True)).to_be_visible()
    page.get_by_label(words["anonymous"], exact=True).check()
    expect(page.get_by_label(words["national_id"], exact=True)).to_be_hidden()
    kind.select_option("ethics_complaint")
    expect(page.get_by_label("Görevlinin adı soyadı", exact=True)).to_be_visible()
    expect(page.get_by_label(words["national_id"], exact=True)).to_be_visible()
    # The district list follows the province.
    page.get_by_label(words["province"], exact=True).select_option("34")
    expect(page.get_by_label(words["district"], exact=True).locator("option", has_text="Kadıköy")).to_have_count(1)
    page.get_by_label(words["province"], exact=True).select_option("06")
    district = page.get_by_label(words["district"], exact=True)
    expect(district.locator("option", has_text="Çankaya")).to_have_count(1)
    expect(district.locator("option", has_text="Kadıköy")).to_have_count(0)


def test_an_anonymous_complaint(page, api):
    receipt = file_application(page, "tr", "petition", petition_type="complaint", anonymous="yes", province="34")
    status = api.get(
        f"/api/v1/applications/{receipt['tracking_number']}/status", params={"access_code": receipt["access_code"]}
    )
    assert status.status_code == 200 and status.json()["kind"] == "petition"


def test_a_refused_input_shows_a_clear_message_next_to_its_field(page, api):
    words = LABELS["tr"]
    page.goto(f"{WEB}/")
    page.get_by_label(words["kind"], exact=True).select_option("petition")
    page.get_by_label(words["petition_type"], exact=True).select_option("request")
    page.get_by_label(words["subject"], exact=True).select_option("health")
    page.get_by_label(words["title"], exact=True).fill("Randevu")
    page.get_by_label(words["body"], exact=True).fill("Kısa")  # under the 10 characters a text needs
    page.get_by_label(words["province"], exact=True).select_option("06")
    national_id = page.get_by_label(words["national_id"], exact=True)
    national_id.fill("12345678901")  # 11 digits, wrong checksum: told as it is typed
    expect(page.get_by_text("T.C. Kimlik Numarası geçersiz.")).to_be_visible()
    page.get_by_label(words["first_name"], exact=True).fill("Ayşe")
    page.get_by_label(words["last_name"], exact=True).fill("Yılmaz")
    page.get_by_role("button", name=words["submit"]).click()
    # The server refuses too, and the page says why next to each field, in Turkish, with a summary that has focus.
    expect(page.get_by_role("alert")).to_be_focused()
    body = page.get_by_label(words["body"], exact=True)
    expect(body).to_have_attribute("aria-invalid", "true")
    body_error = page.locator("#error-body")
    expect(body_error).to_be_visible()
    assert "10" in body_error.inner_text()
    expect(page.get_by_label(words["title"], exact=True)).to_have_value("Randevu")  # what was typed is kept
    look(page, "apply-refused")

    # A valid shape with a wrong national ID reaches the API's own rule, and its message lands by the field.
    body.fill("Randevu sistemine ulaşamıyorum, yardım rica ederim.")
    national_id.fill("12345678901")
    page.get_by_role("button", name=words["submit"]).click()
    expect(page.locator("#error-applicant-national_id")).to_have_text("T.C. Kimlik Numarası geçersiz.")
    expect(page.locator("[data-tracking-number]")).to_have_count(0)


def test_the_officer_outside_the_scope_cannot_open_the_page(page, api):
    receipt = file_application(page, "tr", "petition", title="Kapsam dışı")
    wait_until_at(api, receipt, "GOV-06")
    log_in(page, "gov-34")
    response = page.goto(f"{WEB}/console/applications/{receipt['tracking_number']}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("bulunamadı")
    expect(page.get_by_text("Kapsam dışı")).to_have_count(0)
    look(page, "console-not-found")


# --- The whole walk: filed, found, forwarded, answered, read ----------------------------------------------------


@pytest.mark.parametrize("lang", ["tr", "en"])
def test_filed_forwarded_answered_and_read_in_a_browser(browser, api, lang):
    words = LABELS[lang]
    citizen = browser.new_context(viewport=DESKTOP).new_page()
    receipt = file_application(citizen, lang, "petition", title=f"Sağlık ocağı ({lang})", district="Çankaya")
    wait_until_at(api, receipt, "GOV-06")

    governorship = browser.new_context(viewport=DESKTOP).new_page()
    log_in(governorship, "gov-06", lang)
    look(governorship, f"inbox-{lang}")
    open_from_inbox(governorship, receipt["tracking_number"], lang)
    look(governorship, f"application-{lang}")
    # Only allowed targets are offered: another province's institutions are not among them.
    target = governorship.get_by_label(words["forward_target"], exact=True)
    expect(target.locator("option[value='PD-34-SAGLIK']")).to_have_count(0)
    governorship.get_by_label(words["forward_search"], exact=True).fill("sağlık")
    expect(target.locator("option[value='PD-06-SAGLIK']")).to_have_count(1)
    expect(target.locator("option[value='DG-06-CANKAYA']")).to_have_count(0)
    target.select_option("PD-06-SAGLIK")
    governorship.get_by_role("button", name=words["forward"], exact=True).click()
    expect(governorship.get_by_role("status")).to_contain_text("PD-06-SAGLIK")
    expect(governorship.get_by_role("button", name=words["forward"], exact=True)).to_have_count(0)
    wait_until_at(api, receipt, "PD-06-SAGLIK")

    directorate = browser.new_context(viewport=DESKTOP).new_page()
    log_in(directorate, "pd-06-saglik", lang)
    open_from_inbox(directorate, receipt["tracking_number"], lang)
    expect(directorate.get_by_role("button", name=words["return"], exact=True)).to_be_visible()  # to GOV-06
    expect(directorate.get_by_role("button", name=words["extend"], exact=True)).to_have_count(0)  # a petition
    directorate.get_by_label(words["positive"], exact=True).check()
    directorate.get_by_label(words["answer_text"], exact=True).fill("Randevunuz 12 Aralık için oluşturulmuştur.")
    directorate.get_by_role("button", name=words["answer"], exact=True).click()
    expect(directorate.get_by_role("status")).to_be_visible()

    def answered() -> bool:
        citizen.goto(f"{WEB}/takip?lang={lang}")
        citizen.get_by_label(words["tracking_number"], exact=True).fill(receipt["tracking_number"])
        citizen.get_by_label(words["access_code"], exact=True).fill(receipt["access_code"])
        citizen.get_by_role("button", name=words["look_up"]).click()
        return citizen.locator("[data-answer]").count() > 0

    wait_for(answered)
    expect(citizen.locator("[data-answer]")).to_have_text("Randevunuz 12 Aralık için oluşturulmuştur.")
    expect(citizen.get_by_role("table")).to_contain_text("PD-06-SAGLIK")
    look(citizen, f"status-{lang}")
    for opened in (citizen, governorship, directorate):
        opened.context.close()


def test_a_refusal_appealed_decided_and_rated_in_a_browser(browser, api, login):
    """SPEC section 12 on the pages: the citizen reads the refusal with the time left to appeal, appeals; the board
    decides in the console, where the only action left is its decision; the citizen reads it and rates it."""
    citizen = browser.new_context(viewport=DESKTOP).new_page()
    receipt = file_application(citizen, "tr", "information_request", title="İhale belgeleri", district="Çankaya")
    wait_until_at(api, receipt, "GOV-06")
    refused = api.post(
        f"/api/v1/applications/{receipt['tracking_number']}/answer",
        json={"outcome": "negative", "text": "İstenen belgeler ticari sır niteliğindedir."},
        headers=login("gov-06"),
    )
    assert refused.status_code == 200, refused.text

    def look_up() -> bool:
        citizen.goto(f"{WEB}/takip")
        citizen.get_by_label("Başvuru numarası", exact=True).fill(receipt["tracking_number"])
        citizen.get_by_label("Erişim kodu", exact=True).fill(receipt["access_code"])
        citizen.get_by_role("button", name="Sorgula").click()
        return citizen.locator("[data-answer]").count() > 0

    wait_for(look_up)
    citizen.get_by_label("İtiraz gerekçesi", exact=True).fill("İhale sonuçlandı; belgeler artık kamuya açıktır.")
    citizen.get_by_role("button", name="İtiraz et", exact=True).click()
    expect(citizen.get_by_role("status")).to_contain_text("İtirazınız alındı")
    look(citizen, "appealed-tr")
    wait_until_at(api, receipt, "BEDK")

    board = browser.new_context(viewport=DESKTOP).new_page()
    log_in(board, "bedk")
    open_from_inbox(board, receipt["tracking_number"])
    expect(board.locator("[data-appeal]")).to_contain_text("kamuya açıktır")
    expect(board.get_by_role("button", name="Cevapla", exact=True)).to_have_count(0)
    expect(board.get_by_role("button", name="Yönlendir", exact=True)).to_have_count(0)
    board.get_by_label("Ret yerinde bulundu", exact=True).check()
    board.get_by_label("Karar metni", exact=True).fill("Belgeler ihaleye katılanların ticari sırlarını içermektedir.")
    board.get_by_role("button", name="Kararı kaydet", exact=True).click()
    expect(board.get_by_role("status")).to_contain_text("Karar kaydedildi")
    look(board, "appeal-decided-tr")

    def decided() -> bool:
        look_up()
        return "Ret yerinde bulundu" in citizen.locator("[data-decision]").inner_text()

    wait_for(decided)
    expect(citizen.locator("[data-answer]")).to_contain_text("ticari sırlarını")
    expect(citizen.get_by_role("button", name="İtiraz et", exact=True)).to_have_count(0)  # one appeal
    citizen.get_by_label("Puan (1-5)", exact=True).select_option("2")
    citizen.get_by_label("Yorum", exact=True).fill("Karar hızlı geldi.")
    citizen.get_by_role("button", name="Değerlendirmeyi gönder", exact=True).click()
    expect(citizen.get_by_role("status")).to_contain_text("teşekkür")
    expect(citizen.locator("[data-rating]")).to_have_text("2")
    expect(citizen.get_by_role("button", name="Değerlendirmeyi gönder", exact=True)).to_have_count(0)  # once
    for opened in (citizen, board):
        opened.context.close()


# --- The rest of the console ------------------------------------------------------------------------------------


def test_an_alo_150_officer_records_a_phone_application_by_keyboard_alone(page):
    # Log in and fill the whole form with the keyboard: Tab from field to field, type, pick options by letter.
    page.goto(f"{WEB}/console/login")
    page.get_by_label("Kullanıcı adı", exact=True).focus()
    page.keyboard.type("cc-06")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Başvuru kaydet")
    page.get_by_label("Başvuru kanalı", exact=True).focus()
    steps = [
        ("Tab", None),  # kind
        ("type", "Dilekçe"),
        ("Tab", None),  # petition type (a select picks its option by the letters typed)
        ("type", "Gör"),
        ("Tab", None),  # subject
        ("type", "Ula"),
        ("Tab", None),
        ("type", "Otobüs seferleri"),
        ("Tab", None),
        ("type", "Hattaki otobüsler bir haftadır sefere çıkmıyor."),
        ("Tab", None),  # province
        ("type", "Ankara"),
    ]
    for step, text in steps:
        if step == "Tab":
            page.keyboard.press(step)
        else:
            page.keyboard.type(text or "")
    expect(page.get_by_label("Başvuru türü", exact=True)).to_have_value("petition")
    expect(page.get_by_label("Dilekçe türü", exact=True)).to_have_value("opinion")
    expect(page.get_by_label("İl", exact=True)).to_have_value("06")
    page.get_by_label("T.C. Kimlik No", exact=True).focus()
    page.keyboard.type(VALID_ID)
    for text in ("Ali", "Kaya"):
        page.keyboard.press("Tab")
        page.keyboard.type(text)
    page.keyboard.press("Enter")  # submits the form from a text field
    expect(page.locator("[data-tracking-number]")).to_have_text(re.compile(r"^\d{12}$"))
    look(page, "console-recorded")
    page.goto(f"{WEB}/console/record")
    look(page, "console-record")


def test_a_coordinator_sees_the_subtree_and_the_monthly_report(page, api):
    receipt = file_application(page, "tr", "petition", title="Genel durum için")
    wait_until_at(api, receipt, "GOV-06")
    log_in(page, "gov-06")
    page.get_by_role("link", name="Genel durum").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Genel durum")
    expect(page.get_by_role("table")).to_contain_text("GOV-06")
    look(page, "console-overview")
    page.get_by_role("link", name="Aylık raporlar").click()
    expect(page.locator("[data-received]")).to_have_text(re.compile(r"^\d+$"))  # last month's, by default
    # This month's so far: the petition above is among what was received (counted a moment after it was filed).
    page.get_by_label("Dönem").fill(calendar.today().strftime("%Y-%m"))  # the month in Turkey, as reports count
    page.get_by_role("button", name="Göster").click()
    by_kind = page.get_by_role("table", name="Türe göre gelen")
    petitions = by_kind.get_by_role("row", name=re.compile("^Dilekçe")).get_by_role("cell").first

    def counted() -> bool:
        if petitions.inner_text() != "0":
            return True
        page.reload()
        return False

    wait_for(counted)
    look(page, "console-reports")
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF indir").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_an_administrator_manages_users_and_the_directory(page):
    log_in(page, "admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kullanıcılar")
    look(page, "console-users")
    page.get_by_label("Kullanıcı adı", exact=True).fill("web-test-officer")
    page.get_by_label("Parola", exact=True).fill("a-long-enough-password")
    page.get_by_label("Kurum", exact=True).fill("GOV-06")
    page.get_by_label("Kurum görevlisi", exact=True).check()
    page.get_by_role("button", name="Kullanıcı ekle").click()
    expect(page.get_by_role("status")).to_have_text("Kullanıcı kaydedildi.")
    expect(page.get_by_role("row", name=re.compile("web-test-officer"))).to_be_visible()
    page.get_by_role("link", name="Kurum rehberi").click()
    page.get_by_label("Ad veya kod", exact=True).fill("Çankaya")
    page.get_by_role("button", name="Ara", exact=True).click()
    expect(page.get_by_role("row", name=re.compile("DG-06-CANKAYA"))).to_be_visible()
    look(page, "console-directory")


def test_logging_out_ends_the_session(page):
    log_in(page, "dg-06-cankaya")
    page.get_by_role("button", name="Çıkış").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Görevli girişi")
    look(page, "console-login")
    page.goto(f"{WEB}/console/")
    expect(page).to_have_url(f"{WEB}/console/login")


# --- Security -------------------------------------------------------------------------------------------------


def test_pages_carry_security_headers_and_session_cookies_are_locked_down(system):
    with httpx.Client(base_url=WEB, timeout=15) as client:
        home = client.get("/")
        policy = home.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert home.headers["x-content-type-options"] == "nosniff"
        assert home.headers["referrer-policy"] == "no-referrer"
        csrf = home.cookies["__Host-cimer-csrf"]
        assert f'name="csrf" value="{csrf}"' in home.text
        login = client.post(
            "/console/login",
            data={"csrf": csrf, "username": "dg-06-cankaya", "password": DEMO_PASSWORD},
            headers=with_csrf_cookie(csrf),
        )
        assert login.status_code == 303
        cookies = [v for k, v in login.headers.multi_items() if k == "set-cookie"]
        for name in ("__Host-cimer-access", "__Host-cimer-refresh"):
            cookie = next(c for c in cookies if c.startswith(name + "="))
            assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie


def with_csrf_cookie(token: str) -> dict[str, str]:
    # httpx keeps a Secure cookie from plain http but does not send it back; a browser on localhost does.
    return {"Cookie": f"__Host-cimer-csrf={token}"}


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(system, api):
    with httpx.Client(base_url=WEB, timeout=15) as client:
        cookie = with_csrf_cookie(client.get("/").cookies["__Host-cimer-csrf"])
        before = api.get("/api/v1/institutions", params={"q": "Sahte"}).json()
        refused = client.post("/console/login", data={"username": "admin", "password": DEMO_PASSWORD}, headers=cookie)
        assert refused.status_code == 403
        assert not any(k == "set-cookie" and "cimer-access" in v for k, v in refused.headers.multi_items())
        forged = client.post("/", data={"csrf": "forged", "kind": "petition", "title": "Sahte"}, headers=cookie)
        assert forged.status_code == 403
        assert api.get("/api/v1/institutions", params={"q": "Sahte"}).json() == before


def test_the_status_look_up_page_is_throttled_as_the_api_is(system):
    # From an address of its own (all of 127.0.0.0/8 is this machine), so no other test is locked out.
    transport = httpx.HTTPTransport(local_address="127.0.0.9")
    with httpx.Client(base_url=WEB, transport=transport, timeout=15) as client:
        token = client.get("/takip").cookies["__Host-cimer-csrf"]
        form = {"csrf": token, "tracking_number": "100000000000", "access_code": "WRONG-CODE"}
        answers = [client.post("/takip", data=form, headers=with_csrf_cookie(token)) for _ in range(21)]
        assert [a.status_code for a in answers[:20]] == [404] * 20
        assert answers[20].status_code == 429
        assert message("too_many_lookups", "tr") in answers[20].text


# --- Answer templates (SPEC section 12) ---------------------------------------------------------------------------


def test_a_coordinator_writes_a_template_and_the_officer_answers_from_it(page, api):
    title = f"Yol onarımı {uuid.uuid4().hex[:8]}"
    log_in(page, "gov-06")
    page.get_by_role("link", name="Cevap şablonları").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cevap şablonları")
    expect(page.get_by_role("table").last).to_contain_text("{basvuru_sahibi}")  # the placeholders explained
    page.get_by_label("Şablonun adı", exact=True).fill(title)
    page.get_by_label("Konu", exact=True).select_option("transport")
    page.get_by_label("Şablon metni", exact=True).fill("Sayın {basvuru_sahibi}, {basvuru_no} numaralı başvurunuz.")
    page.get_by_role("button", name="Şablon ekle").click()
    expect(page.get_by_role("status")).to_have_text("Şablon kaydedildi.")
    expect(page.get_by_role("row", name=re.compile(re.escape(title)))).to_be_visible()
    look(page, "console-answer-templates")

    road = {"kind": "petition", "petition_type": "complaint", "subject": "transport", "title": "Yol bozuk",
            "body": "Mahallemizdeki yol aylardır bozuk.", "province": "06",
            "applicant": {"national_id": VALID_ID, "first_name": "Ayşe", "last_name": "Yılmaz"}}  # fmt: skip
    receipt = api.post("/api/v1/applications", json=road).json()
    wait_until_at(api, receipt, "GOV-06")
    number = receipt["tracking_number"]
    expected = f"Sayın Ayşe Yılmaz, {number} numaralı başvurunuz."
    page.goto(f"{WEB}/console/applications/{number}")
    text = page.get_by_label("Cevap metni", exact=True)
    # With the script: choosing fills the answer in at once.
    page.get_by_label("Cevap şablonu", exact=True).select_option(label=title)
    expect(text).to_have_value(expected)
    look(page, "console-application-templates")
    # Without it, the button asks the page again with the text filled in.
    text.fill("")
    page.get_by_role("button", name="Şablonu kullan").click()
    expect(text).to_have_value(expected)
    page.get_by_label("Olumlu", exact=True).check()
    page.get_by_role("button", name="Cevapla", exact=True).click()
    expect(page.get_by_role("status")).to_be_visible()

    def answered() -> bool:
        found = api.get(f"/api/v1/applications/{number}/status", params={"access_code": receipt["access_code"]})
        return (found.json().get("answer") or {}).get("text") == expected

    wait_for(answered)


def test_near_duplicates_are_linked_and_answered_together_in_the_console(page, api):
    """SPEC section 12 on the officer's page: two applications of one applicant about one road are listed under
    `Benzer başvurular`, linked with `Bağla`, and one answer goes to both with `Bu cevabı bağlı başvuruya da gönder`."""
    digits = [int(d) for d in f"{uuid.uuid4().int % 9 + 1}{uuid.uuid4().int % 10**8:08d}"]
    digits.append((sum(digits[0:9:2]) * 7 - sum(digits[1:8:2])) % 10)
    digits.append(sum(digits) % 10)
    person = {"national_id": "".join(map(str, digits)), "first_name": "Ece", "last_name": "Koç"}
    road = {"kind": "petition", "petition_type": "complaint", "subject": "transport", "title": "Kaldırım yıkık",
            "province": "06", "district": "Çankaya", "applicant": person}  # fmt: skip
    first = api.post(
        "/api/v1/applications", json={**road, "body": "Okul önündeki kaldırım yıkık, çocuklar yoldan yürüyor."}
    )
    second = api.post(
        "/api/v1/applications", json={**road, "body": "Okul önündeki kaldırım hâlâ yıkık; çocuklar yoldan yürüyor."}
    )
    receipts = [first.json(), second.json()]
    for receipt in receipts:
        wait_until_at(api, receipt, "GOV-06")
    a, b = (receipt["tracking_number"] for receipt in receipts)
    log_in(page, "gov-06")

    def listed() -> bool:
        page.goto(f"{WEB}/console/applications/{a}")
        return page.get_by_role("region", name="Benzer başvurular").count() > 0

    wait_for(listed)
    similar = page.get_by_role("region", name="Benzer başvurular")
    expect(similar.get_by_role("link", name=b, exact=True)).to_be_visible()
    expect(similar).to_contain_text("Aynı başvuru sahibi")
    similar.get_by_role("button", name=f"Bağla: {b}").click()
    expect(page.get_by_role("status")).to_contain_text(f"{b} numaralı başvuru bu başvuruya bağlandı")
    expect(page.get_by_role("button", name=f"Bağlantıyı kaldır: {b}")).to_be_visible()
    look(page, "console-duplicates")
    page.get_by_label("Olumlu", exact=True).check()
    page.get_by_label("Cevap metni", exact=True).fill("Kaldırım bu hafta onarılmıştır; ilginiz için teşekkür ederiz.")
    page.get_by_label(f"Bu cevabı bağlı başvuruya da gönder: {b}", exact=True).check()
    page.get_by_role("button", name="Cevapla", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(b)

    def both_answered() -> bool:
        texts = [
            (api.get(f"/api/v1/applications/{r['tracking_number']}/status", params={"access_code": r["access_code"]})
             .json().get("answer") or {}).get("text")
            for r in receipts
        ]  # fmt: skip
        return texts == ["Kaldırım bu hafta onarılmıştır; ilginiz için teşekkür ederiz."] * 2

    wait_for(both_answered)

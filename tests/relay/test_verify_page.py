"""The verification web page in a real browser (Debian's Chromium, driven by Selenium).

A person opens the relay's public page, chooses the scans of a certificate and reads
the verdict: genuine scans are valid, a front with another name pasted over is invalid
with the region listed, in Japanese and in English. A registered verifier who gives its
token also sees the claims and the recovered face beside the front, the region boxed. With
``VERIFY_PAGE_SCREENSHOTS=DIR`` the screenshots of the README are written there.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from hardware_mocks.paper import forgery, scanner
from hardware_mocks.paper.scanner import Scan
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.world import World
from kiosk.relay_client.client import load_issuer_public_key
from kiosk.relay_client.https import HttpsRelayClient
from protocol.paper import render as renderer
from protocol.paper.verification import limits
from relay.verifier_register import StoredVerifierRegister
from tests.fixtures.relay import open_hours

pytestmark = [pytest.mark.relay, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("chromedriver") is None, reason="needs chromium-driver")]


@pytest.fixture(scope="module")
def server(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayServer]:
    # one browser checks a dozen papers within a minute from one address: above the
    # service's default of 6 scans a minute, which is not what this module tests
    relay = RelayServer.start(world.root, tmp_path_factory.mktemp("page-relay"), clock_start=open_hours(world),
                              public=True, extra_args=("--public-scans-per-minute", "100"))
    yield relay
    relay.stop()


@pytest.fixture(scope="module")
def scans(world: World, server: RelayServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """A certificate issued by the relay, printed and scanned; and the same with a name
    pasted over on the front."""
    cert, key = server.kiosk_cert()
    with HttpsRelayClient(server.url, ca_file=server.ca_file, cert_file=cert, key_file=key,
                          issuer_key=load_issuer_public_key(server.issuer_public_key)) as client:
        card = CardSigner.load(world.card_path("shiken-hanako"))
        opened = client.open_session()
        client.authenticate(card.cert_der, card.sign(opened.challenge, opened.session_id, client.kiosk_id))
        issued = client.request_documents(str(uuid.uuid4()), "juminhyo", {}, 1)
    pdf = bytes(renderer.render(issued.documents[0], None, issued.scramble_keys[0], qr_text=issued.qr[0]).pdf)
    folder = tmp_path_factory.mktemp("scans")
    scan = Scan(dpi=300, rotation=0.8, scale=0.99, jpeg=70, noise=3)
    name = forgery.text_box(pdf, 0, "試験　花子")
    out: dict[str, list[Path]] = {}
    for case, change in (("genuine", None), ("forged", lambda p, d: forgery.paper_overlay(p, d, name, "見本　春子"))):
        files = []
        for index, side in ((0, "front"), (1, "back")):
            paper = scanner.page_of(pdf, index, 600)
            if index == 0 and change is not None:
                paper = change(paper, 600)
            path = folder / f"{case}-{side}.jpg"
            path.write_bytes(scanner.encode(scanner.scanned(paper, 600, scan), scan))
            files.append(path)
        out[case] = files
    return out


#: Seconds a page may take to load (the form, or the verdict after an upload).
PAGE_LOAD_S = 90


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1100,1500",
                "--ignore-certificate-errors"):  # the relay's test CA, on loopback
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium") or "chromium"
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(shutil.which("chromedriver")))
    # a page loads within this or fails (the default waits 300 s a load): the answer to an
    # upload is the verified page, so this bounds a verification too; with the verdict's
    # wait below, a test's two checks stay within the suite's 600-s timeout
    driver.set_page_load_timeout(PAGE_LOAD_S)
    yield driver
    driver.quit()


def _shot(browser: webdriver.Chrome, name: str, tmp_path: Path) -> None:
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1100, min(4000, int(height) + 120))
    browser.save_screenshot(str(tmp_path / name))
    target = os.environ.get("VERIFY_PAGE_SCREENSHOTS")
    if target:
        shutil.copy(tmp_path / name, Path(target) / name)
    browser.set_window_size(1100, 1500)


def _check(browser: webdriver.Chrome, server: RelayServer, files: list[Path], lang: str,
           token: str | None = None) -> str:
    browser.get(f"https://127.0.0.1:{server.public_port}/?lang={lang}")
    browser.find_element(By.NAME, "file").send_keys("\n".join(str(f) for f in files))
    if token is not None:
        browser.find_element(By.NAME, "token").send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    verdict = WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "verdict")))
    return str(verdict.get_attribute("data-status"))


def test_the_form(browser: webdriver.Chrome, server: RelayServer, tmp_path: Path) -> None:
    browser.get(f"https://127.0.0.1:{server.public_port}/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "証明書の検証"
    assert f"{limits.MAX_FILES}個まで" in browser.page_source
    _shot(browser, "verify-form-ja.png", tmp_path)
    browser.find_element(By.LINK_TEXT, "English").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Certificate verification"


def test_genuine_scans_are_valid(browser: webdriver.Chrome, server: RelayServer, scans: dict[str, list[Path]],
                                 tmp_path: Path) -> None:
    assert _check(browser, server, scans["genuine"], "en") == "valid"
    assert "VALID" in browser.find_element(By.ID, "verdict").text
    assert "139998-" in browser.find_element(By.ID, "serial").text
    # anyone at the page: the verdict and the serial, never the document's content or face
    assert browser.find_elements(By.ID, "claims") == [] and browser.find_elements(By.ID, "faces") == []
    _shot(browser, "verify-valid-en.png", tmp_path)
    assert _check(browser, server, list(reversed(scans["genuine"])), "ja") == "valid"  # any order
    assert "有効" in browser.find_element(By.ID, "verdict").text


def test_a_forged_front_is_invalid_with_the_region(browser: webdriver.Chrome, server: RelayServer,
                                                   scans: dict[str, list[Path]], tmp_path: Path) -> None:
    assert _check(browser, server, scans["forged"], "ja") == "invalid"
    regions = browser.find_element(By.ID, "regions").text
    assert "表の4行目（内容）" in regions
    _shot(browser, "verify-invalid-ja.png", tmp_path)
    assert _check(browser, server, scans["forged"], "en") == "invalid"
    assert "table row 4 (value)" in browser.find_element(By.ID, "regions").text


def test_errors_are_pages(browser: webdriver.Chrome, server: RelayServer, tmp_path: Path) -> None:
    junk = tmp_path / "note.png"
    junk.write_bytes(b"not an image at all")
    assert _check(browser, server, [junk], "en") == "unreadable"
    assert "neither a PDF nor a PNG or JPEG" in browser.find_element(By.ID, "verdict").text


def test_a_registered_verifier_sees_the_faces(browser: webdriver.Chrome, server: RelayServer,
                                              scans: dict[str, list[Path]], tmp_path: Path) -> None:
    """With its token in the form, a registered verifier sees what the API gives it: the
    claims and, for a valid paper, the face recovered from the back beside the front. An
    invalid paper's face is not shown (a photo of someone's back with any front would
    otherwise recover it); its regions are listed as for anyone."""
    register = StoredVerifierRegister(server.db)
    try:
        _, token = register.add("page-bank", "Page Bank", faces_per_hour=2)
    finally:
        register.close()
    assert _check(browser, server, scans["genuine"], "ja", token) == "valid"
    assert "139998-" in browser.find_element(By.ID, "claims").text
    faces = browser.find_element(By.ID, "faces")
    assert str(faces.get_attribute("src")).startswith("data:image/png;base64,")
    assert browser.execute_script("return arguments[0].naturalWidth", faces) > 0  # a picture the browser drew
    _shot(browser, "verify-verifier-ja.png", tmp_path)
    assert _check(browser, server, scans["forged"], "en", token) == "invalid"
    assert "table row 4 (value)" in browser.find_element(By.ID, "regions").text
    assert browser.find_elements(By.ID, "claims") and not browser.find_elements(By.ID, "faces")
    # its faces an hour (two) are spent: the third is refused, and said so
    assert _check(browser, server, scans["genuine"], "en", token) == "error"
    assert "as many faces as it may this hour" in browser.find_element(By.ID, "verdict").text


def test_a_wrong_token_is_refused_with_a_page(browser: webdriver.Chrome, server: RelayServer,
                                              scans: dict[str, list[Path]]) -> None:
    assert _check(browser, server, scans["genuine"], "en", "not-a-registered-token") == "error"
    assert "token is not valid" in browser.find_element(By.ID, "verdict").text
    assert browser.find_elements(By.NAME, "file")  # the form again

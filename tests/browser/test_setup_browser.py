"""Setup in Chromium, as an administrator: a storage building added to NMY with its ELL, CGs
and protection, an item type and a lot added and the lot suspended; an invalid item type
shows why on the page, and the way back to the form; the pages in French."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import shot


def test_an_administrator_adds_a_building(open_page, live):
    page = open_page("admin")
    page.goto(f"{live.url}/hq/")
    page.get_by_role("link", name="Setup").click()
    page.locator("#setup-depots").get_by_role("link", name=re.compile("^NMY")).click()
    form = page.locator("#building-form")
    form.locator("input[name=code]").fill("B7")
    form.locator("select[name=type]").select_option("magazine")
    form.locator("input[name='ell_1.1']").fill("800")
    form.locator("input[name='ell_1.4']").fill("2500")
    form.locator("input[name=cgs_allowed]").fill("D, S")
    form.locator("input[name=lightning_protection]").check()
    form.locator("input[name=lightning_test_date]").fill("2026-09-15")
    form.locator("input[name=alarm]").check()
    form.locator("input[name=lock_type]").fill("cadenas CEN 6")
    form.get_by_role("button", name="Add the building").click()
    expect(page.locator(".flash")).to_contain_text("Building B7 added.")
    row = page.locator("#buildings tbody tr").filter(has_text="B7")
    expect(row).to_contain_text("HD 1.1: 800.0")
    expect(row).to_contain_text("DS")
    expect(row).to_contain_text("2026-09-15")
    row.get_by_role("link", name="B7").click()
    page.locator("#stack-form input[name=code]").fill("A1")
    page.locator("#stack-form button").click()
    expect(page.locator("#stacks")).to_contain_text("A1")
    shot(page, "setup-building")


def test_an_item_type_and_a_lot_then_a_suspension(open_page, live):
    page = open_page("admin")
    page.goto(f"{live.url}/hq/catalogue/items")
    form = page.locator("#item-type-form")
    form.locator("input[name=nature]").fill("cartouche")
    form.locator("input[name=calibre]").fill("12.7x108mm")
    form.locator("input[name=type]").fill("API")
    form.locator("select[name=hazard_division]").select_option("1.2")
    form.locator("input[name=compatibility_group]").fill("E")
    form.locator("input[name=neq_kg]").fill("0.0185")
    form.locator("input[name=un_number]").fill("UN0321")
    form.get_by_role("button", name="Add the item type").click()
    expect(page.locator("#item-types")).to_contain_text("12.7x108mm")
    expect(page.locator("#item-types tbody tr").filter(has_text="12.7x108mm")).to_contain_text(
        "UN0321")
    page.get_by_role("link", name="Lots", exact=True).click()
    lot = page.locator("#lot-form")
    lot.locator("select[name=item_type_id]").select_option(label="12.7x108mm API (1.2E)")
    lot.locator("input[name=lot_number]").fill("17-88-203")
    lot.locator("input[name=manufacturer]").fill("Arsenal")
    lot.locator("input[name=country_of_manufacture]").fill("BG")
    lot.locator("input[name=manufacture_date]").fill("1988-05-01")
    lot.locator("input[name=expiry_date]").fill("2028-05-01")
    lot.get_by_role("button", name="Add the lot").click()
    expect(page.locator("h1")).to_contain_text("17-88-203")
    page.locator("#suspension-form input[name=reference]").fill("CNCCI 2026/041")
    page.locator("#suspension-form button").click()
    expect(page.locator("#lot-suspension")).to_contain_text("suspended")
    expect(page.locator("#lot-suspension")).to_contain_text("CNCCI 2026/041")
    shot(page, "setup-lot")


def test_an_invalid_item_type_shows_its_error_and_the_way_back(open_page, live):
    page = open_page("admin")
    page.goto(f"{live.url}/hq/catalogue/items")
    form = page.locator("#item-type-form")
    form.locator("input[name=nature]").fill("grenade")
    form.locator("input[name=calibre]").fill("F1")
    form.locator("input[name=type]").fill("HE")
    form.locator("select[name=hazard_division]").select_option("1.1")
    form.locator("input[name=compatibility_group]").fill("D")
    form.locator("input[name=neq_kg]").fill("0.06")
    form.locator("input[name=un_number]").fill("UN0012")
    form.get_by_role("button", name="Add the item type").click()
    expect(page.locator(".error .message")).to_have_text("UN0012 is classified 1.4S, not 1.1D.")
    shot(page, "setup-invalid")
    page.locator("#back-to-form").click()
    expect(page).to_have_url(re.compile(r"/hq/catalogue/items$"))
    expect(page.locator("#item-types")).not_to_contain_text("F1")


def test_setup_in_french(open_page, live):
    page = open_page("admin", locale="fr-FR")
    page.goto(f"{live.url}/hq/setup/depots/NMY")
    page.click("button[name=language][value=fr]")
    expect(page.locator("h2").first).to_have_text("Bâtiments de stockage")
    expect(page.locator("#building-form legend").first).to_have_text("Nouveau bâtiment")
    page.goto(f"{live.url}/hq/catalogue/items")
    form = page.locator("#item-type-form")
    form.locator("input[name=nature]").fill("x")
    form.locator("input[name=calibre]").fill("x")
    form.locator("input[name=type]").fill("x")
    form.locator("select[name=hazard_division]").select_option("1.4")
    form.locator("input[name=compatibility_group]").fill("S")
    form.locator("input[name=neq_kg]").fill("-1")
    form.get_by_role("button", name="Ajouter l'article").click()
    expect(page.locator(".error .message")).to_have_text(
        "La MNE par article est de zéro kg ou plus.")

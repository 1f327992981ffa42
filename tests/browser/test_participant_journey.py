"""A participant's whole journey in a real browser, scored by the real embedded worker."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import sign_up

SCORING_TIMEOUT_MS = 120_000


def join_iris(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/events/iris")
    page.get_by_role("button", name="Join this event").click()
    page.wait_for_url("**/events/iris/sandbox")


def test_sign_up_join_edit_submit_watch_it_score_and_find_it_on_the_leaderboard(
    new_page,  # type: ignore[no-untyped-def]
) -> None:
    page = new_page()
    sign_up(page, "journey")
    join_iris(page)
    # The editor starts from the starting kit.
    editor = page.locator(".CodeMirror")
    if editor.count():
        expect(editor.first).to_contain_text("def get_estimator")
        page.evaluate(
            """() => {
              const cm = document.querySelector('.CodeMirror').CodeMirror;
              cm.setValue(cm.getValue() + '\\n# tuned in the browser\\n');
            }"""
        )
    else:
        area = page.locator("textarea[name='file:estimator.py']")
        area.fill(area.input_value() + "\n# tuned in the browser\n")
    page.fill("input[name=name]", "browser_first")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/submissions/*")
    url = page.url
    # The state changes on the page by itself (no reload) until the scores come in.
    expect(page.locator("#state")).to_have_text("scored", timeout=SCORING_TIMEOUT_MS)
    assert page.url == url
    expect(page.locator("#fold-scores tbody tr").first).not_to_contain_text("No fold")
    page.goto("/events/iris/leaderboard")
    expect(page.locator("table.leaderboard")).to_contain_text("browser_first")
    expect(page.locator("table.leaderboard")).to_contain_text("journey")


def test_upload_path(new_page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    sign_up(page, "uploader")
    join_iris(page)
    code = tmp_path / "estimator.py"
    code.write_text(
        "from sklearn.linear_model import LogisticRegression\n\n\n"
        "def get_estimator():\n    return LogisticRegression(max_iter=500)\n"
    )
    page.set_input_files("input[name=uploads]", str(code))
    page.fill("input[name=name]", "uploaded_logreg")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/submissions/*")
    expect(page.locator("main")).to_contain_text("LogisticRegression(max_iter=500)")
    expect(page.locator("#state")).to_have_text("scored", timeout=SCORING_TIMEOUT_MS)


def test_a_failing_submission_shows_its_log(new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    sign_up(page, "breaker")
    join_iris(page)
    broken = "raise RuntimeError('this estimator is broken on purpose')\n"
    if page.locator(".CodeMirror").count():
        page.evaluate(
            "(code) => document.querySelector('.CodeMirror').CodeMirror.setValue(code)", broken
        )
    else:
        page.fill("textarea[name='file:estimator.py']", broken)
    page.fill("input[name=name]", "broken_one")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url("**/submissions/*")
    expect(page.locator("#state")).to_have_text("failed", timeout=SCORING_TIMEOUT_MS)
    expect(page.locator("#failure-log")).to_contain_text("broken on purpose")


def test_a_refused_submission_keeps_the_code(new_page) -> None:  # type: ignore[no-untyped-def]
    page = new_page()
    sign_up(page, "typist")
    join_iris(page)
    page.fill("input[name=name]", "ok_name")
    marker = "# my precious unsaved work"
    if page.locator(".CodeMirror").count():
        page.evaluate(
            "(m) => { const cm = document.querySelector('.CodeMirror').CodeMirror;"
            " cm.setValue(cm.getValue() + '\\n' + m + '\\n'); }",
            marker,
        )
    page.evaluate("() => document.querySelector('input[name=name]').removeAttribute('pattern')")
    page.fill("input[name=name]", "../bad name")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".flash.error")).to_contain_text("Name your submission")
    expect(page.locator("form#sandbox-form")).to_contain_text(marker)

"""A class on a real JupyterHub, in real Chromiums (issue 23): two students predict, the teacher's board shows it.

The hub (tests/hub_support.py) loads the teacher's two snippets, ``docs/hub/jupyterhub_config.d/regress_widgets.py``
and ``regress_widgets_class.py`` (``configure(c, teachers=["alice"])``): the hub starts the class service. Three
browsers, each a user of its own: the students ben and cai open an exercise (``rw.Exercises(…,
class_session="week3", hold_reveal=True)``) in JupyterLab, click on the contours and commit; their Labs say they wait
for the teacher. The teacher alice has ``rw.ClassBoard("week3")`` open: it shows both answers (printed: the time from
the second commit to the board's "2 students answered"), the teacher reveals, and the students' Labs reveal by
themselves (printed: the time from the click on "reveal" to each student's result). Then answers of the other kinds
(a choice, a number, settings), sent by the students' tokens, each shown on the board.

Screenshots in test-artifacts/browser/: ``class-student.png``, ``class-board-point.png`` (before and after the
reveal), ``class-board-choice.png``, ``class-board-number.png``, ``class-board-settings.png``, and the board as an app
(Voilà under the hub) ``class-board-voila.png``, each 1280×800.
"""

from __future__ import annotations

import contextlib
import re
import time

import nbformat
from browser_servers import CHROMIUM_FLAGS, VIEWPORT, artifact_dir, free_port, report, require_browser
from browser_support import (
    FRAME_HOOK,
    Console,
    evidence_on_failure,
    now,
    open_and_run,
    wait_for_frame_after,
    wait_for_quiet,
)
from hub_support import CLASS_SNIPPET, SNIPPET, jupyterhub, require_hub
from side_by_side_support import BENIGN
from test_browser_hub import log_in
from test_browser_lab import contour_box

from regress_widgets.hub.client import ClassClient
from regress_widgets.hub.config import ACCESS_SCOPE, SERVICE_NAME

SESSION = "week3"
STUDENTS = ("ben", "cai")
TEACHER = "alice"
EXERCISE = "Where after 40 steps"
STUDENT_CELL = (
    "import regress_widgets as rw\n\n"
    "where = rw.Exercise('pytorch', 'Where will θ be after 40 steps? Click on the contours, then commit.',\n"
    f"                    title={EXERCISE!r}, seed=2, settings={{'lr': 0.02}},\n"
    "                    predict={'kind': 'point', 'step': 40})\n"
    f"rw.Exercises([where], class_session={SESSION!r}, hold_reveal=True)")
TEACHER_CELL = f"import regress_widgets as rw\n\nboard = rw.ClassBoard({SESSION!r})\nboard"


def write_notebook(home, cell: str) -> str:
    folder = home / "regress_widgets_notebooks"  # the folder a student's server opens (regress-widgets singleuser)
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "class.ipynb")
    return "class.ipynb"


@contextlib.contextmanager
def pages_of(executable: str, names):
    """One headless Chromium with a browser context (cookies of its own: one user) and a 1280×800 page per name."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            pages = {}
            for name in names:
                context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
                context.add_init_script(FRAME_HOOK)
                pages[name] = context.new_page()
            yield pages
        finally:
            browser.close()


def heading_shows(page, text: str, timeout: float = 30.0) -> float:
    """performance.now() when the board's heading first shows ``text``."""
    page.locator(".rw-board-heading", has_text=text).wait_for(timeout=timeout * 1000)
    return now(page)


def test_two_students_predict_and_the_teachers_board_shows_and_reveals(tmp_path):
    exe = require_browser()
    proxy = require_hub()
    shots = artifact_dir("browser")
    start = time.monotonic()
    timings: dict = {}
    env = {"REGRESS_WIDGETS_CLASS_PORT": str(free_port())}
    with contextlib.ExitStack() as stack:
        hub = stack.enter_context(jupyterhub(tmp_path / "hub", shots / "class-hub.log", proxy, (SNIPPET, CLASS_SNIPPET),
                                             env))
        pages = {}
        browsers = stack.enter_context(pages_of(exe, (TEACHER, *STUDENTS)))
        for name in (TEACHER, *STUDENTS):
            home = hub.add_student(name)
            notebook = write_notebook(home, TEACHER_CELL if name == TEACHER else STUDENT_CELL)
            page = browsers[name]
            console = Console(page, BENIGN)
            stack.enter_context(evidence_on_failure(page, shots / f"class-failure-{name}.png", console))
            log_in(page, hub.url, name)
            page.wait_for_selector(".jp-Notebook", timeout=150_000)
            pages[name] = (page, console, f"{hub.url}/user/{name}/lab/tree/{notebook}?reset")
        timings["hub, three users logged in (s)"] = round(time.monotonic() - start, 1)

        # The teacher's board, then the students' exercise
        board, _, url = pages[TEACHER]
        open_and_run(board, url, until=board.locator(".rw-board-heading"))
        heading_shows(board, "0 students answered")
        commits = {}
        for name in STUDENTS:
            page, _, url = pages[name]
            commit = page.locator(".rw-prediction button", has_text="commit my prediction")
            open_and_run(page, url, until=commit)
            page.locator(".rw-class-status", has_text=f"Your answers go to the class ({SESSION})").wait_for()
            page.evaluate("() => document.querySelector('.rw-prediction').scrollIntoView({block: 'start'})")
            box = contour_box(page)
            where = (0.35, 0.4) if name == STUDENTS[0] else (0.6, 0.55)
            t0 = now(page)
            page.mouse.click(box["x"] + where[0] * box["width"], box["y"] + where[1] * box["height"])
            wait_for_frame_after(page, t0, 0)  # the guess drawn
            wait_for_quiet(page, 0, quiet_ms=300)
            commits[name] = commit
        timings["exercise open in both students' Labs (s)"] = round(time.monotonic() - start, 1)
        for name in STUDENTS:
            page = pages[name][0]
            commits[name].click()
            committed = time.monotonic()
            page.locator(".rw-class-status", has_text="Waiting for the teacher to reveal the run").wait_for()
            assert page.locator(".rw-prediction-result", has_text="Distance").count() == 0, \
                f"{name}'s run is revealed before the teacher revealed it"
        seen = board.locator(".rw-board-heading", has_text="2 students answered")
        seen.wait_for(timeout=30_000)
        timings["second commit → the board shows 2 answers (s)"] = round(time.monotonic() - committed, 2)
        wait_for_quiet(board, 0, quiet_ms=500)
        assert "hidden until you reveal" in board.locator(".rw-board-heading").inner_text()
        board.screenshot(path=str(shots / "class-board-point.png"))
        student_page = pages[STUDENTS[0]][0]
        student_page.screenshot(path=str(shots / "class-student.png"))

        # The teacher reveals: the students' Labs reveal by themselves
        board.locator(".widget-button", has_text=re.compile(r"^\s*reveal\s*$")).click()
        clicked = time.monotonic()
        for name in STUDENTS:
            pages[name][0].locator(".rw-prediction-result", has_text="Distance").wait_for(timeout=30_000)
            timings[f"reveal → {name}'s Lab revealed (s)"] = round(time.monotonic() - clicked, 2)
        board.locator(".rw-board-heading", has_text="revealed").wait_for(timeout=30_000)
        wait_for_quiet(board, 0, quiet_ms=500)
        board.screenshot(path=str(shots / "class-board-point-revealed.png"))

        # The other kinds, from the students' tokens (as their kernels send them), each on the board
        url = f"{hub.url}/services/{SERVICE_NAME}/"
        for k, name in enumerate(STUDENTS):
            token = hub.api("POST", f"users/{name}/tokens", {"scopes": [ACCESS_SCOPE]})["token"]
            client = ClassClient(url, token, SESSION)
            client.send("Will it converge?", "choice", ("diverges", "converges")[k], {"recipe": "pytorch"})
            client.send("The first lr that diverges", "number", (0.3, 0.18)[k], {"recipe": "pytorch"})
            client.send("Settle on settings", "settings", {"lr": (0.05, 0.2)[k], "batch_size": (8, 2)[k]},
                        {"recipe": "pytorch"})
        menu = board.locator(".rw-class-board select").first
        for kind, label in (("choice", "Will it converge?"), ("number", "The first lr that diverges"),
                            ("settings", "Settle on settings")):
            board.wait_for_function(  # ipywidgets writes the labels with non-breaking spaces
                "(t) => Array.from(document.querySelectorAll('.rw-class-board select option'))"
                ".some(o => o.textContent.replace(/\\u00a0/g, ' ').startsWith(t))", arg=label, timeout=30_000)
            texts = [o.replace("\xa0", " ") for o in menu.locator("option").all_inner_texts()]
            t0 = now(board)
            menu.select_option(index=next(k for k, o in enumerate(texts) if o.startswith(label)))
            wait_for_frame_after(board, t0, 0, timeout=60)
            wait_for_quiet(board, 0, quiet_ms=500)
            board.screenshot(path=str(shots / f"class-board-{kind}.png"))
        # The board as an app on the projector: Voilà under the hub, no code
        board.goto(f"{hub.url}/user/{TEACHER}/voila/render/class.ipynb")
        board.locator(".rw-board-heading", has_text="2 students answered").wait_for(timeout=120_000)
        board.wait_for_function("() => (window.__frames || []).some(f => f.n === 0)", timeout=60_000)
        wait_for_quiet(board, 0, quiet_ms=500)
        assert board.locator(".jp-InputArea-editor, .cm-editor").count() == 0, "the app shows code"
        board.screenshot(path=str(shots / "class-board-voila.png"))
        errors = [e for name in pages for e in pages[name][1].errors()]
    timings["whole test, hub stopped (s)"] = round(time.monotonic() - start, 1)
    report(timings, name="class")
    assert not errors, "errors in the browser consoles:\n" + "\n".join(errors)

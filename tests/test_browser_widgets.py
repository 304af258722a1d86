"""A real browser drives the widgets: one JupyterLab on 127.0.0.1 and one headless
Chromium page (through Playwright) for the four tests, on which one notebook holding
the four notebooks' widget cells is run with "Run All Cells". Notebook 08: the VAE's
interpolation slider moved with the keyboard and the decoded image checked to change.
Notebook 11: the conditional GAN explorer's class picker clicked, then a latent slider
moved, and the generated image checked to change each time. Notebook 14: the StyleGAN
style-mixing widget's crossover and truncation sliders moved and the long-run model
picked, the mixed image checked to change each time. Notebook 16: the diffusion
explorer's step slider moved back, a class picked and the guidance lowered, the
image checked to change each time.

What runs in Lab is each notebook's own first cell and widget cells (and the cells
they read, such as the data), copied in reading order from the committed notebooks
into one notebook in a folder of the test run's own, over small untrained models of
the notebooks' classes saved where the widget cells look: the whole notebooks,
training included, run under nbval, so here only the widgets in a real browser are
new. One kernel and one page for the four: each more cost about 7 s of CPU (Lab's
page, the kernel's TensorFlow import) beside the other test worker. No test needs
another to have run first (the first to ask runs the notebook).

Outside CI the test is skipped when no Chromium is found; in CI (``CI`` set)
a missing Chromium is a failure. The server is stopped even when the test fails.
"""
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "08_variational_autoencoders.ipynb"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SLIDER = ".vae-interpolation-slider"
DECODED = "img.vae-interpolation-decoded"
RUN_TIMEOUT_MS = 120_000  # imports, data and the widget, CPU busy or not
# What each notebook's widget cells read besides its first cell's names: the cells that
# start so are copied too. The models they load are saved by ``widget_notebooks``.
CELLS_READ = {"08_variational_autoencoders.ipynb": ("data = helpers.load_fashion_mnist",)}
WIDGET_CALL = "helpers.widgets."


def find_chromium():
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser",
                                                   "google-chrome")]
    return next((path for path in candidates if path and Path(path).is_file()), None)


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        reason = ("no Chromium found (looked at $CHROMIUM, /usr/bin/chromium and PATH); "
                  "install it with `apt-get install chromium`")
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {reason}")
        pytest.skip(reason)
    return path


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Lab(NamedTuple):
    base_url: str
    token: str
    log_path: Path


def api(base_url, token, path, method="GET"):
    request = urllib.request.Request(f"{base_url}{path}", method=method,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read()


def widget_cells(notebook: str) -> list[str]:
    """The sources of the committed notebook's first code cell, the cells its widget
    cells read (``CELLS_READ``) and its widget cells, in notebook order."""
    import nbformat

    cells = [cell for cell in nbformat.read(ROOT / "notebooks" / notebook, as_version=4).cells
             if cell.cell_type == "code"]
    read = CELLS_READ.get(notebook, ())
    kept = [cell.source for index, cell in enumerate(cells)
            if index == 0 or WIDGET_CALL in cell.source
            or any(cell.source.startswith(start) for start in read)]
    assert any(WIDGET_CALL in source for source in kept), f"{notebook} shows no widget"
    return kept


WIDGETS_NOTEBOOK = "widgets.ipynb"


@pytest.fixture(scope="module")
def widget_notebooks(tmp_path_factory):
    """A folder with ``notebooks/widgets.ipynb`` (the four widget notebooks' ``widget_cells``,
    one after the other) and ``models/smoke/`` (an untrained model for each notebook,
    where its widget cell looks)."""
    import nbformat
    import numpy as np

    from small_models import randomize_head, small_cgan, small_diffusion, small_stylegan
    from vae_models import small_vae

    root = tmp_path_factory.mktemp("widgets")
    models = root / "models" / "smoke"
    models.mkdir(parents=True)
    small_vae().save(models / "vae.keras")
    small_cgan().save(models / "cgan.keras")
    small_stylegan().save(models / "stylegan.keras")
    diffusion = small_diffusion(n_classes=10, class_dropout=0.1)
    for network in (diffusion.network, diffusion.ema_network):  # so the class matters
        randomize_head(network, np.random.default_rng(0))
    diffusion.save(models / "guided_diffusion.keras")
    (root / "notebooks").mkdir()
    cells = [nbformat.v4.new_code_cell(source)
             for notebook in (NOTEBOOK, CGAN_NOTEBOOK, STYLEGAN_NOTEBOOK, DIFFUSION_NOTEBOOK)
             for source in widget_cells(notebook)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}}),
        root / "notebooks" / WIDGETS_NOTEBOOK)
    return root


@pytest.fixture(scope="module")
def lab(tmp_path_factory, widget_notebooks):
    """JupyterLab on a free port of 127.0.0.1, one server for every test here; yields a
    ``Lab``: base URL, token, log path."""
    tmp_path = tmp_path_factory.mktemp("lab")
    port, token = free_port(), secrets.token_hex(16)
    lab_settings = {
        # No autosave: the run must not write its outputs into the committed notebook.
        "docmanager-extension/plugin": {"autosave": False},
        # Start the notebook's kernel without asking. Render every cell, so outputs
        # far down the notebook exist in the page. (No news pop-up: set-up's
        # overrides.json does that for every reader, and the test checks it.)
        "notebook-extension/tracker": {"autoStartDefaultKernel": True, "windowingMode": "none"},
    }
    for name, values in lab_settings.items():
        folder, plugin = name.split("/")
        path = tmp_path / "lab-settings" / "@jupyterlab" / folder
        path.mkdir(parents=True, exist_ok=True)
        (path / f"{plugin}.jupyterlab-settings").write_text(json.dumps(values))
    # The widget cells load the untrained models of ``widget_notebooks``, never a model
    # file that a worker running the whole notebooks beside this test is writing.
    env = dict(os.environ, NOTEBOOK_PRESET="smoke",
               NOTEBOOK_MODELS_DIR=str(widget_notebooks / "models"))
    env.pop("MPLBACKEND", None)  # the kernel's inline backend, as for a reader
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={widget_notebooks / 'notebooks'}",
               f"--LabApp.user_settings_dir={tmp_path / 'lab-settings'}",
               f"--LabApp.workspaces_dir={tmp_path / 'lab-workspaces'}"]
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited:\n{log_path.read_text()[-3000:]}")
            try:
                api(base_url, token, "/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        yield Lab(base_url, token, log_path)
    finally:
        stop_server(server, base_url, token)


def stop_kernels(base_url, token):
    for kernel in json.loads(api(base_url, token, "/api/kernels")):
        api(base_url, token, f"/api/kernels/{kernel['id']}", method="DELETE")


def stop_server(server, base_url, token):
    """Shut the server down with its kernels; signal it if it does not go."""
    try:
        stop_kernels(base_url, token)
        api(base_url, token, "/api/shutdown", method="POST")
        server.wait(timeout=20)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        pass
    if server.poll() is None:
        # The server's whole process group (its kernels too) where there are groups.
        posix = hasattr(os, "killpg")
        os.killpg(server.pid, signal.SIGTERM) if posix else server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL) if posix else server.kill()
            server.wait()


@contextlib.contextmanager
def screenshot_on_failure(page, tmp_path, log_path):
    """If the body fails, a full-page screenshot is saved in ``tmp_path`` and its path
    printed beside the server log's."""
    try:
        yield
    except Exception:
        page.screenshot(path=tmp_path / "failure.png", full_page=True)
        print(f"\nscreenshot of the page: {tmp_path / 'failure.png'}; server log: {log_path}")
        raise


class WidgetPage(NamedTuple):
    page: object  # playwright's Page
    log_path: Path
    seconds: float  # from the browser's start until every widget showed its first image


@pytest.fixture(scope="module")
def widget_page(chromium, lab, tmp_path_factory):
    """A headless Chromium page on which ``widgets.ipynb`` has run: every widget shown,
    each with its first image; yields a ``WidgetPage``."""
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            with screenshot_on_failure(page, tmp_path_factory.mktemp("run-all"), lab.log_path):
                run_all_cells(page, lab.base_url, lab.token, WIDGETS_NOTEBOOK)
                for widget, image in WIDGETS:
                    wait_for_widget(page, widget)
                    page.wait_for_function(f"document.querySelector('{image}').src !== ''")
            yield WidgetPage(page, lab.log_path, time.perf_counter() - started)
        finally:
            browser.close()


def run_all_cells(page, base_url, token, notebook):
    """Open ``notebook`` in Lab, wait for its kernel, and start "Run All Cells"."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{base_url}/lab/tree/{notebook}?token={token}&reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    # JupyterLab may still ask which kernel to start: whichever comes first, the question
    # or the idle kernel (waiting a fixed time for a question that never comes costs 3 s).
    select_kernel = page.get_by_role("button", name="Select", exact=True)
    idle = page.get_by_text("Python 3 (ipykernel) | Idle")
    select_kernel.or_(idle).first.wait_for(timeout=60_000)
    if select_kernel.count():
        select_kernel.click()
    idle.wait_for(timeout=60_000)
    first_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").first
    for attempt in range(3):  # a click before the kernel's channels open is lost
        page.wait_for_timeout(1_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel").filter(
            has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function(
                "el => /\\[(\\*|\\d+)\\]/.test(el.textContent)",
                arg=first_prompt.element_handle(), timeout=10_000)
            break
        except PlaywrightTimeout:
            continue


def wait_for_widget(page, selector):
    """The locator of ``selector`` once a cell displays it; fails on a cell's traceback."""
    widget = page.locator(selector)
    error = page.locator(".jp-OutputArea-output", has_text="Traceback")
    widget.or_(error).first.wait_for(timeout=RUN_TIMEOUT_MS)
    if error.count():
        pytest.fail(f"a notebook cell failed in the browser:\n{error.first.inner_text()}")
    widget.first.scroll_into_view_if_needed()
    return widget


def readout(slider):
    """The value a slider shows beside its handle."""
    return float(slider.locator(".widget-readout").inner_text())


def assert_changes_image(page, selector, action, what):
    """Run ``action`` and check that the image at ``selector`` gets a new source and
    new pixels; return the seconds until the first new source."""
    image = page.locator(selector)
    source, pixels = image.get_attribute("src"), image.screenshot()
    started = time.perf_counter()
    action()
    page.wait_for_function(
        "([selector, before]) => document.querySelector(selector).src !== before",
        arg=[selector, source], timeout=30_000)
    first_update = time.perf_counter() - started
    wait_until_settled(page, selector)  # the action's last update too, not only its first
    assert image.screenshot() != pixels, f"the image did not change with {what}"
    return first_update


def wait_until_settled(page, selector, quiet_ms=300):
    """Wait until the image at ``selector`` has kept its source for ``quiet_ms``: a slider
    moved by several steps sends several updates, and a late one must not be taken for
    the answer to the next action."""
    page.wait_for_function(
        """([selector, quietMs]) => {
            const image = document.querySelector(selector);
            const now = performance.now();
            if (image.dataset.settledSrc !== image.src) {
                image.dataset.settledSrc = image.src;
                image.dataset.settledSince = String(now);
                return false;
            }
            return now - Number(image.dataset.settledSince) >= quietMs;
        }""", arg=[selector, quiet_ms], polling=50, timeout=30_000)


def press_right(page, slider, times, key="ArrowRight"):
    """Move a slider's handle ``times`` steps to the right (or ``key``'s way) with the keyboard."""
    slider.locator(".noUi-handle").first.focus()
    for _ in range(times):
        page.keyboard.press(key)


def shown(widget_page, selector):
    """The locator of ``selector`` (a widget the notebook showed), scrolled into view."""
    widget = widget_page.page.locator(selector)
    widget.first.scroll_into_view_if_needed()
    return widget


def test_interpolation_slider_updates_the_image_in_a_browser(widget_page, lab, tmp_path):
    """Notebook 08's interpolation widget in Lab: move its slider; the decoded image must
    change. (And Lab never asks about Jupyter news.)"""
    started = time.perf_counter()
    notification = json.loads(api(lab.base_url, lab.token,
                                  "/lab/api/settings/@jupyterlab/apputils-extension:notification"))
    assert notification["schema"]["properties"]["fetchNews"]["default"] == "false", \
        "make setup should install overrides.json so Lab never asks about Jupyter news"
    page = widget_page.page
    with screenshot_on_failure(page, tmp_path, widget_page.log_path):
        slider = shown(widget_page, SLIDER)
        before = readout(slider)
        first_update = assert_changes_image(page, DECODED, lambda: press_right(page, slider, 4),
                                            "the slider")
        assert readout(slider) > before, (before, readout(slider))
    print(f"\nbrowser test: every widget shown {widget_page.seconds:.0f} s after the browser's "
          f"start; first image update {first_update * 1000:.0f} ms after the key; this test "
          f"{time.perf_counter() - started:.1f} s")


CGAN_NOTEBOOK = "11_conditional_gans.ipynb"
CGAN_PICKER = ".cgan-class-picker"
CGAN_SLIDER = ".cgan-latent-slider"
CGAN_IMAGE = "img.cgan-image"


def test_cgan_class_picker_and_latent_slider_update_the_image_in_a_browser(widget_page,
                                                                             tmp_path):
    """Notebook 11's widget cell in Lab: pick another class, then move a latent slider; the
    generated image must change each time."""
    page = widget_page.page
    with screenshot_on_failure(page, tmp_path, widget_page.log_path):
        trouser = shown(widget_page, CGAN_PICKER).get_by_role("button", name="Trouser",
                                                               exact=True)
        assert_changes_image(page, CGAN_IMAGE, trouser.click, "the class")
        assert "mod-active" in trouser.get_attribute("class")

        slider = page.locator(CGAN_SLIDER).first
        before = readout(slider)
        assert_changes_image(page, CGAN_IMAGE, lambda: press_right(page, slider, 5),
                             "the latent slider")
        assert readout(slider) > before, (before, readout(slider))


STYLEGAN_NOTEBOOK = "14_stylegan.ipynb"
STYLEGAN_SLIDER = ".stylegan-crossover"
STYLEGAN_PSI = ".stylegan-psi"
STYLEGAN_IMAGE = "img.stylegan-mixed"
STYLEGAN_MODELS = ".stylegan-model"


def test_stylegan_crossover_slider_updates_the_mixed_image_in_a_browser(widget_page, tmp_path):
    """Notebook 14's widget cell in Lab: move the style-mixing widget's crossover slider, then
    its truncation slider, then pick the long-run model; the mixed image must change
    each time."""
    page = widget_page.page
    with screenshot_on_failure(page, tmp_path, widget_page.log_path):
        slider = shown(widget_page, STYLEGAN_SLIDER)
        before = readout(slider)
        assert_changes_image(page, STYLEGAN_IMAGE, lambda: press_right(page, slider, 2),
                             "the crossover")
        assert readout(slider) > before, (before, readout(slider))
        psi = page.locator(STYLEGAN_PSI).first
        assert readout(psi) == 1.0
        assert_changes_image(page, STYLEGAN_IMAGE,
                             lambda: press_right(page, psi, 10, key="ArrowLeft"), "psi")
        assert readout(psi) < 1.0, readout(psi)
        # The long-run model shipped in pretrained/: one click draws with it instead.
        long_run = page.locator(STYLEGAN_MODELS).get_by_role("button", name="long-run model")
        assert_changes_image(page, STYLEGAN_IMAGE, long_run.click, "the model")
        assert "mod-active" in long_run.get_attribute("class")


DIFFUSION_NOTEBOOK = "16_classifier_free_guidance.ipynb"
DIFFUSION_CLASSES = ".diffusion-class"
DIFFUSION_STEP = ".diffusion-step"
DIFFUSION_GUIDANCE = ".diffusion-guidance"
DIFFUSION_IMAGE = "img.diffusion-image"


def test_diffusion_explorer_scrubs_the_reverse_process_in_a_browser(widget_page, tmp_path):
    """Notebook 16's widget cell in Lab: step back through the reverse process, pick another
    class, then lower the guidance weight; the image must change each time."""
    page = widget_page.page
    with screenshot_on_failure(page, tmp_path, widget_page.log_path):
        step = shown(widget_page, DIFFUSION_STEP)
        before = readout(step)
        assert_changes_image(page, DIFFUSION_IMAGE,
                             lambda: press_right(page, step, 3, key="ArrowLeft"), "the step")
        assert readout(step) < before, (before, readout(step))
        bag = page.locator(DIFFUSION_CLASSES).get_by_role("button", name="Bag", exact=True)
        assert_changes_image(page, DIFFUSION_IMAGE, bag.click, "the class")
        assert "mod-active" in bag.get_attribute("class")
        guidance = page.locator(DIFFUSION_GUIDANCE).first
        before = readout(guidance)
        assert_changes_image(page, DIFFUSION_IMAGE,
                             lambda: press_right(page, guidance, 4, key="ArrowLeft"),
                             "the guidance weight")
        assert readout(guidance) < before, (before, readout(guidance))


# Each widget's selector and its image's, in the notebook's order: the page is ready when
# every one shows its first picture.
WIDGETS = ((SLIDER, DECODED), (CGAN_PICKER, CGAN_IMAGE), (STYLEGAN_SLIDER, STYLEGAN_IMAGE),
           (DIFFUSION_STEP, DIFFUSION_IMAGE))

"""Train the three convolutional GANs in the ``long`` preset and ship their generators.

Usage: ``python tools/train_long.py`` (about an hour and forty minutes on a 2-core CPU;
``--only stylegan`` for one of them)

Runs notebooks 10 (DCGAN), 13 (progressive GAN) and 14 (StyleGAN) top to bottom
with ``NOTEBOOK_PRESET=long`` (their executed copies go to
``models/long/runs/``, the committed notebooks are not touched), then writes
each generator to ``pretrained/`` and ``pretrained/manifest.json``: file,
SHA-256, size, the notebook's wall-clock and CPU minutes, and the sample
quality measured as the notebooks measure it (5,000 samples from the default
preset's classifier). Run it alone on the machine: the minutes are part of
the result. An interrupted run resumes: the notebooks' training resumes from
its last finished epoch.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

# name -> (notebook, model saved in models/long/, attribute holding the generator or None)
MODELS = {
    "dcgan": ("10_deep_convolutional_gans.ipynb", "dcgan.keras", "generator"),
    "progan": ("13_progressive_gans.ipynb", "progan_generator.keras", None),
    "stylegan": ("14_stylegan.ipynb", "stylegan.keras", "sampling_generator"),
}


def cpu_seconds_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_notebook(notebook: str, runs: Path) -> tuple[float, float, str | None]:
    """Execute one notebook in the long preset; (wall s, CPU s, error or None)."""
    import nbformat
    from run_notebooks import execute

    source = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    start, cpu_start = time.perf_counter(), cpu_seconds_of_children()
    error = None
    try:
        execute(source, ROOT / "notebooks", timeout=4 * 3600)
    except Exception as exception:  # keep the trained model; report the failed check
        error = f"{type(exception).__name__}: {str(exception)[-2000:]}"
    wall, cpu = time.perf_counter() - start, cpu_seconds_of_children() - cpu_start
    nbformat.write(source, runs / notebook)
    return wall, cpu, error


def export(name: str, models: Path) -> Path:
    """Write the generator of ``name`` to pretrained/ (safe-mode loadable) and return it."""
    import keras

    from helpers.support.pretrained import PRETRAINED_DIR
    notebook, file_name, attribute = MODELS[name]
    model = keras.models.load_model(models / file_name, safe_mode=True)
    generator = getattr(model, attribute) if attribute else model
    PRETRAINED_DIR.mkdir(exist_ok=True)
    path = PRETRAINED_DIR / f"{name}_generator.keras"
    generator.save(path)
    return path


def measure(generator) -> dict[str, float]:
    """Sample quality as the notebooks report it (default preset's classifier and size)."""
    import helpers
    from helpers.evaluation.long_run import generator_report
    classifier = helpers.load_or_train_classifier(preset="default")
    report = generator_report(generator, classifier, label=f"{generator.name} (long run)")
    return {"frechet_distance": round(report.distance, 3),
            "class_entropy": round(report.entropy, 3), "n_samples": report.n_samples}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(MODELS), action="append",
                        help="train and ship only this model (repeatable)")
    parser.add_argument("--export-only", action="store_true",
                        help="do not run the notebooks: ship what models/long/ holds")
    arguments = parser.parse_args()
    os.environ["NOTEBOOK_PRESET"] = "long"

    import helpers
    from helpers.support.paths import models_dir
    from helpers.support.presets import LONG_RUN
    from helpers.support.pretrained import (MANIFEST_NAME, PRETRAINED_DIR, REPRODUCE,
                                            read_manifest, sha256)
    models, default_models = models_dir("long"), models_dir("default")
    runs = models / "runs"
    runs.mkdir(exist_ok=True)
    # The metric's classifier: the default preset's (the same numbers), not a new one.
    for path in default_models.glob("sample_quality_classifier*"):
        if not (models / path.name).exists():
            shutil.copy2(path, models / path.name)

    manifest = read_manifest()
    manifest.update({"command": REPRODUCE, "preset": "long",
                     "machine": f"{os.cpu_count()} CPU cores ({platform.machine()}), no GPU",
                     "python": platform.python_version()})
    failures = []
    for name in arguments.only or list(MODELS):
        notebook = MODELS[name][0]
        timing_path = runs / f"{name}.timing.json"
        if not arguments.export_only:
            print(f"{notebook}: training in the long preset ...", flush=True)
            wall, cpu, error = run_notebook(notebook, runs)
            timing_path.write_text(json.dumps({"notebook_wall_minutes": round(wall / 60, 1),
                                               "notebook_cpu_minutes": round(cpu / 60, 1)}))
            print(f"  {wall / 60:.1f} min wall, {cpu / 60:.1f} min CPU", flush=True)
            if error:
                failures.append(f"{notebook}: {error}")
                print(f"  the notebook stopped: {error}", flush=True)
        path = export(name, models)
        import keras
        generator = keras.models.load_model(path, safe_mode=True)
        timing = json.loads(timing_path.read_text()) if timing_path.is_file() else {}
        entry = {}
        entry.update({"file": path.name, "sha256": sha256(path), "bytes": path.stat().st_size,
                      "notebook": f"notebooks/{notebook}",
                      "settings": {k: list(v) if isinstance(v, tuple) else v
                                   for k, v in LONG_RUN[name].items()},
                      **timing, **measure(generator)})
        manifest["models"][name] = entry
        (PRETRAINED_DIR / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
        print(f"  shipped {path.relative_to(ROOT)} ({entry['bytes'] / 1e6:.1f} MB): distance "
              f"{entry['frechet_distance']}, entropy {entry['class_entropy']}", flush=True)
    for failure in failures:
        print("FAILED", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

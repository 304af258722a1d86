"""requirements.txt and environment.yml must pin the same packages."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^\s*(?:-\s+)?([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)")


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def test_requirements_and_environment_agree():
    requirements, environment = pins(ROOT / "requirements.txt"), pins(ROOT / "environment.yml")
    assert requirements, "requirements.txt pins nothing"
    assert requirements == environment


def test_every_requirement_is_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        assert not line or PIN.match(line), f"not pinned with ==: {line}"


def test_never_legacy_keras():
    assert "tf-keras" not in pins(ROOT / "requirements.txt")
    assert "tf_keras" not in pins(ROOT / "requirements.txt")


# The supported Python versions: every pin must install on each of them.
SUPPORTED = ((3, 11), (3, 12), (3, 13))


def pinned_distributions():
    from importlib import metadata

    return {name: metadata.distribution(name) for name in pins(ROOT / "requirements.txt")}


def newest_wheel_python(distribution):
    """The newest Python a compiled package publishes wheels for (its classifiers), or
    None for a pure-Python package (it installs on any Python its metadata allows)."""
    if "Root-Is-Purelib: true" in (distribution.read_text("WHEEL") or ""):
        return None
    versions = [tuple(int(part) for part in classifier.rsplit("::", 1)[1].split("."))
                for classifier in distribution.metadata.get_all("Classifier") or []
                if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", classifier)]
    return max(versions, default=None)


def test_stated_python_range_is_what_every_pin_installs_on():
    """Derived from the installed distributions: the lowest Python is the highest
    `Requires-Python` floor of any pin, the newest is the lowest of the compiled pins'
    newest wheel (TensorFlow's)."""
    from packaging.specifiers import SpecifierSet

    distributions = pinned_distributions()
    for minor in range(8, 16):
        version = f"3.{minor}"
        fits = all(version in SpecifierSet(d.metadata.get("Requires-Python") or "")
                   for d in distributions.values())
        newest = min(filter(None, map(newest_wheel_python, distributions.values())))
        fits = fits and (3, minor) <= newest
        assert fits == ((3, minor) in SUPPORTED), \
            f"Python {version}: the pins {'install' if fits else 'do not install'} on it"


def test_the_python_range_is_stated_the_same_everywhere():
    import tomllib

    low, high = ".".join(map(str, SUPPORTED[0])), ".".join(map(str, SUPPORTED[-1]))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == f">={low},<3.{SUPPORTED[-1][1] + 1}"
    makefile = (ROOT / "Makefile").read_text()
    assert f"{SUPPORTED[0]} <= v <= {SUPPORTED[-1]}" in makefile
    assert f"Python {low} to {high}" in makefile
    assert f"Python {low} to {high}" in (ROOT / "README.md").read_text()
    assert re.search(rf"python={low}\b", (ROOT / "environment.yml").read_text())


def test_pyproject_dependencies_admit_the_pins():
    """`pip install .` brings what helpers needs, and the tested pins satisfy it."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = pins(ROOT / "requirements.txt")
    declared = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    for line in declared:
        requirement = Requirement(line)
        name = requirement.name.lower()
        assert name in requirements, f"{name} is declared but not pinned in requirements.txt"
        assert requirement.specifier.contains(requirements[name]), (line, requirements[name])
    assert {Requirement(line).name.lower() for line in declared} == set(requirements), \
        "every pin is declared in pyproject.toml (runtime, lab or test)"

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

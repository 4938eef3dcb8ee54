"""The lock files pin what pyproject.toml asks for, and every build installs from them."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def locked(path):
    """{name: version} of a uv/pip-compile lock file, checking every pin carries hashes."""
    text = (ROOT / path).read_text()
    pins = {}
    for block in re.split(r"\n(?=\S)", text):
        match = re.match(r"([A-Za-z0-9_.\-]+(?:\[[^\]]+\])?)==([^\s\\]+)", block)
        if not match:
            continue
        assert "--hash=sha256:" in block, f"{path}: {match[1]} has no hash"
        pins[canonicalize_name(Requirement(match[1]).name)] = match[2]
    return pins


def direct(requirements):
    pins = {}
    for line in requirements:
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{line}: pin it exactly"
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ["main"]), ("requirements-dev.lock", ["main", "dev"])],
)
def test_the_lock_pins_exactly_what_pyproject_asks_for(lock, groups):
    wanted = direct(PYPROJECT["dependencies"])
    if "dev" in groups:
        wanted |= direct(PYPROJECT["optional-dependencies"]["dev"])
    pins = locked(lock)
    mismatched = {name: (version, pins.get(name)) for name, version in wanted.items()}
    mismatched = {k: v for k, v in mismatched.items() if v[0] != v[1]}
    assert mismatched == {}, f"run bin/lock: {mismatched}"


def test_builds_install_from_the_locks_with_hashes():
    assert "--require-hashes -r requirements.lock" in " ".join(
        (ROOT / "Dockerfile").read_text().replace("\\\n", " ").split()
    )
    setup = " ".join((ROOT / "bin/setup").read_text().replace("\\\n", " ").split())
    assert "--require-hashes -r requirements-dev.lock" in setup

"""Every `bin/manage` command the README shows works exactly as written, from a fresh shell."""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^(bin/manage [^#\n]+?)\s*(?:#.*)?$", text, re.M)
    commands += re.findall(r"`(bin/manage [^`]+)`", text)
    # Placeholders (PATH, YYYY-MM-DD) are for the reader to fill in, not commands to run.
    return [c for c in dict.fromkeys(commands) if "PATH" not in c and "YYYY" not in c]


def test_the_readme_shows_the_desk_commands():
    commands = readme_commands()
    assert any(c.startswith("bin/manage import_issue") for c in commands)
    assert any(c.startswith("bin/manage create_staff") for c in commands)


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_works_as_written(command, tmp_path):
    # A fresh shell: no Django settings, no virtualenv on PATH, a database of its own.
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
        and not key.startswith("VIRTUAL_ENV")
    }
    environment["PATH"] = ":".join(
        part for part in environment["PATH"].split(":") if ".venv" not in part
    )
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'readme.sqlite3'}"
    environment["MEDIA_ROOT"] = str(tmp_path / "media")
    result = subprocess.run(
        shlex.split(command),
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr

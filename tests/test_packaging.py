"""What operators rely on: every setting documented, the image reproducible and non-root."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _settings_read_by_config() -> set[str]:
    source = (ROOT / "bot" / "config.py").read_text()
    readers = r"(?:text|_integer|_optional_integer|_boolean|_choice|_duration)"
    found = set(re.findall(rf'{readers}\(\s*(?:values,\s*)?"([A-Z][A-Z0-9_]+)"', source))
    # The platform's own, and two read only to refuse a contradictory Slack set-up.
    return found - {"HOME", "XDG_CACHE_HOME", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"}


def test_every_setting_is_documented() -> None:
    settings = _settings_read_by_config()
    assert {"DATABASE_URL", "SLACK_BOT_TOKEN", "MATURITYBOT_ADMINS", "PULSE_MIN_RESPONSES"} <= (
        settings
    )
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in sorted(settings):
        assert re.search(rf"^{name}=", example, re.MULTILINE), f"{name} not in .env.example"
        assert f"`{name}`" in readme, f"{name} not in the README's configuration table"


def test_lock_file_pins_every_runtime_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    locked = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for requirement in project["dependencies"]:
        name = re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        assert name in locked, f"{name} is not pinned in requirements.lock"


def test_image_is_non_root_with_a_health_check() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11\.\d+-slim-\w+", dockerfile, re.MULTILINE)
    assert re.search(r"^USER maturitybot$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert 'ENTRYPOINT ["maturitybot"]' in dockerfile and 'CMD ["run"]' in dockerfile
    assert "requirements.lock" in dockerfile


def test_the_chart_font_ships_in_the_wheel_and_the_image_has_a_cjk_font() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    runtime = dockerfile.split("\nFROM ")[-1]  # the image that runs, not the build stage
    assert re.search(
        r"apt-get install -y --no-install-recommends [^\n]*fonts-(wqy|noto-cjk)", runtime
    )
    installed = metadata.files("maturity-bot") or []
    names = {str(name) for name in installed}
    if "bot/__init__.py" not in names:
        pytest.skip("an editable install lists no package files; CI installs the wheel")
    assert {"bot/fonts/chart-sans-sc.otf", "bot/fonts/OFL.txt"} <= names

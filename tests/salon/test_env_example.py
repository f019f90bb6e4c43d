"""Issue 2: `.env.example` lists every variable the settings read from the environment."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting_read_from_the_environment():
    settings_source = (ROOT / "salon" / "settings.py").read_text()
    read = set(re.findall(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", settings_source))
    listed = {
        line.split("=", 1)[0].strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert read, "no environment variable found: the pattern no longer matches settings.py"
    assert read - listed == set()

"""The analytics package never imports discord (layers are strict)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO_ROOT

PROBE = """
import importlib, pkgutil, sys
import analytics
for module in pkgutil.walk_packages(analytics.__path__, "analytics."):
    importlib.import_module(module.name)
leaked = sorted(m for m in sys.modules if m == "discord" or m.startswith("discord."))
print(",".join(leaked))
"""


def test_importing_every_analytics_module_does_not_import_discord():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""

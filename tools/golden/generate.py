"""Regenerate golden fixtures: /usr/bin/python3 tools/golden/generate.py [family ...].

Each module in tools/golden/specs/ defines `build(Family)`; its fixtures land in test/golden/fixtures/.
"""
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from golden import Family  # noqa: E402

names = sys.argv[1:] or sorted(f[:-3] for f in os.listdir(os.path.join(HERE, "specs")) if f.endswith(".py") and not f.startswith("_"))
for name in names:
    mod = importlib.import_module(f"specs.{name}")
    fam = Family(name)
    mod.build(fam)
    fam.write(ROOT)

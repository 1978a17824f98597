"""Infrastructure tier fixtures: one synth per module (see synth_helpers)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from synth_helpers import Synth, stand_in_definition, synthesize

from stacks import catalog
from stacks.config import REPO_ROOT


@pytest.fixture(scope="session")
def asl_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, frozenset[str]]:
    """The ASL files of statemachines/, with stand-ins for those not written yet."""
    directory = tmp_path_factory.mktemp("statemachines")
    missing = set()
    for spec in catalog.STATE_MACHINES:
        real = REPO_ROOT / "statemachines" / spec.asl_file
        if real.is_file():
            shutil.copyfile(real, directory / spec.asl_file)
        else:
            missing.add(spec.name)
            (directory / spec.asl_file).write_text(json.dumps(stand_in_definition(spec)))
    return directory, frozenset(missing)


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory, asl_dir) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out"), asl_dir)

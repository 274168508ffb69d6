"""One version: galaxy.yml names the release being made, the changelog the releases made, and every plugin's
version_added the release that brought it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
RELEASES = yaml.safe_load((ROOT / "changelogs/changelog.yaml").read_text())["releases"]
# Shared code and documentation fragments are not plugins of their own and carry no version_added.
PLUGINS = sorted(path for path in (ROOT / "plugins").glob("*/*.py")
                 if path.parent.name not in ("module_utils", "plugin_utils", "doc_fragments"))


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def version_added(path: Path) -> str | None:
    found = re.search(r"^version_added: (\S+)$", path.read_text(), re.MULTILINE)
    return found.group(1) if found else None


def released_in() -> dict[str, str]:
    """Each plugin the changelog says a release brought, with that release."""
    return {plugin["name"]: release for release, notes in RELEASES.items()
            for kind in (notes.get("plugins") or {}).values() for plugin in kind}


def test_galaxy_names_a_release_at_or_after_the_last_one():
    assert version(GALAXY) >= max(map(version, RELEASES)), (GALAXY, sorted(RELEASES))


@pytest.mark.parametrize("path", PLUGINS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_every_plugin_says_the_release_that_brought_it(path):
    expected = released_in().get(path.stem, GALAXY)
    assert version_added(path) == expected, (
        f"{path.relative_to(ROOT)} says version_added {version_added(path)}, but it came with {expected} "
        f"({'the changelog says so' if path.stem in released_in() else 'galaxy.yml, the release being made'})")


def test_the_readme_installs_the_artifact_of_this_version():
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"picluster-mpi-([0-9.]+)\.tar\.gz", readme))
    assert named == {GALAXY}, f"the README names the artifact of {sorted(named)}, galaxy.yml makes {GALAXY}"

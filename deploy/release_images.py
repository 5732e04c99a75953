"""Write the production overlay's image pins from what the release pushed: `deploy/k8s/overlays/production/release`.

The release builds and pushes each component's image with BuildKit's metadata file (deploy/k8s/README.md,
"Release"):

    docker buildx build -f deploy/Dockerfile --build-arg COMPONENT=services/intake \\
        --build-arg COMMAND="cimer-service intake" -t registry.example.org/cimer/intake:0.2.0 --push \\
        --metadata-file var/release/intake.json .

and then runs `python deploy/release_images.py var/release`. Each `<component>.json` holds the image's name as
pushed (`image.name`) and the digest the registry stored (`containerimage.digest`); this writes a kustomize
Component that sets every image to `<name>@sha256:<digest>`, so production runs exactly what was built, whatever
the tag later points at. The production overlay cannot render without it, so nothing reaches production unpinned.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

COMPONENTS = ("gateway", "intake", "routing", "notification", "reporting", "identity")
ROOT = Path(__file__).resolve().parent
DEFAULT_OUT = ROOT / "k8s" / "overlays" / "production" / "release" / "kustomization.yaml"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
# A repository name as a registry takes it: lower case, path components, an optional registry host and port.
REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$")


class ReleaseError(Exception):
    """What the release pushed cannot be pinned: a component missing, no digest, a malformed name."""


def repository_of(image_name: str) -> str:
    """`registry.example.org/cimer/intake:0.2.0` → `registry.example.org/cimer/intake` (the first name, if the
    build pushed several tags)."""
    first = image_name.split(",")[0].strip()
    last_slash = first.rfind("/")
    colon = first.rfind(":")
    repository = first[:colon] if colon > last_slash else first
    repository = repository.split("@")[0]
    if not REPOSITORY.match(repository):
        raise ReleaseError(f"not an image repository: {repository!r} (from {image_name!r})")
    return repository


def pins(metadata_dir: Path) -> dict[str, tuple[str, str]]:
    """component → (repository, digest), from each `<component>.json` in metadata_dir."""
    found: dict[str, tuple[str, str]] = {}
    for component in COMPONENTS:
        path = metadata_dir / f"{component}.json"
        if not path.is_file():
            raise ReleaseError(f"{path}: missing (build {component} with --metadata-file {path})")
        metadata = json.loads(path.read_text())
        digest = metadata.get("containerimage.digest", "")
        if not DIGEST.match(digest):
            raise ReleaseError(f"{path}: no sha256 digest (was the image pushed? --push)")
        if "image.name" not in metadata:
            raise ReleaseError(f"{path}: no image.name (build with -t <registry>/<name>:<tag>)")
        found[component] = (repository_of(metadata["image.name"]), digest)
    return found


def component_yaml(found: dict[str, tuple[str, str]]) -> str:
    lines = [
        "# Written by deploy/release_images.py from the release's build metadata; do not edit. Every image pinned",
        "# by the digest the registry stored when the release pushed it.",
        "apiVersion: kustomize.config.k8s.io/v1alpha1",
        "kind: Component",
        "images:",
    ]
    for component in COMPONENTS:
        repository, digest = found[component]
        lines += [f"  - name: cimer-{component}", f"    newName: {repository}", f'    digest: "{digest}"']
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("metadata_dir", type=Path, help="the folder of <component>.json build metadata files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the Component to write")
    args = parser.parse_args(argv)
    try:
        text = component_yaml(pins(args.metadata_dir))
    except ReleaseError as error:
        print(f"release_images: {error}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"release_images: {args.out} pins {len(COMPONENTS)} images")
    return 0


if __name__ == "__main__":
    sys.exit(main())

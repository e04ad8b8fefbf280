"""``manage.py provenance_dev_identity``: a local C2PA signing identity for development.

It makes a development CA and a signing certificate it issued, at the paths the ``PROVENANCE_*``
settings name, so that generated videos can be signed and verified on a machine with no real
certificate. It does nothing when the files already exist, and refuses to run with ``DEBUG`` off unless
``--force``: a production service signs with a certificate from a real CA.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generation.provenance import create_development_identity

# The file each setting must name, all in one folder: create_development_identity writes them together.
FILES = {
    "PROVENANCE_CHAIN_FILE": "chain.pem",
    "PROVENANCE_KEY_FILE": "key.pem",
    "PROVENANCE_TRUST_ANCHORS_FILE": "ca.pem",
}


class Command(BaseCommand):
    help = "Create a development C2PA signing identity (CA, certificate chain, key) at the configured paths."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--force", action="store_true", help="Create it even though DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: refusing to create a development signing identity. "
                "Pass --force if you mean it."
            )
        paths = {}
        for setting in FILES:
            value = getattr(settings, setting, None)
            if not value:
                raise CommandError(f"{setting} is not set.")
            paths[setting] = Path(value)
        directory = paths["PROVENANCE_CHAIN_FILE"].parent
        expected = {setting: directory / name for setting, name in FILES.items()}
        if paths != expected:
            wanted = ", ".join(f"{setting}={path}" for setting, path in expected.items())
            raise CommandError(f"The development identity is made in one folder; set {wanted}.")
        existed = all(path.is_file() for path in paths.values())
        create_development_identity(directory)
        if existed:
            self.stdout.write(f"A development signing identity already exists in {directory}; kept it.")
        else:
            self.stdout.write(
                f"Created a development signing identity in {directory}: "
                "ca.pem (trust anchor), chain.pem (certificate chain), key.pem (private key)."
            )

"""Build a site in a process of its own, as ``python -m generator site`` would, for tests.

    python tests/build_driver.py MKDOCS_YML SITE_DIR JOBS [--debug]

JOBS is a number or ``-`` (leave it to mkdocs.yml, the environment or the
CPU count). Every log record of the build (INFO and above, DEBUG with
``--debug``) is printed to stderr as one ``LOG <level> <message>`` line; a
failed build ends with ``FAILED <error>`` and exit status 1.

Why a process of its own: the parallel build forks only when no other thread
is running, and a test session keeps threads (servers, executors) alive, so
builds run in the test process itself would quietly use one process.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path


class _Lines(logging.Handler):
    def emit(self, record):
        message = " ".join(record.getMessage().splitlines())
        sys.stderr.write(f"LOG {record.levelname} {message}\n")


def main(argv: list[str]) -> int:
    yml, site, jobs = argv[:3]
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if "--debug" in argv else logging.INFO)
    root.addHandler(_Lines())
    from generator.site import build_site

    try:
        build_site(Path(yml), Path(site), jobs=None if jobs == "-" else int(jobs))
    except BaseException as exc:  # noqa: BLE001 - reported to the test
        sys.stderr.write(f"FAILED {type(exc).__name__}: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

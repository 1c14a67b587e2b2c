"""Container healthcheck: exit 0 when the web process answers its liveness or readiness page, 1 otherwise.

    python scripts/healthcheck.py [live|ready]

Standard library only (the image needs no curl). The Host header is the first of DJANGO_ALLOWED_HOSTS, so the
probe passes Django's host check without widening it; HEALTHCHECK_URL overrides the base address.
"""

import os
import sys
import urllib.error
import urllib.request


def main(argv: list[str]) -> int:
    which = argv[1] if len(argv) > 1 else "ready"
    if which not in ("live", "ready"):
        print("usage: healthcheck.py [live|ready]", file=sys.stderr)
        return 2
    base = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000").rstrip("/")
    host = (os.environ.get("DJANGO_ALLOWED_HOSTS") or "127.0.0.1").split(",")[0].strip().lstrip(".")
    request = urllib.request.Request(  # noqa: S310 - a fixed http(s) base from the environment
        f"{base}/health/{which}/?format=json", headers={"Host": host, "Accept": "application/json"}
    )
    if not base.startswith(("http://", "https://")):
        print("HEALTHCHECK_URL must be an http(s) address", file=sys.stderr)
        return 2
    timeout = float(os.environ.get("HEALTHCHECK_TIMEOUT", "5"))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - scheme checked above
            return 0 if resp.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

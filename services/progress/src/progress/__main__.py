"""python -m progress api | consume"""

import sys

from pikit.app import serve
from pikit.logs import configure_logging
from pikit.settings import InfraSettings
from progress.service import api_app, consumer_app
from progress.settings import ProgressSettings


def main() -> None:
    role = sys.argv[1] if len(sys.argv) > 1 else "api"
    settings = ProgressSettings()
    configure_logging(f"progress-{role}", InfraSettings().log_level)
    if role == "api":
        serve(api_app(), settings.port)
    elif role == "consume":
        serve(consumer_app(), settings.health_port)
    else:
        sys.exit(f"usage: python -m progress api|consume (got {role!r})")


if __name__ == "__main__":
    main()

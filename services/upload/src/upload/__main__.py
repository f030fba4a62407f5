"""python -m upload api | consume"""

import sys

from pikit.app import serve
from pikit.logs import configure_logging
from pikit.settings import InfraSettings
from upload.service import api_app, consumer_app
from upload.settings import UploadSettings


def main() -> None:
    role = sys.argv[1] if len(sys.argv) > 1 else "api"
    settings = UploadSettings()
    configure_logging(f"upload-{role}", InfraSettings().log_level)
    if role == "api":
        serve(api_app(), settings.port)
    elif role == "consume":
        serve(consumer_app(), settings.health_port)
    else:
        sys.exit(f"usage: python -m upload api|consume (got {role!r})")


if __name__ == "__main__":
    main()

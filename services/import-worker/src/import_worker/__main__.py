"""python -m import_worker [consume]"""

import sys

from import_worker.service import consumer_app
from import_worker.settings import WorkerSettings
from pikit.app import serve
from pikit.logs import configure_logging
from pikit.settings import InfraSettings


def main() -> None:
    role = sys.argv[1] if len(sys.argv) > 1 else "consume"
    if role != "consume":
        sys.exit(f"usage: python -m import_worker consume (got {role!r})")
    configure_logging("import-worker", InfraSettings().log_level)
    serve(consumer_app(), WorkerSettings().health_port)


if __name__ == "__main__":
    main()

"""An nginx edge in front of a test stack, on a free port, everything under one directory.

Renders the project's own templates (``deploy/local/nginx.conf.template`` for the
main file, ``deploy/nginx/edge.conf.template`` for the routes) with the stack's
ports, the way ``deploy/local/render-nginx.sh`` does for ``make run``: the same routes and the
same authentication of every /api request. Used by the benchmark (tests/bench), the access
tests (tests/e2e/test_access.py) and the dashboard's browser tests (tests/e2e/test_dashboard.py,
which serve the built ``frontend/dist``).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.support.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
MAIN_TEMPLATE = ROOT / "deploy/local/nginx.conf.template"
EDGE_TEMPLATE = ROOT / "deploy/nginx/edge.conf.template"
PLACEHOLDER_ROOT = ROOT / "deploy/nginx/placeholder"
PLACEHOLDER = re.compile(r"@PI_[A-Z_]+@|\$\{PI_[A-Z_]+\}")  # as deploy/local/render-nginx.sh checks

def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if not found:
        raise RuntimeError("nginx is not installed (make deps installs it)")
    return found


class Edge:
    def __init__(self, directory: Path, upstreams: dict[str, str], *, web_root: Path = PLACEHOLDER_ROOT,
                 unauthenticated_as: str | None = None):
        """``upstreams``: host:port of accounts, upload, catalog, progress (and webhooks, optional).
        ``web_root``: what ``/`` serves (the placeholder page, or a built ``frontend/dist``).
        ``unauthenticated_as``: for the benchmark's baseline only, an edge that asks nobody and passes
        this signed principal on with every request (what authentication costs is the difference)."""
        self.dir = directory
        self.upstreams = upstreams
        self.web_root = web_root
        self.unauthenticated_as = unauthenticated_as
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.nginx = nginx_binary()

    # ------------------------------------------------------------------ config

    def _subst(self) -> dict[str, str]:
        user = ""
        if os.geteuid() == 0:
            st = ROOT.stat()
            user = f"user {pwd.getpwuid(st.st_uid).pw_name} {grp.getgrgid(st.st_gid).gr_name};"
        mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
        js_module = next((f"load_module {so};" for so in ("/usr/lib/nginx/modules/ngx_http_js_module.so",
                                                          "/usr/share/nginx/modules/ngx_http_js_module.so")
                          if Path(so).exists()), "")
        return {
            "@PI_VAR@": str(self.dir), "@PI_NGINX_USER@": user, "@PI_NGINX_MIME@": mime,
            "@PI_NGINX_JS_MODULE@": js_module, "${PI_NJS_DIR}": str(ROOT / "deploy/nginx"),
            "${PI_AUTH_CACHE_DIR}": str(self.dir / "nginx/cache/auth"),
            "${PI_EDGE_PORT}": str(self.port), "${PI_WEB_ROOT}": str(self.web_root),
            "${PI_EDGE_LISTEN}": f"127.0.0.1:{self.port}", "${PI_ALLOWED_HOSTS}": "localhost 127.0.0.1",
            "${PI_ACCOUNTS_UPSTREAM}": self.upstreams["accounts"],
            "${PI_UPLOAD_UPSTREAM}": self.upstreams["upload"],
            "${PI_CATALOG_UPSTREAM}": self.upstreams["catalog"],
            "${PI_PROGRESS_UPSTREAM}": self.upstreams["progress"],
            # Absent from the stack (the benchmark's): an unused port (nginx answers 503 there).
            "${PI_WEBHOOKS_UPSTREAM}": self.upstreams.get("webhooks", f"127.0.0.1:{free_port()}"),
        }

    def _render(self, template: Path, target: Path) -> None:
        text = template.read_text()
        for key, value in self._subst().items():
            text = text.replace(key, value)
        if self.unauthenticated_as is not None and template == EDGE_TEMPLATE:
            # At server level: `set` in the /api/ location would not run for its nested locations.
            assert text.count("auth_request /_auth;") == 1 and text.count("client_max_body_size 1m;") == 1
            text = text.replace("auth_request /_auth;", "auth_request off;").replace(
                "client_max_body_size 1m;", f'client_max_body_size 1m;\n    set $pi_principal "{self.unauthenticated_as}";')
        unfilled = PLACEHOLDER.findall(text)
        if unfilled:
            raise ValueError(f"unfilled placeholders {sorted(set(unfilled))} in {target}")
        target.write_text(text)

    def _check(self, conf: Path) -> str | None:
        done = subprocess.run([self.nginx, "-t", "-q", "-e", "stderr", "-p", f"{self.dir}/nginx/", "-c", str(conf)],
                              capture_output=True, text=True)
        return None if done.returncode == 0 else done.stderr.strip()

    def render(self) -> Path:
        for sub in ("nginx/tmp", "nginx/cache/auth", "log", "run"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        conf = self.dir / "nginx/nginx.conf"
        self._render(EDGE_TEMPLATE, self.dir / "nginx/edge.conf")
        self._render(MAIN_TEMPLATE, conf)
        if (problem := self._check(conf)) is not None:
            raise RuntimeError(f"nginx rejects the project's edge config: {problem}")
        return conf

    @staticmethod
    def for_stack(directory: Path, stack, **kwargs) -> "Edge":
        """An edge in front of a ``tests.support.stack.Stack`` (its API programs)."""
        upstreams = {name: f"127.0.0.1:{stack.ports[f'{name}-api']}"
                     for name in ("accounts", "upload", "catalog", "progress", "webhooks")
                     if f"{name}-api" in stack.ports}
        return Edge(directory, upstreams, **kwargs)

    # ------------------------------------------------------------------ process

    def start(self, timeout: float = 10) -> None:
        conf = self.render()
        log = open(self.dir / "log/edge.log", "ab")
        self.proc = subprocess.Popen([self.nginx, "-e", "stderr", "-p", f"{self.dir}/nginx/", "-c", str(conf)],
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}: "
                                   f"{(self.dir / 'log/edge.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("nginx edge did not answer /healthz")

    def pids(self) -> list[int]:
        """The master and its workers."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            pids += [int(c) for c in children]
        except OSError:
            pass
        return pids

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish open requests
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

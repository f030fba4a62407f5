"""An nginx edge in front of a test stack, on a free port, everything under one directory.

Renders the project's own templates (``deploy/local/nginx.conf.template`` for the
main file, ``deploy/nginx/edge.conf.template`` for the routes) with the stack's
ports, the way ``deploy/local/render-nginx.sh`` does for ``make run``. Used by the
benchmark (tests/bench) and the dashboard's browser tests (tests/e2e/test_dashboard.py,
which serve the built ``frontend/dist``). For the benchmark only (``fallback=True``): if
the templates are missing or nginx refuses the result, falls back to ``MINIMAL`` below,
which has just the routes the benchmark needs.
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

MINIMAL = """\
worker_processes 2;
daemon off;
pid {var}/run/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {var}/nginx/tmp/client_body;
    proxy_temp_path       {var}/nginx/tmp/proxy;
    access_log {var}/log/edge-access.log;
    server {{
        listen {port};
        client_max_body_size 0;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_read_timeout 1h;
        location = /healthz {{ return 200 "ok\\n"; }}
        location /api/imports {{
            proxy_request_buffering off;
            proxy_pass http://{upload}/imports;
        }}
        location /api/progress {{
            proxy_buffering off;
            proxy_cache off;
            proxy_pass http://{progress}/progress;
        }}
        location /api/products {{
            proxy_pass http://{catalog}/products;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if not found:
        raise RuntimeError("nginx is not installed (make deps installs it)")
    return found


class Edge:
    def __init__(self, directory: Path, upstreams: dict[str, str], *, web_root: Path = PLACEHOLDER_ROOT,
                 fallback: bool = True):
        """``upstreams``: host:port of upload, catalog, progress (and webhooks, optional).
        ``web_root``: what ``/`` serves (the placeholder page, or a built ``frontend/dist``).
        ``fallback``: use ``MINIMAL`` when the project's templates do not work, instead of failing."""
        self.dir = directory
        self.upstreams = upstreams
        self.web_root = web_root
        self.fallback = fallback
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.config = "none"
        self.nginx = nginx_binary()

    # ------------------------------------------------------------------ config

    def _subst(self) -> dict[str, str]:
        user = ""
        if os.geteuid() == 0:
            st = ROOT.stat()
            user = f"user {pwd.getpwuid(st.st_uid).pw_name} {grp.getgrgid(st.st_gid).gr_name};"
        mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
        return {
            "@PI_VAR@": str(self.dir), "@PI_NGINX_USER@": user, "@PI_NGINX_MIME@": mime,
            "${PI_EDGE_PORT}": str(self.port), "${PI_WEB_ROOT}": str(self.web_root),
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
        unfilled = PLACEHOLDER.findall(text)
        if unfilled:
            raise ValueError(f"unfilled placeholders {sorted(set(unfilled))} in {target}")
        target.write_text(text)

    def _check(self, conf: Path) -> str | None:
        done = subprocess.run([self.nginx, "-t", "-q", "-e", "stderr", "-p", f"{self.dir}/nginx/", "-c", str(conf)],
                              capture_output=True, text=True)
        return None if done.returncode == 0 else done.stderr.strip()

    def render(self) -> Path:
        for sub in ("nginx/tmp", "log", "run"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        conf = self.dir / "nginx/nginx.conf"
        problem = None
        if MAIN_TEMPLATE.exists() and EDGE_TEMPLATE.exists():
            try:
                self._render(EDGE_TEMPLATE, self.dir / "nginx/edge.conf")
                self._render(MAIN_TEMPLATE, conf)
                problem = self._check(conf)
                if problem is None:
                    self.config = "deploy templates"
                    return conf
            except (OSError, ValueError) as exc:
                problem = str(exc)
        else:
            problem = "templates missing"
        if not self.fallback:
            raise RuntimeError(f"the project's nginx templates do not work: {problem}")
        conf.write_text(MINIMAL.format(var=self.dir, port=self.port, **self.upstreams))
        second = self._check(conf)
        if second is not None:
            raise RuntimeError(f"nginx rejects both configs: templates: {problem}; minimal: {second}")
        self.config = f"tests/bench minimal config (templates: {problem})"
        return conf

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

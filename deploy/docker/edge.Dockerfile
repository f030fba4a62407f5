# syntax=docker/dockerfile:1
# The edge for Docker Compose: nginx with the routes of deploy/nginx/edge.conf.template,
# serving the dashboard (frontend/ built here) or, without a frontend/, the placeholder page.
# Build context: the repository root.

FROM node:20-slim AS web
WORKDIR /src
COPY . .
RUN mkdir -p /site \
 && if [ -f frontend/package.json ]; then \
      cd frontend \
      && if [ -f package-lock.json ]; then npm ci; else npm install; fi \
      && npm run build \
      && cp -r dist/. /site/; \
    else \
      cp -r deploy/nginx/placeholder/. /site/; \
    fi

FROM nginx:1.27-alpine
# The image renders /etc/nginx/templates/*.template into conf.d/ with envsubst at start.
RUN rm -f /etc/nginx/conf.d/default.conf \
 && sed -i '1i load_module modules/ngx_http_js_module.so;' /etc/nginx/nginx.conf \
 && mkdir -p /var/cache/nginx/pi-auth
COPY deploy/nginx/auth_cache.js /etc/nginx/njs/auth_cache.js
COPY deploy/nginx/resolver-compose.conf /etc/nginx/conf.d/00-resolver.conf
COPY deploy/nginx/edge.conf.template /etc/nginx/templates/edge.conf.template
COPY --from=web /site /usr/share/nginx/html
ENV PI_EDGE_PORT=8080 \
    PI_EDGE_LISTEN=8080 \
    PI_ALLOWED_HOSTS="localhost 127.0.0.1" \
    PI_ACCOUNTS_UPSTREAM=accounts-api:8006 \
    PI_NJS_DIR=/etc/nginx/njs \
    PI_AUTH_CACHE_DIR=/var/cache/nginx/pi-auth \
    PI_WEB_ROOT=/usr/share/nginx/html \
    PI_UPLOAD_UPSTREAM=upload-api:8001 \
    PI_CATALOG_UPSTREAM=catalog-api:8002 \
    PI_PROGRESS_UPSTREAM=progress-api:8003 \
    PI_WEBHOOKS_UPSTREAM=webhooks-api:8004
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1

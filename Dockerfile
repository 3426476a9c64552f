# Sightline's images, on Debian 12 with the packages deploy/system-packages
# installs on a server:
#   docker build -t sightline .                        the web application and the worker
#   docker build --target nginx -t sightline-nginx .   nginx in front, with the static files
# compose.yaml builds and runs both (README, "Running in production"). Paths,
# account and commands are those of the systemd units (deploy/systemd/).

ARG DEBIAN_IMAGE=debian:bookworm-slim

# ------------------------------------------------------------- the front end
# The map's JavaScript, with npm from package-lock.json, and the compiled
# translations: deploy/frontend, as on a server.
FROM ${DEBIAN_IMAGE} AS frontend
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      nodejs npm gettext ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/sightline/app
COPY package.json package-lock.json ./
COPY deploy/frontend deploy/frontend
COPY registry/frontend registry/frontend
COPY registry/locale registry/locale
RUN deploy/frontend

# ------------------------------------------------------------ the application
FROM ${DEBIAN_IMAGE} AS app
# deploy/system-packages' list without the PostgreSQL server (the database is
# a service of its own) and gettext (the translations come compiled from the
# front-end stage); Python 3.11 is Debian 12's python3; postgresql-client-15
# for deploy/backup and deploy/restore.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3 python3-venv ca-certificates \
      gdal-bin libgeos-c1v5 libproj-dev binutils \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
      postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*

# The systemd units' account, with fixed ids so that the volumes it writes
# (photos, PDFs, gunicorn's socket) mean the same in every container. The
# web process runs in group www-data, which nginx runs as, as on a server.
RUN groupadd --system --gid 999 sightline \
 && useradd --system --uid 999 --gid sightline --groups www-data \
      --home-dir /srv/sightline --no-create-home --shell /usr/sbin/nologin sightline \
 && install -d -o sightline -g www-data /srv/sightline/media \
 && install -d -o sightline -g www-data -m 0750 /run/sightline

WORKDIR /srv/sightline/app
COPY requirements.txt ./
# Production installs what requirements.txt lists above its development and
# test tools, so the pins stay in that one file.
RUN grep -q '^# Development and test tools' requirements.txt \
 && sed '/^# Development and test tools/,$d' requirements.txt >/tmp/requirements-production.txt \
 && python3 -m venv .venv \
 && .venv/bin/pip install --no-cache-dir --disable-pip-version-check --quiet \
      -r /tmp/requirements-production.txt \
 && rm /tmp/requirements-production.txt

COPY manage.py ./
COPY config config
COPY api api
COPY registry registry
COPY deploy deploy
COPY --from=frontend /srv/sightline/app/registry/static/registry/build registry/static/registry/build
COPY --from=frontend /srv/sightline/app/registry/locale registry/locale
# `manage.py load_countries` reads the country borders from country-coder.
COPY --from=frontend /srv/sightline/app/node_modules/@rapideditor/country-coder/src/data/borders.json \
     node_modules/@rapideditor/country-coder/src/data/borders.json

ENV DJANGO_SETTINGS_MODULE=config.settings.prod \
    STATIC_ROOT=/srv/sightline/static \
    MEDIA_ROOT=/srv/sightline/media \
    PYTHONUNBUFFERED=1
# Production settings refuse to load without a key and a host; collecting
# static files needs neither, so placeholders stand in for this step only.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
      .venv/bin/python manage.py collectstatic --no-input -v 0 \
 && .venv/bin/python -m compileall -q config api registry

USER sightline:www-data
# As sightline-web.service: gunicorn on /run/sightline/gunicorn.sock (a volume
# nginx shares); the worker runs `.venv/bin/python manage.py db_worker`.
CMD [".venv/bin/gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]

# ---------------------------------------------------------------------- nginx
# Debian's nginx, as on a server, with the configuration of deploy/nginx/
# installed at each start for SIGHTLINE_SERVER_NAME by the same script as the
# README's install, and the collected static files.
FROM ${DEBIAN_IMAGE} AS nginx
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
 && for log in access error sightline.access sightline.error; do \
      case $log in *error) target=/dev/stderr ;; *) target=/dev/stdout ;; esac; \
      ln -sf $target /var/log/nginx/$log.log; \
    done \
 && install -d -o 999 -g www-data /srv/sightline/media && install -d /var/www/letsencrypt \
 && install -d -o 999 -g www-data -m 0750 /run/sightline
COPY deploy/nginx /srv/sightline/nginx
COPY --from=app /srv/sightline/static /srv/sightline/static
EXPOSE 80 443
STOPSIGNAL SIGQUIT
CMD ["sh", "-c", "/srv/sightline/nginx/install-site \"$SIGHTLINE_SERVER_NAME\" && exec nginx -g 'daemon off;'"]

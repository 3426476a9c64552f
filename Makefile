# Sightline: `make run` serves the site, `make test` runs every check.
# Both install what is missing first (see deploy/).

PORT ?= 8000
PYTHON := .venv/bin/python
# With DATABASE_URL set, Sightline uses that database and leaves the local
# cluster alone.
LOCAL_DB := $(if $(DATABASE_URL),,local-db)
# Builds the documentation with --strict: a broken link or anchor, or a page
# left out of the navigation, fails. Quiet unless it fails (mkdocs' own
# --quiet would also hide the warnings that --strict counts).
DOCS_BUILD = out=$$(NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict --site-dir var/docs-site 2>&1) \
	|| { echo "$$out"; echo "The documentation does not build: see above." >&2; exit 1; }

.PHONY: run test docs bench bench-tiles bench-exposure bench-hostile bench-load bench-tasks bench-curation bench-ogc bench-embed bench-watches bench-osm-sync setup system-packages python-env frontend local-db data stop lint

run: setup data
	$(PYTHON) manage.py runserver 127.0.0.1:$(PORT)

# The test suite includes browser tests, so `make test` also installs Chromium.
test: export SIGHTLINE_BROWSER_TESTS = 1
test: setup
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	.venv/bin/lint-imports
	$(PYTHON) manage.py makemigrations --check --dry-run
	@$(DOCS_BUILD)
	$(PYTHON) -m pytest

# The documentation site (mkdocs.yml, docs/), built into var/docs-site.
docs: python-env
	@$(DOCS_BUILD)

setup: system-packages python-env frontend $(LOCAL_DB)
	$(PYTHON) manage.py migrate --no-input -v 0
	$(PYTHON) manage.py load_reference_data

data:
	$(PYTHON) manage.py load_countries
	$(PYTHON) manage.py load_places
	$(PYTHON) manage.py import_cameras registry/data/demo/chicago.geojson.gz --source sightline-demo

# Times bulk imports of the whole shared OSM sample (as PBF) beside
# osm2pgsql on the same file, in scratch databases (a benchmark, not a test).
bench: export SIGHTLINE_BENCH = 1
bench: setup
	$(PYTHON) bench/import.py

# Times the map's vector tiles with a million cameras beside django-vectortiles,
# and the map in headless Chromium (a benchmark, not a test).
bench-tiles: export SIGHTLINE_BENCH = 1
bench-tiles: export SIGHTLINE_BROWSER_TESTS = 1
bench-tiles: setup
	$(PYTHON) bench/tiles.py

# Times the exposure analysis of 5 km routes through a downtown of 100,000
# synthetic cameras, through the API and in the database (a benchmark, not a test).
bench-exposure: export SIGHTLINE_BENCH = 1
bench-exposure: setup
	$(PYTHON) bench/exposure.py

# What a decompression bomb and the largest accepted GPX track cost a worker,
# beside ordinary input (a benchmark, not a test).
bench-hostile: export SIGHTLINE_BENCH = 1
bench-hostile: setup
	$(PYTHON) bench/hostile.py

# The curators' pages with 5,000 groups of unmatched spellings of each role
# and 5,000 open import conflicts and possible duplicates: server time of
# each page beside the 1 s target (a benchmark, not a test).
bench-curation: export SIGHTLINE_BENCH = 1
bench-curation: setup
	$(PYTHON) bench/curation.py

# GDAL's OGC API - Features driver reading 100,000 synthetic cameras from
# gunicorn, whole and by bbox, at two page sizes: wall time, pages and server
# time per page (a benchmark, not a test).
bench-ogc: setup
	$(PYTHON) -m bench.ogc

# Runs the production stack (nginx, gunicorn with config.settings.prod,
# PostgreSQL, Redis; 127.0.0.1 only) under a mixed open-loop load to find the
# rate it holds, then through a PostgreSQL restart, a Redis stop and a killed
# import (a benchmark, not a test; ~10 minutes).
bench-load: export SIGHTLINE_BENCH_LOAD = 1
bench-load: setup
	$(PYTHON) bench/load.py

# Measures background work: django-tasks' database backend with one
# `manage.py db_worker` beside one Celery worker on a redis-server of its own
# (enqueue cost, latency, throughput, a killed worker, a rolled-back
# transaction; config.settings.prod, Unix sockets only; a benchmark, not a
# test; ~3 minutes). The load benchmark's system packages bring redis-server.
bench-tasks: export SIGHTLINE_BENCH_LOAD = 1
bench-tasks: setup
	$(PYTHON) bench/tasks.py

# The embeddable map in a frame of another origin in headless Chromium, over
# 100,000 cameras: its weight and the time to its cameras drawn (a
# benchmark, not a test).
bench-embed: export SIGHTLINE_BENCH = 1
bench-embed: export SIGHTLINE_BROWSER_TESTS = 1
bench-embed: setup
	$(PYTHON) -m bench.embed

# Times an area's Atom feed and email digest with 10,000 cameras, and a
# camera's change to its webhook's delivery with a worker running (a
# benchmark, not a test).
bench-watches: export SIGHTLINE_BENCH = 1
bench-watches: setup
	$(PYTHON) -m bench.watches

# Follows a replication feed served from 127.0.0.1 into a scratch database:
# one planet-minutely-sized diff, a day of minutely diffs after downtime, and
# the lag with the worker running (a benchmark, not a test; ~15 minutes).
bench-osm-sync: export SIGHTLINE_BENCH = 1
bench-osm-sync: setup
	$(PYTHON) -m bench.osm_sync

system-packages:
	@deploy/system-packages

python-env: system-packages
	@deploy/python-env

# The map's JavaScript bundle (npm, from package-lock.json) and the compiled
# translations.
frontend: system-packages
	@deploy/frontend

local-db: system-packages
	@deploy/local-postgres start

# Stops the local database cluster (its data stays in var/postgres).
stop:
	@deploy/local-postgres stop

lint: python-env
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

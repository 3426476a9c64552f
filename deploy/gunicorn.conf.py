"""gunicorn for Sightline, behind nginx (deploy/nginx/sightline.conf).

    gunicorn -c deploy/gunicorn.conf.py config.wsgi

Every value can be changed from the environment (GUNICORN_*), which the
systemd unit reads from /etc/sightline/env.
"""

import os
import sys
from pathlib import Path

from gunicorn.glogging import Logger

# The checkout, for the masking of receipt tokens shared with Django's logs
# (config/log_masking.py), wherever gunicorn is started from.
CHECKOUT = str(Path(__file__).resolve().parents[1])
if CHECKOUT not in sys.path:
    sys.path.insert(0, CHECKOUT)

from config.log_masking import ReceiptTokenFilter  # noqa: E402

# nginx talks to gunicorn over a Unix socket that only it may open.
bind = [os.environ.get("GUNICORN_BIND", "unix:/run/sightline/gunicorn.sock")]
umask = 0o007
# gunicorn's run-time control socket is not used (it would be written under
# the service user's home, which the systemd unit makes read-only).
control_socket_disable = True

# Requests mostly wait on PostgreSQL, so the usual 2 x cores + 1 processes,
# each with a few threads; capped so that a large machine does not open more
# database connections than PostgreSQL allows (each thread may hold one).
CORES = os.cpu_count() or 1
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * CORES + 1, 17)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# An exposure analysis may run EXPOSURE_TIMEOUT_SECONDS (20 s by default) and
# a large export streams for longer; nginx gives up after 120 s as well.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
# nginx keeps its upstream connections open; gunicorn should outlive them.
keepalive = 75
# Workers are replaced now and then, so that a slow leak never grows large.
max_requests = 5000
max_requests_jitter = 500

# X-Forwarded-Proto is believed only from nginx on this machine (a Unix
# socket peer, or the loopback address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No client address, no user agent, no referrer and no query string in the
# access log. Receipt tokens (which Sightline itself keeps only as hashes)
# are masked in every line of the access and error logs, whatever their
# format: /receipts/<token>/ is logged as /receipts/-/, ?receipt=<token> as
# ?receipt=- (config/log_masking.py, as in Django's own logs).
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


class PrivateLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(known, ReceiptTokenFilter) for known in log.filters):
                log.addFilter(ReceiptTokenFilter())


logger_class = PrivateLogger


def child_exit(server, worker):
    """A replaced worker's live gauges leave the summed metrics
    (PROMETHEUS_MULTIPROC_DIR, set by the systemd unit)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

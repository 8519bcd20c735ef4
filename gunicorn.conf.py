"""gunicorn settings for `gunicorn app:app` (Procfile web, benchmarks). Env overrides in brackets."""
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))  # [WEB_CONCURRENCY]
threads = int(os.environ.get("GUNICORN_THREADS", "8"))  # [GUNICORN_THREADS]
keepalive = 5
timeout = 30
graceful_timeout = 20
max_requests = 200_000  # recycle workers now and then to bound memory growth (not every few seconds)
max_requests_jitter = 20_000
limit_request_line = 8190  # gunicorn's most (default 4094): the product page's proxy URL carries its tags
accesslog = os.environ.get("GUNICORN_ACCESSLOG")  # off unless set: it costs throughput


def worker_exit(server, worker):
    """A worker stopping (deploy, max_requests, SIGTERM) sends the RQ jobs its flusher still holds
    for webhooks it has just stored and acknowledged (otherwise they would wait for the sweeper),
    and closes the database connection the webhook receiver holds."""
    app = getattr(worker, "wsgi", None)
    if not hasattr(app, "extensions"):  # the worker never loaded the app
        return
    from webhooks.receiver import close_writer

    queue = app.extensions.get("jobs")
    if hasattr(queue, "close"):
        queue.close()
    close_writer(app)

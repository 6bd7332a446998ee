"""gunicorn's settings for depotsync, read from the working directory (`gunicorn -w 4
wsgi:app`): workers that answer what gunicorn refuses before the app (a request line over
4,094 bytes, a header over 8,190 bytes, more than 100 headers, malformed HTTP) in the doors'
JSON error envelope (server/serving.py). With `--threads N`, also pass
`-k server.serving.ThreadDoorWorker`. Once a worker has loaded the app, what it built is
frozen out of the garbage collector's walks (server.serving.settle_heap)."""

worker_class = "server.serving.SyncDoorWorker"
limit_request_line = 4094
limit_request_field_size = 8190
limit_request_fields = 100


def post_worker_init(worker):
    from server.serving import settle_heap

    worker.log.info("heap settled: %d objects frozen", settle_heap())

# The summarisation service: gunicorn serving service.wsgi:app on port 8000.
#   docker build -t summary-service .                      # bakes the default models in
#   docker build --build-arg BAKE_MODELS=0 -t summary-service .   # extractive only, smaller image
FROM python:3.11-slim-bookworm

ARG BAKE_MODELS=1
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu \
    PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    SUMMARY_BIND=0.0.0.0:8000 \
    SUMMARY_MODELS_DIR=/app/models \
    SUMMARY_DATABASE_URL=sqlite:////app/var/summary.sqlite3

WORKDIR /app
RUN useradd --create-home --uid 10001 app

COPY pyproject.toml README.md gunicorn.conf.py ./
COPY scripts ./scripts
COPY service ./service
COPY models ./models
# The same install script `make install` runs in CI.
RUN scripts/install /opt/venv

# Bake the registry's default checkpoints into the image (the one step that needs the hub), each
# converted to CTranslate2 as it is fetched; either way, build the embedding model's ONNX graph now
# (from the weights the install brought), so that no container builds it at its first start.
RUN if [ "$BAKE_MODELS" = "1" ]; then \
        HF_HUB_OFFLINE=0 python -m service models fetch --dest /app/models/weights; \
    else \
        python -m service models fetch --runtimes-only; \
    fi \
    && mkdir -p /app/var \
    && chown -R app:app /app/var

USER 10001
EXPOSE 8000
VOLUME ["/app/var"]
# Readiness: the store answers, the models are loaded, the job worker runs (a non-200 raises).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "service.wsgi:app"]

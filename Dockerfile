# The typednn inference server in a container (docs/deployment.md):
#   docker build -t typednn-serve .
#   docker run --rm -p 8000:8000 -v "$PWD/model:/model:ro" typednn-serve
# The model is a typednn export (tn.save or `typednn train`), mounted read-only at /model.
# Arguments after the image name go to `typednn serve` (e.g. --max-batch 128 --workers 2).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Only what the package's install reads (tests/test_dockerfile.py builds the wheel from exactly these).
COPY pyproject.toml constraints.txt README.md ./
COPY typednn ./typednn
COPY stubs ./stubs
RUN pip install --constraint constraints.txt ".[serve]" && rm -rf /src

# No root at run time; the compilation cache lives in the user's home.
RUN useradd --create-home --uid 10001 typednn
USER typednn
WORKDIR /home/typednn

EXPOSE 8000
# Liveness; a load balancer should route by /readyz (the model loaded and every batch size compiled).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
# SIGTERM: stop accepting, finish the requests in flight, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["typednn", "serve", "--model", "/model", "--host", "0.0.0.0", "--port", "8000"]

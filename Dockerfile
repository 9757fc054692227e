# maturity-bot: `maturitybot run` as a small, non-root container.
# Dependencies come from the project's own files: requirements.lock (exact versions,
# generated from pyproject.toml) and then the project itself without resolving again.
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements.lock ./
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
COPY content ./content
RUN /opt/venv/bin/pip install --no-deps .

FROM python:3.11.11-slim-bookworm
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin maturitybot
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PORT=3000 \
    MPLCONFIGDIR=/tmp/matplotlib
USER maturitybot
WORKDIR /home/maturitybot
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]
ENTRYPOINT ["maturitybot"]
CMD ["run"]

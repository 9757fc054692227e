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
# A CJK font for the digest chart's Chinese words beyond the subset the package ships
# (GB2312 level 1): WenQuanYi Micro Hei covers GBK's 21,000 hanzi in 5 MB installed, where
# fonts-noto-cjk takes 91 MB. Matplotlib finds it in /usr/share/fonts without fontconfig.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
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

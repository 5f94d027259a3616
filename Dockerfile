# ABM Hub: one image for the web server, the Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system abm \
    && useradd --system --gid abm --home-dir /app --shell /usr/sbin/nologin abm

# Dependencies first, so a code change does not reinstall them. pyproject.toml lists no
# packages: `pip install .` installs the dependencies; the code runs from /app.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Static files are collected into the image and served by whitenoise (hashed, compressed).
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && mkdir -p /app/media /app/var \
    && chown -R abm:abm /app/media /app/var

USER abm

EXPOSE 8000

CMD ["gunicorn", "abm.asgi:application", "-k", "uvicorn_worker.UvicornWorker", \
     "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--timeout", "60", "--access-logfile", "-"]

# One image for every service of the platform; the compose file picks the module to run.
FROM python:3.11-slim
RUN pip install --no-cache-dir 'uv>=0.5,<1'
WORKDIR /app
COPY . .
RUN uv sync --frozen --no-dev
ENV PATH=/app/.venv/bin:$PATH
USER nobody

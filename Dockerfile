# One image for every service of the platform; the compose file picks the module to run.

# The ketenmonitor dashboard's front-end assets, from npm with the committed lock file, in a
# stage of their own: neither node nor the rest of node_modules reaches the image.
FROM node:20-slim AS frontend
WORKDIR /frontend
COPY services/ketenmonitor/frontend/package.json services/ketenmonitor/frontend/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim AS platform
RUN pip install --no-cache-dir 'uv>=0.5,<1'
WORKDIR /app
COPY . .
RUN uv sync --frozen --no-dev
# Only what the dashboard serves (ketenmonitor.web.pages.VENDOR_ASSETS), each with its licence; not
# axe-core, which is for the browser tests. tests/test_compose.py checks the two agree.
ENV JEUGDKETEN_FRONTEND_ASSETS=/app/services/ketenmonitor/frontend/node_modules
COPY --from=frontend /frontend/node_modules/@utrecht/design-tokens/dist ${JEUGDKETEN_FRONTEND_ASSETS}/@utrecht/design-tokens/dist
COPY --from=frontend /frontend/node_modules/@utrecht/design-tokens/LICENSE.md ${JEUGDKETEN_FRONTEND_ASSETS}/@utrecht/design-tokens/
COPY --from=frontend /frontend/node_modules/@utrecht/component-library-css/dist ${JEUGDKETEN_FRONTEND_ASSETS}/@utrecht/component-library-css/dist
COPY --from=frontend /frontend/node_modules/@utrecht/component-library-css/LICENSE.md ${JEUGDKETEN_FRONTEND_ASSETS}/@utrecht/component-library-css/
COPY --from=frontend /frontend/node_modules/uplot/dist ${JEUGDKETEN_FRONTEND_ASSETS}/uplot/dist
COPY --from=frontend /frontend/node_modules/uplot/LICENSE ${JEUGDKETEN_FRONTEND_ASSETS}/uplot/
ENV PATH=/app/.venv/bin:$PATH
# the ketenmonitor's monthly snapshots (docker-compose mounts a volume here, which takes this
# folder's owner when it is first created)
RUN mkdir -p /var/lib/ketenmonitor/exports && chown nobody /var/lib/ketenmonitor/exports
USER nobody

# docker-compose's kafka-security job: the platform's image with a JDK (Java's source launcher
# compiles deploy/local/KafkaSecurity.java) and the brokers' own jars (Kafka's Admin API).
# Both are copied from their projects' images, whatever Debian the Python image is based on.
FROM platform AS kafka-security
COPY --from=eclipse-temurin:21-jdk /opt/java/openjdk /opt/java/openjdk
COPY --from=apache/kafka:4.4.0 /opt/kafka/libs /opt/kafka/libs
ENV PATH=/opt/java/openjdk/bin:$PATH

# The services' image: the platform's, without the JDK.
FROM platform

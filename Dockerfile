# KLeLite production image: one process, data in a volume.
#   docker build -t klelite .
#   docker run -p 8080:8080 -v klelite-data:/data klelite
# The first start migrates the database; add demo data with: docker run --rm -v klelite-data:/data klelite seed-demo

# --- build -------------------------------------------------------------------
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends pkg-config libsqlite3-dev libhiredis-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies first so that source edits reuse this layer.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
# The pages and the API contract are built into the binary (Plugins/EmbedSitePlugin).
COPY Plugins ./Plugins
COPY Tools ./Tools
COPY static ./static
COPY openapi.yaml ./
RUN swift build -c release --product klelite --static-swift-stdlib \
    && mkdir -p /staging \
    && cp "$(swift build -c release --show-bin-path)/klelite" /staging/

# --- run ---------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-0 libhiredis0.14 libssl3 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin klelite \
    && mkdir -p /data && chown klelite /data
WORKDIR /app
COPY --from=build /staging/klelite /usr/local/bin/klelite
COPY appliance.conf ./
# glibc's per-thread arenas fragment memory under many threads; two arenas keep resident memory flat.
ENV MALLOC_ARENA_MAX=2 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    DATA_DIR=/data
USER klelite
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '200 OK' <&3"]
ENTRYPOINT ["klelite"]
CMD ["serve"]

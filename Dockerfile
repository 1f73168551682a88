# syntax=docker/dockerfile:1
#
# Baton in a container: a static binary on distroless, running as a non-root user.
#
#   docker build -t baton .
#   docker run -p 8080:8080 baton            # no LARK_APP_ID: built-in emulator and /sandbox/ console
#
# Where Docker Hub, gcr.io or proxy.golang.org are unreachable (mainland China), point the build at mirrors:
#
#   docker build -t baton \
#     --build-arg GO_IMAGE=docker.m.daocloud.io/library/golang:1.26 \
#     --build-arg RUNTIME_IMAGE=gcr.m.daocloud.io/distroless/static-debian12:nonroot \
#     --build-arg GOPROXY=https://goproxy.cn,direct .
#
# Health: distroless has no shell or curl, so there is no HEALTHCHECK here. Point the orchestrator at
# GET /healthz (liveness) and GET /readyz (database, Redis, Lark token) on port 8080.

# Base images and the module proxy are build arguments so a registry mirror can stand in for them; the
# defaults are the upstream images and Go's default proxy.
ARG GO_IMAGE=golang:1.26
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM ${GO_IMAGE} AS build
ARG GOPROXY=https://proxy.golang.org,direct
ARG GOSUMDB=sum.golang.org
ENV GOPROXY=${GOPROXY} GOSUMDB=${GOSUMDB}
WORKDIR /src
# Dependencies first, so code changes do not invalidate the module download layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/baton ./cmd/baton \
 && mkdir -p /out/data

# static-debian12 carries CA certificates (Lark's HTTPS API) and tzdata (pool time zones, business hours).
FROM ${RUNTIME_IMAGE}
COPY --from=build /out/baton /baton
# The embedded SQLite database lives here when BATON_DATABASE_URL is unset; mount a volume to keep it.
COPY --from=build --chown=65532:65532 /out/data /data
ENV BATON_HTTP_ADDR=:8080 \
    BATON_DATA_DIR=/data \
    BATON_LOG_FORMAT=json
WORKDIR /data
USER 65532:65532
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["/baton"]
CMD ["serve"]

# The demo's images, built from this checkout with no toolchain on the host: a builder stage
# that builds the plugin exactly as CI does (npm ci, Go modules, scripts/build.sh), a Grafana
# image with the built plugin, and the demo service.
ARG GO_VERSION=1.26
ARG NODE_VERSION=20
ARG GRAFANA_IMAGE=grafana/grafana
ARG GRAFANA_VERSION=12.3.3

FROM golang:${GO_VERSION}-bookworm AS go

FROM node:${NODE_VERSION}-bookworm AS builder
COPY --from=go /usr/local/go /usr/local/go
ENV PATH=/usr/local/go/bin:/root/go/bin:$PATH \
    GOFLAGS=-buildvcs=false
WORKDIR /src
# Dependencies first, so a source change does not download them again.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN bash scripts/build.sh
RUN CGO_ENABLED=0 go build -o /out/leakyapp ./examples/leakyapp

FROM debian:bookworm-slim AS demo
COPY --from=builder /out/leakyapp /usr/local/bin/leakyapp
EXPOSE 6060
ENTRYPOINT ["leakyapp", "-addr", ":6060"]

FROM ${GRAFANA_IMAGE}:${GRAFANA_VERSION} AS grafana
COPY --from=builder /src/dist /var/lib/grafana/plugins/leakwatch-pprof-datasource
ENV GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=leakwatch-pprof-datasource \
    GF_AUTH_ANONYMOUS_ENABLED=true \
    GF_AUTH_ANONYMOUS_ORG_ROLE=Admin

# syntax=docker/dockerfile:1
# The upsertbench image: one static binary on a distroless base, running as
# a non-root user. Its entrypoint is upsertbench, so Kubernetes manifests
# (upsertbench k8s) give only the arguments. Build and push:
#   docker build --build-arg VERSION=$(git describe --tags --always) -t ghcr.io/OWNER/upsertbench:TAG .
#   docker push ghcr.io/OWNER/upsertbench:TAG

# The build stage runs on the builder's own platform and cross-compiles
# for the target's (docker buildx --platform linux/amd64,linux/arm64): no
# emulation, Go does it.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS=linux TARGETARCH=amd64
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# Static (no cgo), reproducible paths, no debug tables; cmd/upsertbench's
# stand-in test builds the binary it runs with these same flags.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/upsertbench ./cmd/upsertbench

# static-debian12 has CA certificates (for HTTPS targets) and time zones,
# no shell and no package manager; :nonroot runs as 65532:65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/upsertbench /usr/local/bin/upsertbench
USER 65532:65532
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/upsertbench"]
CMD ["help"]

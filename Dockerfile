# syntax=docker/dockerfile:1

# Builds the function-catalog-api runtime image, following the layout of
# crossplane/function-template-go: a Go build stage and a distroless final
# stage named "image". Build and embed it in a package, per architecture
# (amd64, arm64), with:
#
#   docker buildx build --platform=linux/amd64 --target=image \
#     --output=type=docker,dest=_output/runtime-amd64.tar .
#   crossplane xpkg build --package-root=package --examples-root=<empty dir> \
#     --embed-runtime-image-tarball=_output/runtime-amd64.tar \
#     -o _output/function-catalog-api-amd64.xpkg
#
# .ci/build-packages produces an equivalent image without a Docker engine.

# The Go toolchain; go.mod requires Go 1.26.
ARG GO_VERSION=1.26

# Build on the builder's own platform and cross-compile for the target, which
# is fast because the binary is pure Go (no cgo).
FROM --platform=${BUILDPLATFORM} golang:${GO_VERSION} AS build

WORKDIR /fn

ENV CGO_ENABLED=0

# Download modules in their own step so the module cache survives source edits.
RUN --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    --mount=type=cache,target=/go/pkg/mod \
    go mod download

# Set by BuildKit from --platform.
ARG TARGETOS
ARG TARGETARCH

# A static, stripped binary with no build paths in it.
RUN --mount=target=. \
    --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags="-s -w" -o /function .

# The runtime: distroless static (no shell, no package manager) running as the
# image's unprivileged nonroot user (65532).
FROM gcr.io/distroless/static-debian12:nonroot AS image
WORKDIR /
COPY --from=build /function /function
EXPOSE 9443
USER nonroot:nonroot
ENTRYPOINT ["/function"]

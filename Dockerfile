# Instant Audience: audience-api and audiencectl in one small image.
#
#   make image                     # docker or podman, whichever exists
#   docker build --build-arg VERSION=$(git describe --tags --always) -t audience .
#
# Base images are pinned by digest (multi-arch index digests), so a build
# never changes under an existing tag. To move to newer ones, look the
# digests up with `docker buildx imagetools inspect <image:tag>`.

# Build stage: the Go toolchain of go.mod.
FROM golang:1.26.8-bookworm@sha256:9fdc884aacc3bec89b20ffc69f4bb369c78210e3e4f600387b5128b12c199f81 AS build
WORKDIR /src

# Modules first, in their own layer: it is rebuilt only when go.mod or
# go.sum change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY cmd/ ./cmd/
COPY internal/ ./internal/
COPY docs/ ./docs/

# Static binaries: no cgo, so the final stage needs no libc.
ARG VERSION=dev
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
RUN go build -trimpath \
      -ldflags "-s -w -X github.com/instant-audience/audience/internal/app.Version=${VERSION}" \
      -o /out/ ./cmd/audience-api ./cmd/audiencectl

# Final stage: distroless static, no shell, no package manager; its
# nonroot user is uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab

ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="instant-audience" \
      org.opencontainers.image.description="Instant Audience API: real-time audience segment membership over Redis" \
      org.opencontainers.image.source="https://github.com/instant-audience/audience" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

COPY --from=build /out/audience-api /out/audiencectl /usr/local/bin/

USER 65532:65532
ENV AUDIENCE_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/audience-api"]

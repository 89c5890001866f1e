# meetingbot: one static binary on distroless, as a numeric non-root user.
#
# Build:
#   docker build -t meetingbot \
#     --build-arg VERSION=1.4.0 \
#     --build-arg REVISION=$(git rev-parse --short=12 HEAD) \
#     --build-arg SOURCE=https://github.com/OWNER/meetingbot .
# Run (values in the --env-file without quotes: docker reads them literally):
#   docker run --rm --read-only --env-file .env -e ENDMEETING_HTTP_ADDR=:9090 meetingbot
#
# Both base images are pinned by digest, so a rebuild of a commit starts from
# the same bytes. Refresh a pin deliberately, checking what the tag points at:
#   docker buildx imagetools inspect golang:1.26.8-bookworm
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
# and put the "Digest:" line (the multi-platform index) after the @.
#
# The two base images are arguments only so that a machine without a registry
# can build on stand-ins (deploy/docker/build-on-local-bases); a release
# builds on these defaults.
#
# golang:1.26.8-bookworm, index digest as recorded by docker-library/repo-info
# (repos/golang/remote/1.26.8-bookworm.md, image of 2026-09-01).
ARG GO_IMAGE=golang:1.26.8-bookworm@sha256:9fdc884aacc3bec89b20ffc69f4bb369c78210e3e4f600387b5128b12c199f81
# distroless/static: CA certificates and tzdata, no shell, no package manager.
# Index digest of static-debian12:nonroot as of 2026-08-26; it was not read
# from the registry here (no registry is reachable where this was written) but
# from public Dockerfiles that pin it: verify it with the command above.
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Empty by default: the binary then reports "devel" and "unknown" (.git is
# not in the build context, so the go command records no revision).
ARG VERSION
ARG REVISION
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X main.version=${VERSION} -X main.revision=${REVISION}" \
      -o /out/meetingbot .

FROM ${RUNTIME_IMAGE}
ARG VERSION
ARG REVISION
ARG SOURCE
LABEL org.opencontainers.image.title="meetingbot" \
      org.opencontainers.image.description="Slack bot that ends Huawei Cloud Meetings, after a confirmation" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /out/meetingbot /meetingbot
# Numeric, so that Kubernetes' runAsNonRoot can check it without /etc/passwd:
# 65532 is distroless' nonroot user.
USER 65532:65532
# The bot writes no file (no cache, no state on disk; a .env is only read),
# so it runs with a read-only root filesystem.
#
# The check asks /healthz on the port of ENDMEETING_HTTP_ADDR, which the image
# does not set: a container without it is reported unhealthy. Set it (for
# example -e ENDMEETING_HTTP_ADDR=:9090), or run with --no-healthcheck.
# Kubernetes ignores this and uses the Deployment's probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/meetingbot", "healthcheck"]
ENTRYPOINT ["/meetingbot"]

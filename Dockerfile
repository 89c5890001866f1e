# syntax=docker/dockerfile:1
# Build: docker build -t meetingbot .
# Run:   docker run --rm --env-file .env meetingbot
# The bot opens an outgoing WebSocket to Slack (Socket Mode) and exposes no
# port, so there is nothing for a HEALTHCHECK to probe; `meetingbot check`
# validates the configuration and credentials once.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/meetingbot .

# distroless/static: CA certificates and tzdata, no shell, runs as nonroot.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/meetingbot /meetingbot
USER nonroot:nonroot
ENTRYPOINT ["/meetingbot"]

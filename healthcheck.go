package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// healthcheckTimeout bounds the whole healthcheck request: Docker's
// HEALTHCHECK and compose run it every 30 s with a 5 s timeout of their own.
const healthcheckTimeout = 3 * time.Second

// runHealthcheck asks the running bot's /healthz, on the port of
// ENDMEETING_HTTP_ADDR, whether it is healthy: nil (exit 0) for a 200, else
// an error of one line saying why (exit 1). The image has no shell or curl,
// so Docker's HEALTHCHECK runs this.
func runHealthcheck(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	addr, err := httpAddrFrom(getenv)
	if err != nil {
		return err
	}
	if addr == "" {
		return errors.New("healthcheck: ENDMEETING_HTTP_ADDR is not set, so the bot serves no /healthz to ask")
	}
	url := localURL(addr, "/healthz")
	status, err := getStatus(ctx, url, healthcheckTimeout)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	fmt.Fprintf(stdout, "ok    %s answered %s\n", url, status)
	return nil
}

// getStatus GETs url within timeout, directly (no proxy, no redirect), and
// returns its status when it is 200 OK.
func getStatus(ctx context.Context, url string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "", fmt.Errorf("%s did not answer within %v", url, timeout)
		}
		return "", err // *url.Error: names the URL and the cause, such as "connection refused"
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s answered %s, not 200 OK", url, resp.Status)
	}
	return resp.Status, nil
}

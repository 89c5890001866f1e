package main

import (
	"errors"
	"net"
	"strconv"
	"strings"
)

// ENDMEETING_HTTP_ADDR is the listen address of /healthz, /readyz and
// /metrics; unset, there is no listener. This file reads and judges it, and
// says where a process on the same host reaches it (the healthcheck).

// httpListener reads ENDMEETING_HTTP_ADDR.
func (l *loader) httpListener(c *config) {
	v := l.env("ENDMEETING_HTTP_ADDR")
	if v == "" {
		return
	}
	if !validListenAddr(v) {
		l.bad("ENDMEETING_HTTP_ADDR", "%q is not host:port with a port from 1 to 65535, such as :9090 or 127.0.0.1:9090", v)
		return
	}
	c.httpAddr = v
}

// httpAddrFrom reads ENDMEETING_HTTP_ADDR alone, by the rule loadConfig
// uses: the healthcheck needs nothing else.
func httpAddrFrom(getenv func(string) string) (string, error) {
	l := &loader{env: func(name string) string { return strings.TrimSpace(getenv(name)) }, raw: getenv}
	var c config
	l.httpListener(&c)
	return c.httpAddr, errors.Join(l.problems...)
}

// validListenAddr reports whether addr is host:port with a numeric port
// from 1 to 65535 and an empty host, an IP address or a host name.
func validListenAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || len(port) > 5 || strings.Trim(port, "0123456789") != "" {
		return false
	}
	if n, _ := strconv.Atoi(port); n < 1 || n > 65535 {
		return false
	}
	if host == "" || net.ParseIP(host) != nil {
		return true
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") ||
			strings.Trim(strings.ToLower(label), "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return false
		}
	}
	return true
}

// localURL is the http URL of path on the listener at addr (valid), as
// seen from the same host: a wildcard host (":9090", "0.0.0.0:9090",
// "[::]:9090") is reached on 127.0.0.1; any other host as it is.
func localURL(addr, path string) string {
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path
}

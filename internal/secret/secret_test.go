package secret_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"meetingbot/internal/secret"
)

// config is a configuration struct as the packages that use secrets have.
type config struct {
	AppID            string
	AppKey, Password secret.Secret
}

func TestSecretPrintsRedacted(t *testing.T) {
	const value = "s3cr3t-VALUE"
	s := secret.Secret(value)
	holder := struct {
		Name string
		Key  secret.Secret
		Ptr  *secret.Secret
	}{"x", s, &s}
	tests := []struct {
		name string
		got  func() string
	}{
		{"%v", func() string { return fmt.Sprintf("%v", s) }},
		{"%s", func() string { return fmt.Sprintf("%s", s) }},
		{"%q", func() string { return fmt.Sprintf("%q", s) }},
		{"%x", func() string { return fmt.Sprintf("%x", s) }},
		{"%X", func() string { return fmt.Sprintf("%X", s) }},
		{"%#v", func() string { return fmt.Sprintf("%#v", s) }},
		{"%+v", func() string { return fmt.Sprintf("%+v", s) }},
		{"%d", func() string { return fmt.Sprintf("%d", s) }},
		{"%20.3s", func() string { return fmt.Sprintf("%20.3s", s) }},
		{"Println", func() string { return fmt.Sprintln(s, &s) }},
		{"String", func() string { return s.String() }},
		{"GoString", func() string { return s.GoString() }},
		{"struct %v", func() string { return fmt.Sprintf("%v", holder) }},
		{"struct %+v", func() string { return fmt.Sprintf("%+v", holder) }},
		{"struct %#v", func() string { return fmt.Sprintf("%#v", holder) }},
		{"struct %s", func() string { return fmt.Sprintf("%s", holder) }},
		{"struct %x", func() string { return fmt.Sprintf("%x", holder) }},
		{"pointer to struct %+v", func() string { return fmt.Sprintf("%+v", &holder) }},
		{"slice %v", func() string { return fmt.Sprintf("%v", []secret.Secret{s, s}) }},
		{"map %v", func() string { return fmt.Sprintf("%v", map[string]secret.Secret{"k": s}) }},
		{"error wrapping %v", func() string { return fmt.Errorf("with %v", s).Error() }},
		{"json.Marshal", func() string { b, _ := json.Marshal(s); return string(b) }},
		{"json.Marshal struct", func() string { b, _ := json.Marshal(holder); return string(b) }},
		{"slog text", func() string { return logWith(slog.NewTextHandler, "k", s) }},
		{"slog JSON", func() string { return logWith(slog.NewJSONHandler, "k", s) }},
		{"slog text struct", func() string { return logWith(slog.NewTextHandler, "k", holder) }},
		{"slog JSON struct", func() string { return logWith(slog.NewJSONHandler, "k", holder) }},
		{"slog text group", func() string { return logWith(slog.NewTextHandler, "g", slog.GroupValue(slog.Any("k", s))) }},
		{"slog JSON group", func() string { return logWith(slog.NewJSONHandler, "g", slog.GroupValue(slog.Any("k", s))) }},
		{"config %+v", func() string {
			return fmt.Sprintf("%+v", config{AppID: "a", AppKey: s, Password: s})
		}},
		{"config slog text", func() string {
			return logWith(slog.NewTextHandler, "cfg", config{AppID: "a", AppKey: s, Password: s})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.got()
			if strings.Contains(got, value) || strings.Contains(got, fmt.Sprintf("%x", []byte(value))) ||
				strings.Contains(got, base64.StdEncoding.EncodeToString([]byte(value))) {
				t.Errorf("got %q, want no trace of the secret", got)
			}
			if !strings.Contains(got, "REDACTED") && !strings.Contains(got, fmt.Sprintf("%x", "REDACTED")) {
				t.Errorf("got %q, want REDACTED", got)
			}
		})
	}
	if got := s.Reveal(); got != value {
		t.Errorf("Reveal: got %q, want %q", got, value)
	}
}

// logWith logs one record with the attribute key=v through a handler made
// by newHandler, and returns the output.
func logWith[H slog.Handler](newHandler func(io.Writer, *slog.HandlerOptions) H, key string, v any) string {
	var buf bytes.Buffer
	slog.New(newHandler(&buf, nil)).Info("msg", key, v)
	return buf.String()
}

// Package neterr reports transport failures without the URL of the request,
// which *url.Error repeats: a URL may hold a secret (a response_url, a Redis
// password), and the caller's own message already says which call failed.
// It is shared by the packages that make such calls and speaks of no
// service.
package neterr

import (
	"context"
	"errors"
	"net/url"
)

// WithoutURL returns the cause of a *url.Error in err's chain, and any other
// error as it is.
func WithoutURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// Describe returns the text of err without the URL, and "timeout" for a
// deadline that ran out.
func Describe(err error) string {
	err = WithoutURL(err)
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return err.Error()
}

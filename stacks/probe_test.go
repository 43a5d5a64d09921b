package stacks

import (
	"errors"
	"fmt"
	"testing"
)

func TestReason(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{probeFailed(ErrAuth, errors.New("FATAL: password authentication failed")), "auth failed"},
		{fmt.Errorf("probe db: %w", probeFailed(ErrNoAnswer, errors.New("EOF"))), "no answer yet"},
		{errors.New("dial tcp 127.0.0.1:5432: connect: no route to host"), "no route to host"},
		{errors.New("first line: cause\nsecond line"), "cause"},
		{errors.New("x: " + string(make([]byte, 100))), string(make([]byte, 57)) + "..."},
	}
	for _, tt := range tests {
		if got := Reason(tt.err); got != tt.want {
			t.Errorf("Reason(%q) = %q, want %q", tt.err, got, tt.want)
		}
	}
	err := probeFailed(ErrStarting, errors.New("the database system is starting up"))
	if !errors.Is(err, ErrStarting) || errors.Is(err, ErrAuth) {
		t.Errorf("%v: errors.Is does not tell its reason", err)
	}
	if got := err.Error(); got != "starting up: the database system is starting up" {
		t.Errorf("Error() = %q: the reason must come first, before a colon", got)
	}
}

package stacks

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The example of AWS's own documentation (Signature Calculations for the
// Authorization Header, GET Object), with its published signature.
func TestSignV4MatchesAWSExample(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Range", "bytes=0-9")
	now := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	signV4(req, emptySHA256, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3", now)
	want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
		"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
		"Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization =\n  %s\nwant\n  %s", got, want)
	}
}

func TestAWSEscape(t *testing.T) {
	for in, want := range map[string]string{
		"/bucket/a b+c~d.e_f-g": "/bucket/a%20b%2Bc~d.e_f-g",
		"/":                     "/",
		"":                      "/",
	} {
		if got := awsEscapePath(in); got != want {
			t.Errorf("awsEscapePath(%q) = %q, want %q", in, got, want)
		}
	}
	if got := awsCanonicalQuery(map[string][]string{"b": {"2"}, "a": {"x y", "1"}}); got != "a=1&a=x%20y&b=2" {
		t.Errorf("awsCanonicalQuery = %q", got)
	}
	if !strings.HasPrefix(emptySHA256, "e3b0c442") {
		t.Error("emptySHA256")
	}
}

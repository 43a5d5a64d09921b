package engine

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func TestCheckExecLimitsPerString(t *testing.T) {
	lim := execLimits{perString: linuxMaxArgStrlen, total: 6 << 20}
	// NAME=value with its NUL is exactly 128 KiB: allowed.
	at := "BIG=" + strings.Repeat("x", linuxMaxArgStrlen-len("BIG=")-1)
	if err := lim.check([]string{"app"}, []string{at}, nil); err != nil {
		t.Fatalf("a variable of exactly MAX_ARG_STRLEN: %v", err)
	}
	err := lim.check([]string{"app"}, []string{at + "x"}, func(k string) string { return map[string]string{"BIG": ".env"}[k] })
	errorHas(t, err, "BIG (from .env)", "128 KiB", "one variable")

	err = lim.check([]string{"app", strings.Repeat("a", linuxMaxArgStrlen)}, nil, nil)
	errorHas(t, err, "argument", "128 KiB")

	err = lim.check([]string{"app"}, []string{"A=x\x00y"}, nil)
	errorHas(t, err, "A holds a NUL byte")
}

func TestCheckExecLimitsTotalNamesTheLargestVariables(t *testing.T) {
	lim := execLimits{perString: linuxMaxArgStrlen, total: 2 << 20}
	env := []string{"SMALL=1", "PATH=/usr/bin"}
	for i := range 40 {
		env = append(env, fmt.Sprintf("V%02d=%s", i, strings.Repeat("v", 60_000+i)))
	}
	origin := func(k string) string {
		if k == "V39" {
			return ".env"
		}
		return ""
	}
	err := lim.check([]string{"app"}, env, origin)
	errorHas(t, err, "the app's environment is 2.3 MiB in 42 variables", "over the 2 MiB exec allows",
		"the largest: V39 (from .env) 58.6 KiB, V38 58.6 KiB, V37 58.6 KiB")

	if err := lim.check([]string{"app"}, env[:20], origin); err != nil {
		t.Errorf("20 variables of 60 KB: %v", err)
	}

	err = lim.check([]string{"app", strings.Repeat("a", 100_000)}, env[:36], nil)
	errorHas(t, err, "the app's environment is 1.9 MiB", "with 97.7 KiB of arguments")

	args := []string{"app"}
	for range 20 {
		args = append(args, strings.Repeat("a", 110_000))
	}
	errorHas(t, lim.check(args, env[:2], nil), "its arguments are 2.1 MiB")
}

func TestCheckExecLimitsOnDarwinHasNoPerStringCap(t *testing.T) {
	lim := execLimits{total: darwinArgMax}
	if err := lim.check([]string{"app"}, []string{"BIG=" + strings.Repeat("x", 200_000)}, nil); err != nil {
		t.Fatal(err)
	}
	errorHas(t, lim.check([]string{"app"}, []string{"BIG=" + strings.Repeat("x", darwinArgMax)}, nil), "over the 1 MiB exec allows")
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int]string{512: "512 bytes", 128 << 10: "128 KiB", 2 << 20: "2 MiB", 10066329: "9.6 MiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// envOfSize is an environment whose size grows with n, one byte per step:
// full variables of 100 000 bytes (under MAX_ARG_STRLEN), then the rest.
func envOfSize(n int) []string {
	env := []string{"PATH=/usr/bin:/bin"}
	for i := 0; n > 0; i++ {
		chunk := min(n, 100_000)
		env = append(env, fmt.Sprintf("P%03d=%s", i, strings.Repeat("x", chunk)))
		n -= chunk
	}
	return env
}

func execTrue(env []string) error {
	cmd := exec.Command("/bin/true")
	cmd.Env = env
	return cmd.Run()
}

// largest is the largest n in [0, hi] for which ok holds, ok being
// monotone (true then false).
func largest(hi int, ok func(n int) bool) int {
	lo := 0
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if ok(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// TestCheckExecLimitsAgreesWithTheKernel finds, by really executing
// /bin/true, the largest environment the kernel takes, and shows the check
// accepts nothing larger and refuses little that the kernel would take.
func TestCheckExecLimitsAgreesWithTheKernel(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the kernel limits checked are Linux's")
	}
	argv := []string{"/bin/true"}
	if err := execTrue(envOfSize(0)); err != nil {
		t.Fatalf("exec /bin/true: %v", err)
	}
	kernel := largest(16<<20, func(n int) bool { return execTrue(envOfSize(n)) == nil })
	ours := largest(16<<20, func(n int) bool { return checkExecLimits(argv, envOfSize(n)) == nil })
	t.Logf("largest environment padding: kernel %d bytes, check %d bytes", kernel, ours)
	if ours > kernel {
		t.Fatalf("the check accepts %d bytes of environment; the kernel takes only %d", ours, kernel)
	}
	if kernel-ours > execSlack+64 {
		t.Errorf("the check refuses %d bytes the kernel takes; it should be within %d", kernel-ours, execSlack+64)
	}

	// Just under: both take it. Just over: both refuse it, the kernel with E2BIG.
	if err := execTrue(envOfSize(ours)); err != nil {
		t.Errorf("exec with the largest environment the check accepts: %v", err)
	}
	over := envOfSize(kernel + 1)
	if err := execTrue(over); !errors.Is(err, syscall.E2BIG) {
		t.Errorf("exec just over the kernel's limit: %v, want E2BIG", err)
	}
	if err := checkExecLimits(argv, over); err == nil {
		t.Error("the check accepts an environment the kernel refuses")
	}

	// One variable: MAX_ARG_STRLEN, where the kernel agrees exactly.
	at := "BIG=" + strings.Repeat("x", linuxMaxArgStrlen-len("BIG=")-1)
	if err := execTrue([]string{at}); err != nil {
		t.Errorf("exec with a variable of MAX_ARG_STRLEN: %v", err)
	}
	if err := checkExecLimits(argv, []string{at}); err != nil {
		t.Errorf("check of a variable of MAX_ARG_STRLEN: %v", err)
	}
	if err := execTrue([]string{at + "x"}); !errors.Is(err, syscall.E2BIG) {
		t.Errorf("exec with a variable one byte over MAX_ARG_STRLEN: %v, want E2BIG", err)
	}
	if err := checkExecLimits(argv, []string{at + "x"}); err == nil {
		t.Error("the check accepts a variable one byte over MAX_ARG_STRLEN")
	}
}

func errorHas(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("err = %q, want it to contain %q", err, p)
		}
	}
}

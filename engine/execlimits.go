package engine

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
)

// Linux's exec limits (fs/exec.c). Each argument and each NAME=value is
// copied with its terminating NUL and may be at most MAX_ARG_STRLEN, 32
// pages; all strings plus one pointer per string must fit in a quarter of
// the stack rlimit, capped at 3/4 of _STK_LIM (6 MiB) and never below
// ARG_MAX (32 pages). exec fails with E2BIG otherwise: before parity checks
// it, that came only after the services were started.
const (
	linuxMaxArgStrlen = 32 * 4096
	linuxStkLim       = 8 << 20
	linuxArgMax       = 32 * 4096
	// darwinArgMax is kern.argmax on macOS since 10.6 (argv + env, no
	// per-string limit).
	darwinArgMax = 1 << 20
	// execSlack covers what exec copies besides argv and env (the resolved
	// path of the program, up to PATH_MAX) and the auxiliary vector.
	execSlack = 4096 + 512
)

// execLimits is the room exec gives one process: perString is 0 where
// there is no per-string cap; total counts strings with their NUL and one
// pointer each.
type execLimits struct {
	perString int
	total     int
}

// currentExecLimits reads the stack rlimit the child will inherit. ok is
// false on systems whose limits parity does not know.
func currentExecLimits() (execLimits, bool) {
	switch runtime.GOOS {
	case "linux":
		total := linuxStkLim / 4 * 3
		if cur, ok := stackLimit(); ok && cur/4 < uint64(total) {
			total = int(cur / 4)
		}
		return execLimits{perString: linuxMaxArgStrlen, total: max(total, linuxArgMax)}, true
	case "darwin":
		return execLimits{total: darwinArgMax}, true
	}
	return execLimits{}, false
}

// checkExecLimits refuses, before anything is started, an argv and
// environment that exec would reject (E2BIG), naming the largest variables.
func checkExecLimits(argv []string, env []string) error {
	return checkExecLimitsFrom(argv, env, nil)
}

// checkExecLimitsFrom is checkExecLimits with origin naming where each
// variable came from (".env", "parity.yaml"); origin may be nil or return "".
func checkExecLimitsFrom(argv []string, env []string, origin func(name string) string) error {
	lim, ok := currentExecLimits()
	if !ok {
		return nil
	}
	return lim.check(argv, env, origin)
}

func (lim execLimits) check(argv []string, env []string, origin func(string) string) error {
	const ptr = 8 // the kernel counts a pointer per string; 8 on 64-bit, more than enough on 32-bit
	name := func(kv string) string {
		k, _, _ := strings.Cut(kv, "=")
		if origin != nil {
			if o := origin(k); o != "" {
				return fmt.Sprintf("%s (from %s)", k, o)
			}
		}
		return k
	}
	for _, kv := range env {
		if strings.IndexByte(kv, 0) >= 0 {
			return fmt.Errorf("check app environment: %s holds a NUL byte, which no environment variable can; remove it", name(kv))
		}
	}
	if lim.perString > 0 {
		for _, a := range argv {
			if len(a)+1 > lim.perString {
				return fmt.Errorf("check app command: an argument is %s, over the %s exec allows for one string; pass it in a file", byteSize(len(a)+1), byteSize(lim.perString))
			}
		}
		for _, kv := range env {
			if len(kv)+1 > lim.perString {
				return fmt.Errorf("check app environment: %s is %s, over the %s exec allows for one variable; pass the value in a file (and its path in the variable)",
					name(kv), byteSize(len(kv)+1), byteSize(lim.perString))
			}
		}
	}
	argSize, envSize := 0, 0
	for _, a := range argv {
		argSize += len(a) + 1 + ptr
	}
	for _, kv := range env {
		envSize += len(kv) + 1 + ptr
	}
	room := lim.total - execSlack - 2*ptr // argv and envp each end in a NULL
	if argSize+envSize <= room {
		return nil
	}
	if envSize <= room/2 {
		return fmt.Errorf("check app command: its arguments are %s, and with the %s environment over the %s exec allows; pass them in a file",
			byteSize(argSize), byteSize(envSize), byteSize(lim.total))
	}
	largest := slices.Clone(env)
	slices.SortStableFunc(largest, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	var names []string
	for _, kv := range largest[:min(3, len(largest))] {
		names = append(names, fmt.Sprintf("%s %s", name(kv), byteSize(len(kv)+1)))
	}
	return fmt.Errorf("check app environment: the app's environment is %s in %d variables, over the %s exec allows (with %s of arguments); the largest: %s; trim them or pass large values in files",
		byteSize(envSize), len(env), byteSize(lim.total), byteSize(argSize), strings.Join(names, ", "))
}

// byteSize renders n bytes as 9.6 MiB, 128 KiB or 512 bytes.
func byteSize(n int) string {
	switch {
	case n >= 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MiB"
	case n >= 1<<10:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<10)), ".0") + " KiB"
	}
	return fmt.Sprintf("%d bytes", n)
}

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of utime and stime.
func clockTicks() (float64, error) {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err != nil {
		return 0, fmt.Errorf("getconf CLK_TCK: %w", err)
	}
	return strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
}

// cpuTicks is a process's user plus system time so far, in clock ticks,
// from /proc/PID/stat (fields 14 and 15; the command name in field 2 may
// hold spaces and parentheses, so fields are counted after its last ')').
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("read /proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("read /proc/%d/stat: %d fields", pid, len(f)+2)
	}
	utime, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil {
		return 0, err
	}
	stime, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil {
		return 0, err
	}
	return utime + stime, nil
}

// memKB reads a "VmRSS"-style field of /proc/PID/status, in kB.
func memKB(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("read /proc/%d/status: no %s", pid, field)
}

// usage is what a process used over a window.
type usage struct {
	cpuPercent     float64 // of one core
	rssStart       int64   // kB
	rssEnd, rssMax int64   // kB, sampled every 250ms
	hwm            int64   // VmHWM at the end: the peak RSS of the process's life
}

// measure samples pid's CPU time and RSS over window.
func measure(pid int, window time.Duration, hz float64) (usage, error) {
	var u usage
	t0, err := cpuTicks(pid)
	if err != nil {
		return u, err
	}
	if u.rssStart, err = memKB(pid, "VmRSS"); err != nil {
		return u, err
	}
	u.rssMax = u.rssStart
	start := time.Now()
	for time.Since(start) < window {
		time.Sleep(min(250*time.Millisecond, window-time.Since(start)))
		rss, err := memKB(pid, "VmRSS")
		if err != nil {
			return u, err
		}
		u.rssEnd, u.rssMax = rss, max(u.rssMax, rss)
	}
	t1, err := cpuTicks(pid)
	if err != nil {
		return u, err
	}
	elapsed := time.Since(start)
	u.cpuPercent = float64(t1-t0) / hz / elapsed.Seconds() * 100
	u.hwm, err = memKB(pid, "VmHWM")
	return u, err
}

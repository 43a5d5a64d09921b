package engine

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/parity-dev/parity/engine/docker"
)

// portChoice is the host port chosen for one container port and, when it
// is not the usual one, why.
type portChoice struct {
	Host int
	// Usual is the manifest's published port, else the container port
	// (the kind's usual port for a backing service).
	Usual int
	// Note says why Host is not Usual, "" when it is.
	Note string
	// HeldBy is who holds Usual, nil when parity cannot tell.
	HeldBy *PortHolder
	// Warning is for the developer now: a remembered port was taken.
	Warning string
}

// whyNotUsual says why a service is not on its usual port: which of this
// project's services took it first, which container or program holds it,
// or that it is free now and the port was kept from an earlier run.
func (st *state) whyNotUsual(project, key string, usual int, opts planOptions) (*PortHolder, string) {
	for _, k := range sortedKeys(st.Ports) {
		if st.Ports[k] == usual && k != key {
			service, _, _ := strings.Cut(k, "/")
			h := &PortHolder{Project: project, Service: service}
			return h, fmt.Sprintf("%d held by %s", usual, h)
		}
	}
	if opts.HolderOf != nil {
		if h := opts.HolderOf(usual); h != nil {
			return h, fmt.Sprintf("%d held by %s", usual, h)
		}
	}
	if opts.PortFree != nil && opts.PortFree(usual) {
		return nil, fmt.Sprintf("kept from an earlier run; %d is free now", usual)
	}
	return nil, fmt.Sprintf("%d held by another program", usual)
}

// holderText names who holds port, for a warning.
func holderText(port int, opts planOptions) string {
	if opts.HolderOf != nil {
		if h := opts.HolderOf(port); h != nil {
			return h.String()
		}
	}
	return "another program"
}

// publishedPorts maps each host port that a running container publishes
// where it blocks 127.0.0.1 (on the loopback or every address) to the
// container: a parity project's, named by its labels, or any other.
func publishedPorts(cs []docker.Container) map[int]PortHolder {
	held := map[int]PortHolder{}
	for _, c := range cs {
		if !c.Running {
			continue
		}
		for _, b := range c.Ports {
			if b.HostPort == 0 || !blocksLoopback(b.HostIP) {
				continue
			}
			h := PortHolder{Container: c.Name}
			if p := c.Labels[LabelProject]; p != "" {
				h.Project, h.Service = p, c.Labels[LabelService]
			}
			held[b.HostPort] = h
		}
	}
	return held
}

// blocksLoopback reports whether a binding on ip keeps 127.0.0.1 from binding
// the same port: the engine's "" means every address.
func blocksLoopback(ip string) bool {
	if ip == "" {
		return true
	}
	parsed := net.ParseIP(strings.Trim(ip, "[]"))
	return parsed != nil && (parsed.IsUnspecified() || parsed.IsLoopback())
}

// programOn finds the process listening on port on the loopback or every
// address, from /proc on Linux. It sees only processes whose descriptors
// this user may read, so it returns nil more often than not for a system
// service; elsewhere it always returns nil.
func programOn(port int) *PortHolder {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		for _, ino := range listeningInodes(f, port) {
			inodes["socket:["+ino+"]"] = true
		}
	}
	if len(inodes) == 0 {
		return nil
	}
	pids, _ := filepath.Glob("/proc/[0-9]*")
	sort.Slice(pids, func(i, j int) bool { return pidOf(pids[i]) < pidOf(pids[j]) })
	for _, dir := range pids {
		fds, err := os.ReadDir(filepath.Join(dir, "fd"))
		if err != nil {
			continue // another user's process, or gone
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
			if err != nil || !inodes[link] {
				continue
			}
			comm, err := os.ReadFile(filepath.Join(dir, "comm"))
			if err != nil {
				return nil
			}
			return &PortHolder{Program: strings.TrimSpace(string(comm)), PID: pidOf(dir)}
		}
	}
	return nil
}

func pidOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(dir))
	return n
}

// listeningInodes reads a /proc/net/tcp{,6} table for sockets listening on
// port on the loopback or every address.
func listeningInodes(path string, port int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 || fields[3] != "0A" { // 0A: LISTEN
			continue
		}
		addr, hexPort, ok := strings.Cut(fields[1], ":")
		if !ok {
			continue
		}
		if p, err := strconv.ParseUint(hexPort, 16, 16); err != nil || int(p) != port {
			continue
		}
		if ip := procIP(addr); ip != nil && (ip.IsUnspecified() || ip.IsLoopback()) {
			out = append(out, fields[9])
		}
	}
	return out
}

// procIP decodes an address as /proc/net/tcp writes it: 32-bit words in
// the host's (little-endian on every platform parity runs on) byte order.
func procIP(s string) net.IP {
	b, err := hex.DecodeString(s)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return nil
	}
	ip := make(net.IP, len(b))
	for i := 0; i < len(b); i += 4 {
		ip[i], ip[i+1], ip[i+2], ip[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return ip
}

package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"unicode/utf8"
)

// Size caps for the files parity reads. A real Compose file is a few
// kilobytes and the largest seen in the real-world suite is under 100 KiB;
// the caps only stop a wrong path (a log, a dump, /dev/zero behind a
// symlink) from being read into memory whole.
const (
	MaxManifestSize = 16 << 20 // a Compose file or parity.yaml
	MaxEnvFileSize  = 4 << 20  // a .env, env_file or sample
)

// Errors a guarded read reports, to be told apart with errors.Is.
var (
	ErrNotRegular  = errors.New("not a regular file")
	ErrTooLarge    = errors.New("file too large")
	ErrInvalidUTF8 = errors.New("not valid UTF-8")
)

// inputKind says what a file is expected to be: it names the file in
// errors, bounds its size and says how to fix a wrong path.
type inputKind struct {
	what string // "manifest", "env file", "parity config"
	max  int64
	fix  string // what to give instead
}

var (
	manifestInput = inputKind{"manifest", MaxManifestSize, "give the Compose file (-f compose.yaml)"}
	configInput   = inputKind{"parity config", MaxManifestSize, "parity.yaml must be a YAML file"}
	envInput      = inputKind{"env file", MaxEnvFileSize, "give a dotenv file of KEY=value lines"}
)

// readInput is the one way parity reads a file a user pointed it at. It
// follows symlinks, refuses what is not a regular file (a directory, a FIFO
// that would block forever, a device such as /dev/zero that never ends, a
// socket), refuses files over the kind's size cap before reading them, and
// refuses bytes that are not UTF-8, naming the line and byte offset: YAML
// must be UTF-8, and an env value that is not would reach containers
// mangled by the JSON of the Docker API.
func readInput(path string, kind inputKind) ([]byte, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("read %s %s: "+format, append([]any{kind.what, path}, args...)...)
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fail("a loop of symbolic links (%w); point it at the real file", err)
		}
		return nil, fmt.Errorf("read %s: %w", kind.what, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fail("%w (%s); %s", ErrNotRegular, describeMode(fi.Mode()), kind.fix)
	}
	if fi.Size() > kind.max {
		return nil, fail("%w: %s, over the %s a %s may be; %s", ErrTooLarge, humanSize(fi.Size()), humanSize(kind.max), kind.what, kind.fix)
	}
	// O_NONBLOCK: should the path have become a FIFO since the Stat, the
	// open returns instead of waiting for a writer. Regular files ignore it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", kind.what, err)
	}
	defer f.Close()
	if ofi, err := f.Stat(); err != nil || !ofi.Mode().IsRegular() {
		return nil, fail("%w (it changed while being read)", ErrNotRegular)
	}
	// The file may grow after the Stat, or report no size (procfs): the
	// limit holds whatever the size said.
	data, err := io.ReadAll(io.LimitReader(f, kind.max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", kind.what, err)
	}
	if int64(len(data)) > kind.max {
		return nil, fail("%w: over the %s a %s may be; %s", ErrTooLarge, humanSize(kind.max), kind.what, kind.fix)
	}
	if err := checkUTF8(data); err != nil {
		return nil, fail("%w", err)
	}
	return data, nil
}

// checkUTF8 reports the first invalid UTF-8 sequence by line and byte
// offset. A UTF-16 file with its byte order mark is let through: the YAML
// parser reads those, and the dotenv parser then reports the syntax.
func checkUTF8(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe}) {
		return nil
	}
	if utf8.Valid(data) {
		return nil
	}
	off := 0
	for off < len(data) {
		r, size := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	line := bytes.Count(data[:off], []byte("\n")) + 1
	return fmt.Errorf("line %d (byte %d): %w: byte 0x%02x; save the file as UTF-8", line, off, ErrInvalidUTF8, data[off])
}

// describeMode names a file type the way a user would.
func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "type " + m.Type().String()
}

// humanSize renders a byte count as the ls -lh of a person would: 4 MiB,
// 23.4 GiB, 512 bytes.
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n)/unit, 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// StdinName is the file name a manifest read from standard input (`-f -`)
// gets in parity's model and messages.
const StdinName = "<stdin>"

// readStdin reads a manifest given as `-f -`, with the same size cap and
// UTF-8 check as a file.
func readStdin(r io.Reader, kind inputKind) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("read %s from standard input (-f -): no standard input", kind.what)
	}
	data, err := io.ReadAll(io.LimitReader(r, kind.max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s from standard input (-f -): %w", kind.what, err)
	}
	if int64(len(data)) > kind.max {
		return nil, fmt.Errorf("read %s from standard input (-f -): %w: over the %s a %s may be", kind.what, ErrTooLarge, humanSize(kind.max), kind.what)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("read %s from standard input (-f -): it is empty; pipe the Compose file in, e.g. cat compose.yaml | parity up -f -", kind.what)
	}
	if err := checkUTF8(data); err != nil {
		return nil, fmt.Errorf("read %s from standard input (-f -): %w", kind.what, err)
	}
	return data, nil
}

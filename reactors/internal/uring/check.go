//go:build linux && (amd64 || arm64)

package uring

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// disabledPath is the sysctl that turns io_uring off (6.6+): 0 allows it,
// 1 allows it only to members of kernel.io_uring_group (and CAP_SYS_ADMIN),
// 2 forbids it. Tests point it elsewhere.
var disabledPath = "/proc/sys/kernel/io_uring_disabled"

// disabledSetting reads the sysctl; "" when it is absent (older kernels)
// or unreadable.
func disabledSetting() string {
	b, err := os.ReadFile(disabledPath)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Explain turns an errno from setting up or mapping a ring into an error
// that says why, wrapping the errno so errors.Is still sees it.
func Explain(op string, err error) error {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return fmt.Errorf("%s: %w", op, err)
	}
	switch errno {
	case unix.ENOSYS:
		return fmt.Errorf("%s: io_uring is not implemented by this kernel (built without CONFIG_IO_URING, or older than 5.1): %w", op, err)
	case unix.EPERM, unix.EACCES:
		switch disabledSetting() {
		case "2":
			return fmt.Errorf("%s: io_uring is disabled by the sysctl kernel.io_uring_disabled=2: %w", op, err)
		case "1":
			return fmt.Errorf("%s: kernel.io_uring_disabled=1 allows io_uring only to members of kernel.io_uring_group: %w", op, err)
		}
		return fmt.Errorf("%s: io_uring is blocked by a seccomp filter or security module (Docker's default seccomp profile denies io_uring_*; run with --security-opt seccomp=unconfined or a profile that allows them): %w", op, err)
	case unix.ENOMEM, unix.ENOBUFS:
		return fmt.Errorf("%s: the ring needs more locked memory than RLIMIT_MEMLOCK allows (%s; raise it with ulimit -l, LimitMEMLOCK= in systemd or --ulimit memlock= in Docker): %w", op, memlockLimit(), err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// memlockLimit renders the soft RLIMIT_MEMLOCK.
func memlockLimit() string {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl); err != nil {
		return "limit unknown"
	}
	if rl.Cur == unix.RLIM_INFINITY {
		return "unlimited"
	}
	return fmt.Sprintf("%d KiB", rl.Cur/1024)
}

// Check reports whether this kernel can run a ring that uses features
// (IORING_FEAT_* beyond those every Ring needs) and the opcodes ops: nil,
// or an error that says what is missing. It sets up a tiny ring, probes it
// and closes it.
func Check(features uint32, ops ...uint8) error {
	if disabledSetting() == "2" {
		return fmt.Errorf("io_uring is disabled by the sysctl kernel.io_uring_disabled=2")
	}
	r, err := New(Options{Entries: 2})
	if err != nil {
		return err
	}
	defer r.Close()
	if missing := features &^ r.features; missing != 0 {
		return fmt.Errorf("io_uring: this kernel lacks %s", featureNames(missing))
	}
	ok, err := r.Supports(ops...)
	if err != nil {
		return err
	}
	var lacking []string
	for i, op := range ops {
		if !ok[i] {
			lacking = append(lacking, opName(op))
		}
	}
	if len(lacking) > 0 {
		return fmt.Errorf("io_uring: this kernel lacks the operation(s) %s", strings.Join(lacking, ", "))
	}
	return nil
}

var featureList = []struct {
	bit  uint32
	name string
}{
	{FeatSingleMmap, "IORING_FEAT_SINGLE_MMAP (Linux 5.4)"},
	{FeatNoDrop, "IORING_FEAT_NODROP (Linux 5.5)"},
	{FeatFastPoll, "IORING_FEAT_FAST_POLL (Linux 5.7)"},
	{FeatExtArg, "IORING_FEAT_EXT_ARG (Linux 5.11)"},
	{FeatCQESkip, "IORING_FEAT_CQE_SKIP (Linux 5.17)"},
}

func featureNames(mask uint32) string {
	var names []string
	for _, f := range featureList {
		if mask&f.bit != 0 {
			names = append(names, f.name)
			mask &^= f.bit
		}
	}
	if mask != 0 {
		names = append(names, fmt.Sprintf("feature bits %#x", mask))
	}
	return strings.Join(names, ", ")
}

func opName(op uint8) string {
	switch op {
	case OpNop:
		return "NOP"
	case OpPollAdd:
		return "POLL_ADD"
	case OpPollRemove:
		return "POLL_REMOVE"
	case OpAccept:
		return "ACCEPT"
	case OpAsyncCancel:
		return "ASYNC_CANCEL"
	case OpRead:
		return "READ"
	case OpSend:
		return "SEND"
	case OpRecv:
		return "RECV"
	}
	return fmt.Sprintf("opcode %d", op)
}

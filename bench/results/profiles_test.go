package results

import "testing"

func TestProfileStem(t *testing.T) {
	if s, ok := ProfileStem("echo-open", "epoll", 100); !ok || s != "echo-open-epoll-c100" {
		t.Errorf("stem %q, %v", s, ok)
	}
	for _, c := range []struct {
		workload, impl string
		conns          int
	}{
		{"echo", "../etc", 1}, {"echo", "a/b", 1}, {"echo", "", 1}, {"", "epoll", 1}, {"Echo", "epoll", 1},
		{"echo", "epoll\x00", 1}, {"echo", ".", 1}, {"echo", "-rf", 1}, {"echo", "epoll", 0}, {"echo", "epoll", -5},
		{"echo", "epoll", MaxProfileConns + 1}, {"echo", "an-implementation-name-well-past-forty-chars", 1},
	} {
		if s, ok := ProfileStem(c.workload, c.impl, c.conns); ok {
			t.Errorf("ProfileStem(%q, %q, %d) = %q, accepted", c.workload, c.impl, c.conns, s)
		}
	}
}

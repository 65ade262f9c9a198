package reactors

import "testing"

// RegisterForTest registers info until t ends.
func RegisterForTest(t *testing.T, info Info) {
	Register(info)
	t.Cleanup(func() {
		mu.Lock()
		delete(registry, info.Name)
		mu.Unlock()
	})
}

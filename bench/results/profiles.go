package results

import (
	"regexp"
	"strconv"
)

// profilePart is what a workload or implementation name may be to name a
// profile file: a plain lower-case word, so that no results.json can make
// a profile's name a path.
var profilePart = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// MaxProfileConns bounds the connection count in a profile's name.
const MaxProfileConns = 10_000_000

// ProfileStem is the file name, without its extension, of the CPU profile
// that `run -profile DIR` records of impl's server in workload at conns
// connections, e.g. "echo-epoll-c100"; the profile is DIR/STEM.pprof and
// its drawing DIR/STEM.svg. ok is false when a part is not a plain name
// or the count is out of range.
func ProfileStem(workload, impl string, conns int) (stem string, ok bool) {
	if !profilePart.MatchString(workload) || !profilePart.MatchString(impl) || conns < 1 || conns > MaxProfileConns {
		return "", false
	}
	return workload + "-" + impl + "-c" + strconv.Itoa(conns), true
}

package reactors

import (
	"errors"
	"fmt"
	"strings"
)

// AllNames is the -reactor list that names every registered backend.
const AllNames = "all"

// unknownBackend is the one error for a -reactor name that is not
// registered; valid lists what is.
func unknownBackend(name string, valid []string) error {
	return fmt.Errorf("unknown backend %q (valid: %s)", name, strings.Join(valid, ", "))
}

// Backend resolves one -reactor name ("default" or a registered name) to
// its registration: the lookup every command makes, once, with one wording
// for an unknown name.
func Backend(name string) (Info, error) {
	info, err := Lookup(strings.TrimSpace(name))
	if err != nil && name != DefaultName {
		return Info{}, unknownBackend(name, append([]string{DefaultName}, Names()...))
	}
	return info, err
}

// ParseNames turns a -reactor list into backend names: "all" is every
// registered backend, otherwise a comma-separated list of names, "default"
// standing for the preferred one. An empty value or element, or an unknown
// name, is an error listing the valid ones.
func ParseNames(value string) ([]string, error) {
	value = strings.TrimSpace(value)
	valid := append([]string{AllNames, DefaultName}, Names()...)
	if value == AllNames {
		names := Names()
		if len(names) == 0 {
			return nil, errors.New("no backend available on this system")
		}
		return names, nil
	}
	var names []string
	seen := map[string]bool{}
	for _, n := range strings.Split(value, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, fmt.Errorf("empty backend name in %q (valid: %s)", value, strings.Join(valid, ", "))
		}
		info, err := Lookup(n)
		if err != nil {
			return nil, unknownBackend(n, valid)
		}
		if !seen[info.Name] {
			seen[info.Name] = true
			names = append(names, info.Name)
		}
	}
	return names, nil
}

// NamesFlag is a flag.Value for "-reactor all|default|NAME,...". It is
// checked when set, so a bad name fails flag parsing with the valid list.
type NamesFlag struct {
	Names []string
	raw   string
}

// String returns the value as given.
func (f *NamesFlag) String() string {
	if f == nil {
		return ""
	}
	return f.raw
}

// Set parses and checks the value.
func (f *NamesFlag) Set(v string) error {
	names, err := ParseNames(v)
	if err != nil {
		return err
	}
	f.raw, f.Names = v, names
	return nil
}

// BackendFlag is a flag.Value for "-reactor default|NAME": one backend,
// looked up when the flag is set.
type BackendFlag struct {
	Info Info
	raw  string
}

// NewBackendFlag returns a BackendFlag set to name, which must resolve.
func NewBackendFlag(name string) (*BackendFlag, error) {
	f := &BackendFlag{}
	return f, f.Set(name)
}

// String returns the value as given.
func (f *BackendFlag) String() string {
	if f == nil {
		return ""
	}
	return f.raw
}

// Set looks the name up.
func (f *BackendFlag) Set(v string) error {
	info, err := Backend(v)
	if err != nil {
		return err
	}
	f.raw, f.Info = v, info
	return nil
}

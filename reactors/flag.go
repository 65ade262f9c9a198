package reactors

import (
	"fmt"
	"strings"
)

// ParseNames turns a -reactor value into backend names: "all" (or "") is
// every registered backend, "default" the preferred one, otherwise a
// comma-separated list. Unknown names are an error listing the valid ones.
func ParseNames(value string) ([]string, error) {
	value = strings.TrimSpace(value)
	if value == "" || value == "all" {
		names := Names()
		if len(names) == 0 {
			return nil, fmt.Errorf("reactors: no backend available on this system")
		}
		return names, nil
	}
	var names []string
	seen := map[string]bool{}
	for _, n := range strings.Split(value, ",") {
		n = strings.TrimSpace(n)
		if n == DefaultName {
			info, err := Lookup(n)
			if err != nil {
				return nil, err
			}
			n = info.Name
		}
		if _, err := Lookup(n); err != nil {
			return nil, fmt.Errorf("-reactor: unknown backend %q (valid: all, %s, %s)", n, DefaultName, strings.Join(Names(), ", "))
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
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

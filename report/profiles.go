package report

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/reactorbench/reactorbench/bench/results"
)

// profileRow is one recorded CPU profile the report links: the workload,
// C and implementation it was recorded for, and its files relative to the
// report.
type profileRow struct {
	Workload, Impl string
	Conns          int
	PProf, SVG     string // links; SVG is "" when no drawing exists
}

// profileView is the report's profiles section.
type profileView struct {
	Dir   string
	Rows  []profileRow
	NoSVG bool // some profile has no drawing
}

// profileLinks finds, in dir, the CPU profiles recorded for the
// workloads, implementations and C of f's results, and links each one
// that exists, relative to outDir. File names come from
// results.ProfileStem alone, which admits plain names only, so nothing in
// f can point a link, or a look-up, outside dir.
func profileLinks(f *results.File, dir, outDir string) *profileView {
	if dir == "" {
		return nil
	}
	v := &profileView{Dir: dir}
	base := filepath.ToSlash(dir)
	if absDir, err := filepath.Abs(dir); err == nil {
		if absOut, err := filepath.Abs(outDir); err == nil {
			if rel, err := filepath.Rel(absOut, absDir); err == nil {
				base = filepath.ToSlash(rel)
			}
		}
	}
	exists := func(name string) bool {
		st, err := os.Lstat(filepath.Join(dir, name))
		return err == nil && st.Mode().IsRegular() && st.Size() > 0
	}
	seen := map[string]bool{}
	for _, r := range f.Results {
		conns, err := strconv.Atoi(r.Params["conns"])
		if err != nil {
			continue
		}
		stem, ok := results.ProfileStem(r.Workload, r.Impl, conns)
		if !ok || seen[stem] {
			continue
		}
		seen[stem] = true
		if !exists(stem + ".pprof") {
			continue
		}
		row := profileRow{Workload: r.Workload, Impl: r.Impl, Conns: conns, PProf: base + "/" + stem + ".pprof"}
		if exists(stem + ".svg") {
			row.SVG = base + "/" + stem + ".svg"
		} else {
			v.NoSVG = true
		}
		v.Rows = append(v.Rows, row)
	}
	sort.Slice(v.Rows, func(i, j int) bool {
		a, b := v.Rows[i], v.Rows[j]
		if a.Workload != b.Workload {
			return a.Workload < b.Workload
		}
		if a.Conns != b.Conns {
			return a.Conns < b.Conns
		}
		return a.Impl < b.Impl
	})
	return v
}

package report

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// style is how one implementation is drawn in every figure, so a reader
// learns it once: color, dash pattern and glyph.
type style struct {
	Color  color.RGBA
	Dashes []vg.Length
	Glyph  draw.GlyphDrawer
}

func rgb(hex uint32) color.RGBA {
	return color.RGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 255}
}

// Known implementations in display order: our backends (solid), then the
// peers (each its own dash pattern). A raw floor "raw-X" is drawn in X's
// color, dashed.
var known = []struct {
	impl  string
	color uint32
	dash  []vg.Length
	glyph draw.GlyphDrawer
}{
	{"epoll", 0x0072B2, nil, draw.CircleGlyph{}},
	{"poll", 0x009E73, nil, draw.SquareGlyph{}},
	{"select", 0xD55E00, nil, draw.TriangleGlyph{}},
	{"kqueue", 0x56B4E9, nil, draw.PyramidGlyph{}},
	{"gonet", 0x000000, []vg.Length{vg.Points(9), vg.Points(3), vg.Points(2), vg.Points(3)}, draw.BoxGlyph{}},
	{"netpoll", 0xCC79A7, []vg.Length{vg.Points(2), vg.Points(2)}, draw.CrossGlyph{}},
	{"node", 0xE69F00, []vg.Length{vg.Points(10), vg.Points(4)}, draw.PlusGlyph{}},
	{"twisted-epoll", 0x6A3D9A, []vg.Length{vg.Points(5), vg.Points(2), vg.Points(1), vg.Points(2)}, draw.CircleGlyph{}},
	{"twisted-poll", 0x7F7F7F, []vg.Length{vg.Points(5), vg.Points(2), vg.Points(1), vg.Points(2)}, draw.SquareGlyph{}},
	{"twisted-select", 0x8C564B, []vg.Length{vg.Points(5), vg.Points(2), vg.Points(1), vg.Points(2)}, draw.TriangleGlyph{}},
	{"twisted", 0x8C564B, []vg.Length{vg.Points(5), vg.Points(2), vg.Points(1), vg.Points(2)}, draw.TriangleGlyph{}},
}

// extra colors for implementations the report does not know by name.
var extra = []uint32{0x1F77B4, 0x2CA02C, 0xD62728, 0x9467BD, 0x17BECF, 0xBCBD22}

var rawDash = []vg.Length{vg.Points(6), vg.Points(4)}

// implRank orders implementations: known ones first in table order, raw
// floors right after their backend, unknown ones alphabetically last.
func implRank(impl string) (int, string) {
	base, raw := strings.CutPrefix(impl, "raw-")
	for i, k := range known {
		if k.impl == base {
			r := 2 * i
			if raw {
				r++
			}
			return r, ""
		}
	}
	return 2 * len(known), impl
}

func sortImpls(impls []string) {
	sort.Slice(impls, func(i, j int) bool {
		ri, si := implRank(impls[i])
		rj, sj := implRank(impls[j])
		if ri != rj {
			return ri < rj
		}
		return si < sj
	})
}

// styleOf returns impl's style; unknown implementations get a color from
// a hash of their name, so it is stable across figures and runs.
func styleOf(impl string) style {
	base, raw := strings.CutPrefix(impl, "raw-")
	var s style
	found := false
	for _, k := range known {
		if k.impl == base {
			s = style{Color: rgb(k.color), Dashes: k.dash, Glyph: k.glyph}
			found = true
			break
		}
	}
	if !found {
		h := uint32(0)
		for _, c := range base {
			h = h*31 + uint32(c)
		}
		s = style{Color: rgb(extra[h%uint32(len(extra))]), Glyph: draw.RingGlyph{}}
	}
	if raw {
		s.Dashes = rawDash
	}
	return s
}

// displayName is the label a reader sees for impl.
func displayName(impl string) string {
	switch impl {
	case "gonet":
		return "Go net"
	case "netpoll":
		return "cloudwego/netpoll"
	case "node":
		return "Node.js"
	case "twisted":
		return "Twisted"
	}
	if rest, ok := strings.CutPrefix(impl, "twisted-"); ok {
		return "Twisted " + rest
	}
	if rest, ok := strings.CutPrefix(impl, "raw-"); ok {
		return rest + " (raw floor)"
	}
	return impl
}

// unit says how a quantity is printed.
type unit int

const (
	unitCount unit = iota // plain number, thousands separated
	unitNs                // a duration in nanoseconds
	unitRate              // per second
	unitBytes
	unitPct   // a percentage
	unitRatio // a ratio, printed as 0.87×
)

// format prints v in u for tables, prose and tick labels.
func (u unit) format(v float64) string {
	switch u {
	case unitNs:
		return fmtDuration(v)
	case unitRate:
		return fmtSI(v) + "/s"
	case unitBytes:
		return fmtBytes(v)
	case unitPct:
		return fmtSig(v) + "%"
	case unitRatio:
		return fmtSig(v) + "×"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return commas(int64(v))
	}
	return fmtSig(v)
}

// fmtSig prints v with three significant digits, without exponent.
func fmtSig(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return trimZeros(fmt.Sprintf("%.1f", v))
	case a >= 1:
		return trimZeros(fmt.Sprintf("%.2f", v))
	}
	return trimZeros(fmt.Sprintf("%.3g", v))
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func fmtDuration(ns float64) string {
	a := math.Abs(ns)
	switch {
	case a >= 1e9:
		return fmtSig(ns/1e9) + " s"
	case a >= 1e6:
		return fmtSig(ns/1e6) + " ms"
	case a >= 1e3:
		return fmtSig(ns/1e3) + " µs"
	}
	return fmtSig(ns) + " ns"
}

func fmtSI(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return fmtSig(v/1e9) + "G"
	case a >= 1e6:
		return fmtSig(v/1e6) + "M"
	case a >= 1e3:
		return fmtSig(v/1e3) + "k"
	}
	return fmtSig(v)
}

func fmtBytes(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1<<30:
		return fmtSig(v/(1<<30)) + " GiB"
	case a >= 1<<20:
		return fmtSig(v/(1<<20)) + " MiB"
	case a >= 1<<10:
		return fmtSig(v/(1<<10)) + " KiB"
	}
	return fmtSig(v) + " B"
}

// commas prints n with thousands separators: 8985 -> "8,985".
func commas(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtRatio prints a ratio as "1.23x", "45x".
func fmtRatio(r float64) string {
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return "–"
	}
	if r <= 0 {
		return fmtSig(r) + "x"
	}
	if r < 1 {
		// Two significant digits, without an exponent: 0.00004x, 0.12x.
		decimals := max(2, 1-int(math.Floor(math.Log10(r))))
		return trimZeros(strconv.FormatFloat(r, 'f', decimals, 64)) + "x"
	}
	return fmtSig(r) + "x"
}

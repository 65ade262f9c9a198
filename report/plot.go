package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure size: wide enough for the legend strip beside the data, so the
// legend never covers a curve.
const (
	figW    = 8 * vg.Inch
	figH    = 4.5 * vg.Inch
	legendW = 1.75 * vg.Inch
	pngDPI  = 110
)

// render draws fig as PNG and SVG.
func render(fig *Figure) (png, svg []byte, err error) {
	// gonum/plot panics on some degenerate data (a log axis given a
	// non-positive value, say); the figures avoid those, and if one slips
	// through it becomes an error naming the figure, not a crash.
	defer func() {
		if r := recover(); r != nil {
			png, svg, err = nil, nil, fmt.Errorf("report: figure %s: cannot draw: %v", fig.ID, r)
		}
	}()
	p, legend, err := buildPlot(fig)
	if err != nil {
		return nil, nil, err
	}
	img := vgimg.NewWith(vgimg.UseWH(figW, figH), vgimg.UseDPI(pngDPI), vgimg.UseBackgroundColor(color.White))
	drawAll(p, legend, draw.New(img))
	var pb bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&pb); err != nil {
		return nil, nil, fmt.Errorf("report: figure %s: png: %w", fig.ID, err)
	}
	sc := vgsvg.New(figW, figH)
	drawAll(p, legend, draw.New(sc))
	var sb bytes.Buffer
	if _, err := sc.WriteTo(&sb); err != nil {
		return nil, nil, fmt.Errorf("report: figure %s: svg: %w", fig.ID, err)
	}
	return pb.Bytes(), sb.Bytes(), nil
}

// drawAll draws the plot left and its legend in a strip to the right.
func drawAll(p *plot.Plot, legend plot.Legend, dc draw.Canvas) {
	p.Draw(draw.Crop(dc, vg.Points(4), -legendW, vg.Points(2), -vg.Points(6)))
	lc := draw.Crop(dc, figW-legendW+vg.Points(6), 0, 0, -vg.Points(30))
	legend.Draw(lc)
}

// buildPlot turns fig into a gonum plot and a legend.
func buildPlot(fig *Figure) (*plot.Plot, plot.Legend, error) {
	p := plot.New()
	p.Title.Text = fig.Title
	p.Title.TextStyle.Font = sans(13)
	p.X.Label.TextStyle.Font, p.Y.Label.TextStyle.Font = sans(11), sans(11)
	p.X.Tick.Label.Font, p.Y.Tick.Label.Font = sans(10), sans(10)
	p.X.Label.Text = fig.XLabel
	p.Y.Label.Text = fig.YLabel
	grid := plotter.NewGrid()
	if fig.Bars {
		grid.Vertical.Color = nil // a line through each group's middle bar reads as data
	}
	p.Add(grid)
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font = sans(10)
	legend.ThumbnailWidth = vg.Points(28)
	legend.Padding = vg.Points(3)
	if fig.Bars {
		if err := addBars(p, &legend, fig); err != nil {
			return nil, legend, err
		}
	} else if err := addLines(p, &legend, fig); err != nil {
		return nil, legend, err
	}
	if r := fig.XRange; r[0] < r[1] {
		p.X.Min, p.X.Max = math.Min(p.X.Min, r[0]), math.Max(p.X.Max, r[1])
	}
	if fig.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{fig.XUnit}
	} else if !fig.Bars {
		p.X.Tick.Marker = linTicks{fig.XUnit}
	}
	if fig.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{fig.YUnit}
	} else {
		p.Y.Tick.Marker = linTicks{fig.YUnit}
		p.Y.Min = math.Min(p.Y.Min, 0)
	}
	if fig.LogY {
		// Keep a little room under the lowest error bar so it is visible.
		p.Y.Min /= 1.3
		p.Y.Max *= 1.3
		if fig.YUnit == unitPct {
			p.Y.Max = math.Min(p.Y.Max, 110)
		}
	} else {
		p.Y.Max *= 1.12 // room for the bars' labels
		if p.Y.Max <= p.Y.Min {
			p.Y.Max = p.Y.Min + 1
		}
	}
	return p, legend, nil
}

// sans is the figures' typeface at size points: sans-serif reads better
// than gonum's default serif at small sizes.
func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// lineStyle is impl's line style in every figure.
func lineStyle(impl string) draw.LineStyle {
	st := styleOf(impl)
	return draw.LineStyle{Color: st.Color, Width: vg.Points(1.6), Dashes: st.Dashes}
}

func addLines(p *plot.Plot, legend *plot.Legend, fig *Figure) error {
	var lossy, boundPts plotter.XYs
	for _, s := range fig.Series {
		st := styleOf(s.Impl)
		xys := make(plotter.XYs, len(s.Points))
		var ebXYs plotter.XYs
		var errs plotter.YErrors
		var marks plotter.XYs
		var bound []bool
		// A long series (a histogram) gets a glyph on about a dozen points,
		// enough to tell the lines apart without hiding their shape.
		step := max(1, (len(s.Points)+11)/12)
		for i, pt := range s.Points {
			xys[i] = plotter.XY{X: pt.X, Y: pt.Y.Median}
			if pt.Lost > 0 && fig.Lossy == nil {
				lossy = append(lossy, xys[i])
			}
			if pt.ClientBound {
				boundPts = append(boundPts, xys[i])
			}
			if i%step == 0 || i == len(s.Points)-1 || pt.ClientBound {
				marks = append(marks, xys[i])
				bound = append(bound, pt.ClientBound)
			}
			if pt.Y.N < 2 {
				continue // one value has no interval to draw
			}
			lo := pt.Y.Lo
			if fig.LogY && lo <= 0 {
				lo = pt.Y.Median / 10 // clamped; the figure's notes say so
			}
			ebXYs = append(ebXYs, xys[i])
			errs = append(errs, struct{ Low, High float64 }{pt.Y.Median - lo, pt.Y.Hi - pt.Y.Median})
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("report: figure %s, %s: %w", fig.ID, s.Impl, err)
		}
		line.LineStyle = lineStyle(s.Impl)
		sc, err := plotter.NewScatter(marks)
		if err != nil {
			return fmt.Errorf("report: figure %s, %s: %w", fig.ID, s.Impl, err)
		}
		sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
			g := draw.GlyphStyle{Color: st.Color, Radius: vg.Points(2.6), Shape: st.Glyph}
			if bound[i] {
				g.Shape, g.Radius = draw.RingGlyph{}, vg.Points(5)
			}
			return g
		}
		if len(ebXYs) > 0 {
			p.Add(&plotter.YErrorBars{XYs: ebXYs, YErrors: errs,
				LineStyle: draw.LineStyle{Color: st.Color, Width: vg.Points(1)}, CapWidth: vg.Points(4)})
		}
		p.Add(line, sc)
		legend.Add(displayName(s.Impl), line, glyphThumb{draw.GlyphStyle{Color: st.Color, Radius: vg.Points(2.6), Shape: st.Glyph}})
	}
	// The marks of the tables' † and ‡, explained in the legend.
	ring := draw.GlyphStyle{Color: color.Gray{Y: 90}, Radius: vg.Points(5), Shape: draw.RingGlyph{}}
	if len(boundPts) > 0 {
		legend.Add("† client-bound", glyphThumb{ring})
	}
	if len(lossy) > 0 {
		cross := draw.GlyphStyle{Color: color.RGBA{R: 200, A: 255}, Radius: vg.Points(6), Shape: draw.CrossGlyph{}}
		sc, err := plotter.NewScatter(lossy)
		if err != nil {
			return fmt.Errorf("report: figure %s: %w", fig.ID, err)
		}
		sc.GlyphStyle = cross
		p.Add(sc)
		legend.Add("‡ lost connections", glyphThumb{cross})
	}
	return nil
}

// glyphThumb draws a series' glyph in the legend.
type glyphThumb struct{ g draw.GlyphStyle }

// Thumbnail implements plot.Thumbnailer.
func (t glyphThumb) Thumbnail(c *draw.Canvas) { c.DrawGlyph(t.g, c.Center()) }

func addBars(p *plot.Plot, legend *plot.Legend, fig *Figure) error {
	b := &bars{fig: fig}
	p.Add(b)
	for _, s := range fig.Series {
		legend.Add(displayName(s.Impl), barThumb{styleOf(s.Impl).Color})
	}
	p.NominalX(fig.Categories...)
	if n := len(fig.Categories); n > 4 {
		p.X.Tick.Label.Rotation = math.Pi / 9
		if n > 6 {
			p.X.Tick.Label.Rotation = math.Pi / 5
			p.X.Tick.Label.Font = sans(9)
		}
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	p.X.Min, p.X.Max = -0.5, float64(len(fig.Categories))-0.5
	return nil
}

// bars draws grouped bars with their interval as an error bar; on a log
// axis a bar starts at the axis minimum instead of at zero.
type bars struct{ fig *Figure }

func (b *bars) slot(si int, x float64) (lo, hi float64) {
	n := float64(len(b.fig.Series))
	w := 0.8 / n
	lo = x - 0.4 + float64(si)*w
	return lo, lo + w*0.9
}

// Plot implements plot.Plotter.
func (b *bars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	base := 0.0
	if b.fig.LogY {
		base = plt.Y.Min
	}
	n := 0
	for _, s := range b.fig.Series {
		n += len(s.Points)
	}
	// Few bars get their value printed above them; many would collide.
	label := draw.TextStyle{Color: color.Black, Font: sans(8), XAlign: draw.XCenter, YAlign: draw.YBottom, Handler: plot.DefaultTextHandler}
	for si, s := range b.fig.Series {
		col := styleOf(s.Impl).Color
		for _, pt := range s.Points {
			x0, x1 := b.slot(si, pt.X)
			rect := vg.Rectangle{Min: vg.Point{X: trX(x0), Y: trY(base)}, Max: vg.Point{X: trX(x1), Y: trY(pt.Y.Median)}}
			c.FillPolygon(col, c.ClipPolygonY(corners(rect)))
			xm := trX((x0 + x1) / 2)
			lo := pt.Y.Lo
			if b.fig.LogY && lo <= 0 {
				lo = base
			}
			c.StrokeLine2(draw.LineStyle{Color: color.Black, Width: vg.Points(1)}, xm, trY(lo), xm, trY(pt.Y.Hi))
			if n <= 12 {
				c.FillText(label, vg.Point{X: xm, Y: trY(math.Max(pt.Y.Hi, pt.Y.Median)) + vg.Points(4)}, b.fig.YUnit.format(pt.Y.Median))
			}
		}
	}
}

// DataRange implements plot.DataRanger.
func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for _, s := range b.fig.Series {
		for _, pt := range s.Points {
			lo := pt.Y.Lo
			if !b.fig.LogY || lo <= 0 {
				lo = pt.Y.Median
			}
			ymin = math.Min(ymin, lo)
			ymax = math.Max(ymax, math.Max(pt.Y.Hi, pt.Y.Median))
		}
	}
	if !b.fig.LogY {
		ymin = math.Min(ymin, 0)
	}
	return -0.5, float64(len(b.fig.Categories)) - 0.5, ymin, ymax
}

// barThumb is a filled square in the legend.
type barThumb struct{ c color.Color }

// Thumbnail implements plot.Thumbnailer.
func (t barThumb) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	mid := (r.Min.X + r.Max.X) / 2
	h := r.Max.Y - r.Min.Y
	sq := vg.Rectangle{Min: vg.Point{X: mid - h/2, Y: r.Min.Y}, Max: vg.Point{X: mid + h/2, Y: r.Max.Y}}
	c.FillPolygon(t.c, corners(sq))
}

// logTicks labels powers of ten (and 2 and 5 when the range is narrow) in
// the figure's unit.
type logTicks struct{ u unit }

// Ticks implements plot.Ticker.
func (t logTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 {
		min = max / 1e6
	}
	lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	mults := []float64{1}
	if powers := math.Floor(math.Log10(max)) - math.Ceil(math.Log10(min)) + 1; powers < 3 {
		mults = []float64{1, 2, 5}
	}
	ticks := t.ticks(min, max, lo, hi, mults)
	labeled := 0
	for _, tk := range ticks {
		if tk.Label != "" {
			labeled++
		}
	}
	if labeled < 3 {
		ticks = t.ticks(min, max, lo, hi, []float64{1, 2, 3, 5, 7})
	}
	return ticks
}

// ticks marks every m*10^e in [min, max], labeling the multiples in mults.
func (t logTicks) ticks(min, max, lo, hi float64, mults []float64) []plot.Tick {
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		for m := 1.0; m < 10; m++ {
			v := m * math.Pow(10, e)
			if v < min || v > max {
				continue
			}
			label := ""
			for _, mm := range mults {
				if m == mm {
					label = t.u.format(v)
				}
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
	}
	return ticks
}

// linTicks is gonum's default ticks, labeled in the figure's unit.
type linTicks struct{ u unit }

// Ticks implements plot.Ticker.
// Byte axes tick at round KiB or MiB, not at round decimal numbers.
func (t linTicks) Ticks(min, max float64) []plot.Tick {
	scale := 1.0
	if t.u == unitBytes {
		for _, s := range []float64{1 << 30, 1 << 20, 1 << 10} {
			if max >= 2*s {
				scale = s
				break
			}
		}
	}
	ticks := plot.DefaultTicks{}.Ticks(min/scale, max/scale)
	for i := range ticks {
		ticks[i].Value *= scale
		if ticks[i].Label != "" {
			ticks[i].Label = t.u.format(ticks[i].Value)
		}
	}
	return ticks
}

// corners is r as a polygon.
func corners(r vg.Rectangle) []vg.Point {
	return []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}}
}

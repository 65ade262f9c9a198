package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/reactorbench/reactorbench/bench/results"
)

// Limits on what a results file may hold. A full run is tens of
// megabytes; anything past these is not a run but a mistake or an attack,
// and reading it whole would exhaust memory or spin the rasterizer.
const (
	maxFileBytes = 512 << 20
	// maxValue bounds every metric and numeric parameter: 1e15 ns is
	// eleven days, 1e15 bytes a petabyte, 1e15 per second more than any
	// machine serves.
	maxValue      = 1e15
	maxBuckets    = 1 << 16 // per histogram; HdrHistogram writes a few thousand
	maxResults    = 1 << 20
	maxSamples    = 1 << 12 // per result
	maxMetrics    = 1 << 8  // per sample
	maxTextLength = 1 << 10 // a name, workload, implementation or parameter
)

// Load reads DIR/results.json. Its errors name the file and, for malformed
// or mistyped JSON, the line and column; a file that is not regular, is
// larger than maxFileBytes or holds non-finite or absurd values is
// refused with an error naming the result.
func Load(dir string) (*results.File, error) {
	name := filepath.Join(dir, "results.json")
	data, err := readCapped(name, maxFileBytes)
	if err != nil {
		return nil, err
	}
	f, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	if err := validate(f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

// readCapped reads the regular file name, failing once it passes limit
// bytes rather than growing without end (a device or a FIFO never ends).
func readCapped(name string, limit int64) ([]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", name, st.Mode().Type())
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a results file may have", name, st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: more than the %d bytes a results file may have", name, limit)
	}
	return data, nil
}

// validate refuses what the figures cannot honestly draw: non-finite or
// absurd metrics and parameters, histograms out of range, and more
// results, samples or text than a run writes.
func validate(f *results.File) error {
	if len(f.Results) > maxResults {
		return fmt.Errorf("%d results, more than the %d a run writes", len(f.Results), maxResults)
	}
	for i := range f.Results {
		r := &f.Results[i]
		if err := validateResult(r); err != nil {
			name := r.Name
			if len(name) > maxTextLength {
				name = name[:maxTextLength] + "..."
			}
			return fmt.Errorf("result %d %q: %w", i, name, err)
		}
	}
	return nil
}

func validateResult(r *results.Result) error {
	for _, s := range []string{r.Name, r.Workload, r.Impl} {
		if len(s) > maxTextLength {
			return fmt.Errorf("a name longer than %d bytes", maxTextLength)
		}
	}
	for k, v := range r.Params {
		if len(k) > maxTextLength || len(v) > maxTextLength {
			return fmt.Errorf("parameter %.40q longer than %d bytes", k, maxTextLength)
		}
		if x, err := strconv.ParseFloat(v, 64); err == nil && !plausible(x) {
			return fmt.Errorf("parameter %s=%s is out of range (|x| > %g)", k, v, maxValue)
		}
	}
	if len(r.Samples) > maxSamples {
		return fmt.Errorf("%d samples, more than %d", len(r.Samples), maxSamples)
	}
	for j, s := range r.Samples {
		if len(s.Metrics) > maxMetrics {
			return fmt.Errorf("sample %d: %d metrics, more than %d", j, len(s.Metrics), maxMetrics)
		}
		for unit, v := range s.Metrics {
			if !plausible(v) {
				return fmt.Errorf("sample %d: metric %.40q = %g is not finite or out of range (|x| > %g)", j, unit, v, maxValue)
			}
		}
		if h := s.Latency; h != nil {
			if len(h.Buckets) > maxBuckets {
				return fmt.Errorf("sample %d: latency histogram of %d buckets, more than %d", j, len(h.Buckets), maxBuckets)
			}
			for _, b := range h.Buckets {
				if b.UpperNs < 0 || b.Count < 0 || !plausible(float64(b.UpperNs)) || !plausible(float64(b.Count)) {
					return fmt.Errorf("sample %d: latency bucket (%d ns, count %d) out of range", j, b.UpperNs, b.Count)
				}
			}
		}
	}
	return nil
}

// plausible reports whether x is finite and within maxValue of zero.
func plausible(x float64) bool {
	return !math.IsNaN(x) && math.Abs(x) <= maxValue
}

// decode parses data, which was read from name. The happy path parses
// once; the version is looked at alone only to explain a failure, so that
// a file of another version gets a version error, not a type error.
func decode(name string, data []byte) (*results.File, error) {
	f := new(results.File)
	err := json.Unmarshal(data, f)
	if err == nil && f.Version == results.FormatVersion {
		return f, nil
	}
	var head struct {
		Version *int `json:"version"`
	}
	if herr := json.Unmarshal(data, &head); herr != nil {
		return nil, jsonError(name, data, herr)
	}
	switch {
	case head.Version == nil:
		return nil, fmt.Errorf("%s: no \"version\" field; not a reactorbench results file", name)
	case *head.Version != results.FormatVersion:
		return nil, fmt.Errorf("%s: results format version %d, but this report reads version %d; render it with the reactorbench that wrote it",
			name, *head.Version, results.FormatVersion)
	}
	return nil, jsonError(name, data, err)
}

// jsonError turns encoding/json's byte offsets into file:line:col.
func jsonError(name string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := lineCol(data, syn.Offset)
		return fmt.Errorf("%s:%d:%d: malformed JSON: %v", name, line, col, syn)
	case errors.As(err, &typ):
		line, col := lineCol(data, typ.Offset)
		return fmt.Errorf("%s:%d:%d: field %q holds JSON %s, want %s", name, line, col, typ.Field, typ.Value, typ.Type)
	}
	return fmt.Errorf("%s: %v", name, err)
}

// lineCol converts a byte offset (the count of bytes read, as encoding/json
// reports it) into a 1-based line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset > 0 {
		offset-- // encoding/json points just past the offending byte
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

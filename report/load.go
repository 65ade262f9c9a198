package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/reactorbench/reactorbench/bench/results"
)

// Load reads DIR/results.json. Its errors name the file and, for malformed
// or mistyped JSON, the line and column.
func Load(dir string) (*results.File, error) {
	name := filepath.Join(dir, "results.json")
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return decode(name, data)
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

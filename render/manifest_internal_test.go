package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
)

// checkEncode fails when the streamed encoding of m differs from Marshal's.
func checkEncode(t *testing.T, m *Manifest) {
	t.Helper()
	want, err := m.Marshal()
	if err != nil {
		t.Skip("not a manifest Marshal encodes:", err)
	}
	var got bytes.Buffer
	if err := m.encode(&got); err != nil {
		t.Fatalf("encode: %v", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("encode differs from Marshal:\n%s\nwant:\n%s", got.Bytes(), want)
	}
}

func TestEncodeIsMarshal(t *testing.T) {
	file := func(i int) File {
		return File{
			Path: fmt.Sprintf("dir%d/file%d.conf", i%3, i), Template: fmt.Sprintf("dir%d/file%d.conf.tmpl", i%3, i),
			Renderer: TemplateRenderer, Level: blueprint.Shared, Mode: 0o644, Size: int64(i * 100), SHA256: strings.Repeat("ab", 32),
		}
	}
	odd := file(1)
	odd.Path, odd.Template, odd.Part = "a \"quoted\" <b> & \\ é\t\u2028\x7f.txt", "x\x00y", "db"
	odd.Mode, odd.Level, odd.Size = 0o755, blueprint.Seeded, -1
	many := make([]File, 1000)
	for i := range many {
		many[i] = file(i)
	}
	for name, m := range map[string]*Manifest{
		"nil files":   {Schema: 1, Parameters: json.RawMessage(`{"a":1}`)},
		"empty files": {Schema: 1, Parameters: json.RawMessage(`{}`), Files: []File{}, Decisions: []DecisionRef{}},
		"one file":    {Schema: 1, Generator: "g", Parameters: json.RawMessage(`{"files": null}`), Files: []File{file(0)}},
		"odd file":    {Schema: 1, Parameters: json.RawMessage(`{"x":"\n  \"files\": null"}`), Files: []File{file(0), odd}, Dirs: []string{"empty"}},
		"1000 files, dirs, conflicts, includes": {
			Schema: 1, Generator: "goldenpath (devel)",
			Blueprint:  BlueprintRef{Name: "files", Version: "1.0.0", Source: "./files", Digest: "sha256:00", Tags: []string{"go"}},
			Parameters: json.RawMessage(`{"name":"svc","files":[1,2]}`),
			Includes:   []IncludeRef{{Name: "db", Dir: "db", Blueprint: BlueprintRef{Name: "db"}, Parameters: json.RawMessage(`{"files":null}`)}},
			Decisions:  []DecisionRef{{ID: "ADR-0001", Version: "2", Digest: "sha256:11"}},
			Files:      many, Dirs: []string{"a", "b"},
			Conflicts: []FileConflict{{Path: "dir0/file0.conf", Upgrade: "files 2.0.0", Markers: true}},
		},
	} {
		t.Run(name, func(t *testing.T) { checkEncode(t, m) })
	}
}

// FuzzManifestEncode checks that the streamed encoding of any manifest
// JSON can describe is Marshal's, byte for byte.
func FuzzManifestEncode(f *testing.F) {
	f.Add(`{"schema":1,"generator":"g","blueprint":{"name":"a","version":"1.0.0","source":"s","digest":"d"},"parameters":{"a":1},"decisions":[],"files":[{"path":"a.txt","template":"a.txt","renderer":"copy","level":"shared","mode":"0644","size":1,"sha256":"00"}]}`)
	f.Add(`{"schema":1,"parameters":{"files":null},"files":[{"path":"<&>\u2028\ufffd","part":"p","mode":"0755","size":-5}],"dirs":["d"]}`)
	f.Add(`{"schema":1,"parameters":{},"files":[]}`)
	f.Add(`{"schema":1,"parameters":{}}`)
	f.Fuzz(func(t *testing.T, data string) {
		var m Manifest
		if json.Unmarshal([]byte(data), &m) != nil {
			return
		}
		checkEncode(t, &m)
	})
}

package render_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/render"
)

// FuzzDecodeManifest reads arbitrary manifests: a manifest that decodes
// never names a path outside the project, and re-encodes to one that
// decodes the same.
func FuzzDecodeManifest(f *testing.F) {
	f.Add(`{"schema":1,"generator":"g","blueprint":{"name":"a","version":"1.0.0","source":"s","digest":"d"},"parameters":{"a":1},"decisions":[],"files":[{"path":"a.txt","template":"a.txt","renderer":"copy","level":"shared","mode":"0644","size":1,"sha256":"` + strings.Repeat("a", 64) + `"}]}`)
	f.Add(`{"schema":1,"parameters":{},"files":[{"path":"../x","sha256":"00"}]}`)
	f.Add(`{"schema":1,"parameters":{},"dirs":["/abs"]}`)
	f.Add(`{"schema":1,"parameters":{},"conflicts":[{"path":"a.yaml","upgrade":"x 2.0.0","markers":true,"keys":["a.b"],"lines":[3]},{"path":"b.bin","upgrade":"x 2.0.0","saved":".goldenpath/conflicts/b.bin"}]}`)
	f.Add(`{"schema":1,"parameters":{},"conflicts":[{"path":"a","upgrade":"x","saved":".goldenpath/conflicts/../../etc/passwd"}]}`)
	f.Fuzz(func(t *testing.T, data string) {
		m, err := render.DecodeManifest(strings.NewReader(data))
		if err != nil {
			return
		}
		for _, file := range m.Files {
			if !filepath.IsLocal(file.Path) || strings.HasPrefix(file.Path, ".goldenpath") {
				t.Fatalf("accepted path %q", file.Path)
			}
		}
		for _, c := range m.Conflicts {
			if !filepath.IsLocal(c.Path) || strings.HasPrefix(c.Path, ".goldenpath") {
				t.Fatalf("accepted conflict path %q", c.Path)
			}
			if c.Saved != "" && (!filepath.IsLocal(c.Saved) || !strings.HasPrefix(c.Saved, render.ConflictsDir+"/") || strings.Contains(c.Saved, "..")) {
				t.Fatalf("accepted conflict copy %q", c.Saved)
			}
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := render.DecodeManifest(strings.NewReader(string(out))); err != nil {
			t.Fatalf("re-encoded manifest does not decode: %v\n%s", err, out)
		}
	})
}

// FuzzOutputPath renders a file whose path is templated by a parameter:
// whatever the value, the render either fails or writes inside the target.
func FuzzOutputPath(f *testing.F) {
	for _, s := range []string{"svc", "..", "a/b", "", ".git", ".goldenpath", `..\x`, "/etc", "a\x00b", "C:"} {
		f.Add(s)
	}
	dir := f.TempDir()
	bpDir := filepath.Join(dir, "bp")
	os.MkdirAll(filepath.Join(bpDir, "template", "{{.name}}"), 0o755)
	os.WriteFile(filepath.Join(bpDir, "blueprint.cue"), []byte(`name: "p"
version: "1.0.0"
description: "d"
owner: "o"
parameters: name: string
`), 0o644)
	os.WriteFile(filepath.Join(bpDir, "template", "{{.name}}", "x.txt"), []byte("x"), 0o644)
	bp, err := blueprint.LoadDir(context.Background(), bpDir, nil)
	if err != nil {
		f.Fatal(err)
	}
	e, err := render.New(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name string) {
		params, err := bp.Resolve(context.Background(), blueprint.ValuesMap(map[string]any{"name": name}))
		if err != nil {
			return
		}
		base := t.TempDir()
		target := filepath.Join(base, "out")
		plan, err := e.Render(context.Background(), bp, params, target, nil)
		entries, _ := os.ReadDir(base)
		if err != nil {
			if len(entries) != 0 {
				t.Fatalf("failed render left %d entries next to the target", len(entries))
			}
			return
		}
		if len(entries) != 1 || entries[0].Name() != "out" {
			t.Fatalf("render wrote outside the target: %v", entries)
		}
		for _, file := range plan.Manifest.Files {
			if !filepath.IsLocal(file.Path) {
				t.Fatalf("rendered to %q", file.Path)
			}
		}
	})
}

// FuzzReadTargets reads arbitrary targets files: every target read has a
// dir and a unique ID, and relative dirs end up under the base.
func FuzzReadTargets(f *testing.F) {
	f.Add("- {id: a, dir: a, source: ../bp, values: {name: a}}\n- {dir: /abs}\n")
	f.Add(`{"id": "a", "dir": "a"}` + "\n" + `{"id": "b", "dir": "../b"}`)
	f.Add("- id: a\n  dir: x\n- id: a\n  dir: y\n")
	f.Add("[]")
	f.Fuzz(func(t *testing.T, data string) {
		ts, err := render.ReadTargets(strings.NewReader(data), "/base")
		if err != nil {
			return
		}
		ids := map[string]bool{}
		for _, tg := range ts {
			if tg.Dir == "" || tg.ID == "" || ids[tg.ID] {
				t.Fatalf("accepted target %+v", tg)
			}
			ids[tg.ID] = true
			if !filepath.IsAbs(tg.Dir) {
				t.Fatalf("dir %q not made absolute", tg.Dir)
			}
		}
	})
}

// FuzzRecover completes arbitrary journals: whatever the journal says,
// Recover (and so OpenProject) writes nothing outside the project, and a
// project it leaves without a journal opens read-only.
func FuzzRecover(f *testing.F) {
	f.Add(`{"staging":"staging-1","ops":[{"kind":"write","path":"a.txt"}]}`)
	f.Add(`{"staging":"staging-1","ops":[{"kind":"remove","path":"../outside/x.txt"}]}`)
	f.Add(`{"staging":"../../outside","ops":[{"kind":"write","path":"x.txt"}]}`)
	f.Add(`{"staging":"staging-1","ops":[{"kind":"stash","path":".goldenpath/manifest.json"},{"kind":"mkdir","path":"/tmp/x"}]}`)
	f.Add(`{"staging":"staging-1","ops":[{"kind":"save","path":"a.txt"},{"kind":"write","path":".goldenpath/conflicts/../../x"}]}`)
	f.Fuzz(func(t *testing.T, journal string) {
		parent := t.TempDir()
		dir, outside := filepath.Join(parent, "p"), filepath.Join(parent, "outside")
		for _, p := range []string{
			filepath.Join(dir, "a.txt"), filepath.Join(dir, ".goldenpath", "staging-1", "a.txt"),
			filepath.Join(dir, ".goldenpath", "staging-1", ".goldenpath", "manifest.json"),
			filepath.Join(outside, "x.txt"),
		} {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("data\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, ".goldenpath", "journal.json"), []byte(journal), 0o644); err != nil {
			t.Fatal(err)
		}
		err := render.Recover(dir)
		if data, rerr := os.ReadFile(filepath.Join(outside, "x.txt")); rerr != nil || string(data) != "data\n" {
			t.Fatalf("journal %q changed a file outside the project: %v", journal, rerr)
		}
		entries, _ := os.ReadDir(parent)
		if len(entries) != 2 {
			t.Fatalf("journal %q wrote beside the project: %v", journal, entries)
		}
		if err == nil {
			if _, serr := os.Stat(filepath.Join(dir, ".goldenpath", "journal.json")); serr == nil {
				t.Fatalf("Recover succeeded and left the journal %q", journal)
			}
		}
	})
}

// FuzzMarkerLines: whatever a file holds, the conflict markers found are
// lines of it that start with "<<<<<<<", in order.
func FuzzMarkerLines(f *testing.F) {
	f.Add("a\n<<<<<<< project\nb\n=======\nc\n>>>>>>> svc 2.0.0\nd\n")
	f.Add("<<<<<<< project\r\n||||||| base\r\n=======\r\n>>>>>>> up")
	f.Add("<<<<<<<\n=======\n<<<<<<< x\n=======\n>>>>>>>\n")
	f.Add("=======\n>>>>>>> x\n")
	f.Fuzz(func(t *testing.T, data string) {
		lines := strings.SplitAfter(data, "\n")
		prev := 0
		for _, n := range render.MarkerLines([]byte(data)) {
			if n <= prev || n > len(lines) || !strings.HasPrefix(lines[n-1], "<<<<<<<") {
				t.Fatalf("marker line %d of %q", n, data)
			}
			prev = n
		}
	})
}

// FuzzStagingOf matches directory names against the staging directories of
// a fleet's targets: a match is a name Recover's glob for that target
// matches, and the staging directory of a target is always matched (by that
// target or by another whose name it begins with).
func FuzzStagingOf(f *testing.F) {
	f.Add(".svc.goldenpath-123", "svc", "other", "")
	f.Add(".svc.goldenpath-x.goldenpath-9", "svc.goldenpath-x", "svc", "9")
	f.Add("svc.goldenpath-1", "svc", "", "1")
	f.Add(".goldenpath-", "", ".goldenpath-", "")
	f.Fuzz(func(t *testing.T, name, a, b, suffix string) {
		bases := map[string]bool{a: true, b: true}
		check := func(name string) (string, bool) {
			base, ok := render.StagingOf(name, bases)
			if !ok {
				return "", false
			}
			if !bases[base] {
				t.Fatalf("stagingOf(%q) = %q, not one of %q, %q", name, base, a, b)
			}
			if !strings.HasPrefix(name, "."+base+".goldenpath-") {
				t.Fatalf("stagingOf(%q) = %q, but the name is not its staging directory", name, base)
			}
			if !strings.ContainsAny(base+name, `*?[\/`) {
				if m, err := filepath.Match("."+base+".goldenpath-*", name); err != nil || !m {
					t.Fatalf("stagingOf(%q) = %q, which Recover's glob does not match (%v)", name, base, err)
				}
			}
			return base, true
		}
		check(name)
		if _, ok := check("." + a + ".goldenpath-" + suffix); !ok {
			t.Fatalf("the staging directory of %q with suffix %q is not matched", a, suffix)
		}
	})
}

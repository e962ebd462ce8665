// Command benchbaseline is the plain Go program that gp's whole-process
// benchmarks (examples/cli/process_bench_test.go) are measured against. It
// does what a render must do and nothing else: parse each template with
// text/template, execute it with the workload's values, write the file with
// os.WriteFile and hash it with SHA-256, in one goroutine. It has no
// parameter schema, no manifest, no atomic commit and no limits.
//
//	benchbaseline -t TEMPLATE_DIR -o OUT
//	benchbaseline -t TEMPLATE_DIR -o OUT --projects N
//	benchbaseline --gen DIR --files N
//	benchbaseline --check DIR...
//
// (Go's flag package takes one dash or two before any flag: --help prints
// the flags as gp does.) The first form renders every file of TEMPLATE_DIR
// once into OUT (".tmpl" is dropped from the names). With --projects it parses the templates once and
// renders them for N parameter sets into OUT/p0000, OUT/p0001, …, the value
// v0 being the project's name, as gp fleet render does for a targets file.
// With --gen it writes the workload itself: a blueprint in DIR with N template
// files of about 2 KB in N/10 directories, each with 10 substitutions, one if
// and one range over a 10-item list (the workload of render's in-process
// benchmarks), so that the benchmarks and the peers' script share one.
// With --check it is the floor of gp scan: for each project DIR, it reads
// the manifest gp wrote (.goldenpath/manifest.json), hashes every file it
// lists with SHA-256 and compares the digest with the recorded one, one
// project after the other, printing the number of files that differ.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/goldenpath-dev/goldenpath/examples/internal/flagusage"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

const usage = `usage: benchbaseline -t TEMPLATE_DIR -o OUT [--projects N]
       benchbaseline --gen DIR [--files N]
       benchbaseline --check DIR...

Flags:
`

func main() {
	tdir := flag.String("t", "", "the template directory `TEMPLATE_DIR`")
	out := flag.String("o", "", "the output directory `OUT`")
	projects := flag.Int("projects", 0, "render the templates for `N` parameter sets (0: once, into OUT)")
	gen := flag.String("gen", "", "write the workload blueprint into `DIR` and exit")
	files := flag.Int("files", 5000, "the workload's number `N` of template files, with --gen")
	check := flag.Bool("check", false, "hash-compare the files of the projects given as arguments with their manifests")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flagusage.Print(flag.CommandLine)
	}
	flag.Parse()
	if *check {
		if err := checkProjects(flag.Args()); err != nil {
			fmt.Fprintln(os.Stderr, "benchbaseline:", err)
			os.Exit(1)
		}
		return
	}
	if *gen != "" {
		if err := generate(*gen, *files); err != nil {
			fmt.Fprintln(os.Stderr, "benchbaseline:", err)
			os.Exit(1)
		}
		return
	}
	if *tdir == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: benchbaseline -t TEMPLATE_DIR -o OUT [-projects N]")
		os.Exit(2)
	}
	if err := run(*tdir, *out, *projects); err != nil {
		fmt.Fprintln(os.Stderr, "benchbaseline:", err)
		os.Exit(1)
	}
}

// values returns the workload's parameter values for the project named name
// (the blueprint's defaults, v0 set to the name).
func values(name string) map[string]any {
	return map[string]any{
		"v0": name, "v1": "bravo", "v2": "charlie", "v3": "delta", "v4": "echo",
		"v5": int64(5), "v6": int64(6), "v7": int64(7), "v8": true, "v9": "india",
		"flag":  true,
		"items": []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"},
	}
}

func run(tdir, out string, projects int) error {
	var rels []string
	err := filepath.WalkDir(tdir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(tdir, p)
			rels = append(rels, rel)
		}
		return err
	})
	if err != nil {
		return err
	}
	if projects == 0 {
		// Render once: parse each file as it is read, as a one-off render must.
		data := values("alpha")
		for _, rel := range rels {
			src, err := os.ReadFile(filepath.Join(tdir, rel))
			if err != nil {
				return err
			}
			t, err := template.New(rel).Parse(string(src))
			if err != nil {
				return err
			}
			if err := write(t, data, out, rel); err != nil {
				return err
			}
		}
		return nil
	}
	// A fleet: parse every template once, render them for each project.
	ts := make([]*template.Template, len(rels))
	for i, rel := range rels {
		src, err := os.ReadFile(filepath.Join(tdir, rel))
		if err != nil {
			return err
		}
		if ts[i], err = template.New(rel).Parse(string(src)); err != nil {
			return err
		}
	}
	for p := range projects {
		name := fmt.Sprintf("p%04d", p)
		data := values(name)
		for i, rel := range rels {
			if err := write(ts[i], data, filepath.Join(out, name), rel); err != nil {
				return err
			}
		}
	}
	return nil
}

func write(t *template.Template, data map[string]any, root, rel string) error {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return err
	}
	dst := filepath.Join(root, strings.TrimSuffix(rel, ".tmpl"))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		return err
	}
	_ = sha256.Sum256(buf.Bytes())
	return nil
}

// workloadCUE is the workload blueprint's blueprint.cue.
const workloadCUE = `name: "bench"
version: "1.0.0"
description: "generated benchmark workload"
owner: "bench"
parameters: {
	v0: string | *"alpha"
	v1: string | *"bravo"
	v2: string | *"charlie"
	v3: string | *"delta"
	v4: string | *"echo"
	v5: int | *5
	v6: int | *6
	v7: int | *7
	v8: bool | *true
	v9: string | *"india"
	flag: bool | *true
	items: [...string] | *["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
}
`

// generate writes the workload blueprint with n template files into dir.
func generate(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "blueprint.cue"), []byte(workloadCUE), 0o644); err != nil {
		return err
	}
	dirs := max(n/10, 1)
	for i := range n {
		var t strings.Builder
		fmt.Fprintf(&t, "// generated file %d\n", i)
		for j := range 10 {
			fmt.Fprintf(&t, "setting_%d = {{.v%d}} # %s\n", j, j, strings.Repeat("x", 100))
		}
		t.WriteString("{{if .flag}}enabled = true # " + strings.Repeat("y", 150) + "\n{{end}}")
		t.WriteString("{{range .items}}item = {{.}} # " + strings.Repeat("z", 40) + "\n{{end}}")
		for t.Len() < 2048 {
			t.WriteString("# " + strings.Repeat("p", 70) + "\n")
		}
		p := filepath.Join(dir, "template", fmt.Sprintf("dir%03d", i%dirs), fmt.Sprintf("file%05d.conf.tmpl", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(t.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// checkProjects is -check: each project's files against its manifest.
func checkProjects(dirs []string) error {
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, ".goldenpath", "manifest.json"))
		if err != nil {
			return err
		}
		var m struct {
			Files []struct {
				Path   string `json:"path"`
				SHA256 string `json:"sha256"`
			} `json:"files"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		changed := 0
		for _, f := range m.Files {
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
			if err != nil {
				changed++
				continue
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != f.SHA256 {
				changed++
			}
		}
		fmt.Printf("%s: %d changed\n", dir, changed)
	}
	return nil
}

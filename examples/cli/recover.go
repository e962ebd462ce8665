package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goldenpath-dev/goldenpath/examples/internal/english"
	"github.com/goldenpath-dev/goldenpath/render"
)

var recoverCmd = &command{
	name:    "recover",
	summary: "complete an interrupted render or upgrade of a project",
	usage:   "recover DIR [--json]",
	help: `
Recover completes a render or an upgrade of the project in DIR that was
interrupted (the process killed, the machine stopped) after it committed:
every file is brought to the new version. The staged files of one that had
not committed are removed, leaving the old version. Either way the project
is then one version, never a mix of two.

Commands that only read a project (render --dry-run, scan, decisions check,
fleet check, upgrade --dry-run) refuse one with an interrupted apply pending
and say to run gp recover; render, upgrade and fleet render or upgrade
complete it themselves before they write. Run recover while no other gp
command writes the project.

With --json it prints one object: {"dir": DIR, "blueprint": NAME,
"version": VERSION, "files": N, "completed": true when an interrupted
apply was completed, false when there was nothing to recover}.`,
	example: "gp recover services/orders",
	setup: func(fs *flag.FlagSet) runFunc {
		asJSON := fs.Bool("json", false, "print the result as JSON")
		return func(ctx context.Context, e *env, args []string) error {
			if err := exactArgs(args, "DIR"); err != nil {
				return err
			}
			dir := args[0]
			if err := checkProjectDir(dir); err != nil {
				return err
			}
			pending := false
			if root, err := os.OpenRoot(dir); err == nil {
				_, err := render.OpenProjectFS(root.FS(), dir)
				var pe *render.PendingError
				pending = errors.As(err, &pe)
				root.Close()
			}
			if err := render.Recover(dir); err != nil {
				return err
			}
			p, err := render.OpenProject(dir)
			if err != nil {
				return err
			}
			m := p.Manifest()
			if *asJSON {
				return writeJSON(e.stdout, recoverOutput{Dir: dir, Blueprint: m.Blueprint.Name, Version: m.Blueprint.Version, Files: len(m.Files), Completed: pending})
			}
			state := "nothing to recover"
			if pending {
				state = "completed the interrupted apply"
			}
			_, err = fmt.Fprintf(e.stdout, "%s: %s %s, %s (%s)\n", dir, m.Blueprint.Name, m.Blueprint.Version, english.Count(len(m.Files), "file"), state)
			return err
		}
	},
}

// recoverOutput is what gp recover --json prints.
type recoverOutput struct {
	Dir       string `json:"dir"`
	Blueprint string `json:"blueprint"`
	Version   string `json:"version"`
	Files     int    `json:"files"`
	// Completed is true when an interrupted apply was completed.
	Completed bool `json:"completed"`
}

// readProject opens the project rendered in dir for a command that only
// reads it: nothing is written, and a project with an interrupted apply
// pending is refused ("run gp recover DIR") rather than read as a mix of
// two versions. close releases the directory.
func readProject(dir string) (p *render.Project, close func(), err error) {
	if err := checkProjectDir(dir); err != nil {
		return nil, nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, err
	}
	p, err = render.OpenProjectFS(root.FS(), filepath.Clean(dir))
	if err != nil {
		root.Close()
		return nil, nil, err
	}
	return p, func() { root.Close() }, nil
}

// readTarget is readProject for a directory that may hold no project yet:
// a directory that does not exist or is empty gives a nil Project.
func readTarget(dir string) (p *render.Project, close func(), err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(entries) == 0 {
		return nil, func() {}, nil
	}
	return readProject(dir)
}

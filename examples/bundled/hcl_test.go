package bundled

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/goldenpath-dev/goldenpath/blueprint/blueprinttest"
)

// terraformModule is what the Terraform files of one module directory
// declare and reference.
type terraformModule struct {
	variables, locals map[string]bool
	refs              []terraformRef
}

type terraformRef struct {
	kind, name string // "var" or "local"
	pos        hcl.Range
}

// terraform is the check that every Terraform file (.tf, .tftest.hcl,
// .tflint.hcl) parses as HCL, and that every var.X and local.X a module
// references is declared in that module; tests/*.tftest.hcl belong to the
// module above them, and their variables blocks may only set declared
// variables.
func terraform() blueprinttest.MatrixCheck {
	return blueprinttest.MatrixCheck{Name: "terraform", Func: func(_ context.Context, p *blueprinttest.Project) error {
		parser := hclparse.NewParser()
		mods := map[string]*terraformModule{}
		mod := func(dir string) *terraformModule {
			if mods[dir] == nil {
				mods[dir] = &terraformModule{variables: map[string]bool{}, locals: map[string]bool{}}
			}
			return mods[dir]
		}
		var errs []error
		err := fs.WalkDir(os.DirFS(p.Dir), ".", func(rel string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if !strings.HasSuffix(rel, ".tf") && !strings.HasSuffix(rel, ".hcl") {
				return nil
			}
			src, err := os.ReadFile(filepath.Join(p.Dir, filepath.FromSlash(rel)))
			if err != nil {
				return err
			}
			f, diags := parser.ParseHCL(src, rel)
			if diags.HasErrors() {
				errs = append(errs, diags)
				return nil
			}
			dir := path.Dir(rel)
			isTest := strings.HasSuffix(rel, ".tftest.hcl")
			if isTest && path.Base(dir) == "tests" {
				dir = path.Dir(dir)
			}
			m := mod(dir)
			body := f.Body.(*hclsyntax.Body)
			for _, b := range body.Blocks {
				switch {
				case b.Type == "variable" && len(b.Labels) == 1:
					m.variables[b.Labels[0]] = true
				case b.Type == "locals":
					for name := range b.Body.Attributes {
						m.locals[name] = true
					}
				case b.Type == "variables" && isTest:
					for name, a := range b.Body.Attributes {
						m.refs = append(m.refs, terraformRef{"var", name, a.SrcRange})
					}
				}
			}
			// Nested variables blocks of run blocks set variables too.
			hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
				switch n := n.(type) {
				case *hclsyntax.Block:
					if isTest && n.Type == "run" {
						for _, vb := range n.Body.Blocks {
							if vb.Type == "variables" {
								for name, a := range vb.Body.Attributes {
									m.refs = append(m.refs, terraformRef{"var", name, a.SrcRange})
								}
							}
						}
					}
				case *hclsyntax.ScopeTraversalExpr:
					root := n.Traversal.RootName()
					if (root == "var" || root == "local") && len(n.Traversal) > 1 {
						if a, ok := n.Traversal[1].(hcl.TraverseAttr); ok {
							m.refs = append(m.refs, terraformRef{root, a.Name, n.SrcRange})
						}
					}
				}
				return nil
			})
			return nil
		})
		errs = append(errs, err)
		dirs := make([]string, 0, len(mods))
		for d := range mods {
			dirs = append(dirs, d)
		}
		slices.Sort(dirs)
		for _, d := range dirs {
			m := mods[d]
			for _, r := range m.refs {
				declared := m.variables
				what := "variable"
				if r.kind == "local" {
					declared, what = m.locals, "local value"
				}
				if !declared[r.name] {
					errs = append(errs, fmt.Errorf("%s: %s.%s: no %s %q is declared in module %s", r.pos, r.kind, r.name, what, r.name, d))
				}
			}
		}
		return errors.Join(errs...)
	}}
}

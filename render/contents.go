package render

import "context"

// Contents renders plan again, without writing anything, and calls fn with
// each file's manifest entry and content, one file at a time, in path
// order. It is how a tool compares a project with what its blueprint
// renders — drift, desire paths — without a scratch directory. The
// rendered content must still match the plan (the renderers are
// deterministic); fn's error stops the walk and is returned.
func (e *Engine) Contents(ctx context.Context, plan *Plan, fn func(f File, content []byte) error) error {
	s := &memSink{files: map[string]memFile{}}
	files, _, err := e.run(ctx, plan.blueprint, plan.params, s)
	if err != nil {
		return err
	}
	if err := sameFiles(plan.Manifest.Files, files); err != nil {
		return err
	}
	for _, f := range files {
		if err := fn(f, s.files[f.Path].data); err != nil {
			return err
		}
	}
	return nil
}

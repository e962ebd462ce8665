package blueprint

import (
	"errors"
	"slices"
)

// CheckRenderers reports the files rules of b, and of the blueprints it
// includes, that name a renderer not in known: one *UnknownRendererError
// per rule, joined (errors.As finds the first). It returns nil when every
// name is known.
func (b *Blueprint) CheckRenderers(known []string) error {
	if b == nil {
		return nil
	}
	errs := []error{b.checkRenderers(known)}
	for _, inc := range b.includes {
		errs = append(errs, inc.Blueprint.CheckRenderers(known))
	}
	return errors.Join(errs...)
}

// checkRenderers checks b's own files rules.
func (b *Blueprint) checkRenderers(known []string) error {
	var errs []error
	var sorted []string
	for _, r := range b.Files {
		if r.Renderer == "" || slices.Contains(known, r.Renderer) {
			continue
		}
		if sorted == nil {
			sorted = slices.Sorted(slices.Values(known))
		}
		name := b.Name
		if name == "" {
			name = b.Source
		}
		errs = append(errs, &UnknownRendererError{
			Blueprint: name,
			Glob:      r.Glob,
			Renderer:  r.Renderer,
			Pos:       b.rendererPos[r.Glob],
			Known:     slices.Clone(sorted),
		})
	}
	return errors.Join(errs...)
}

package render

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/goldenpath-dev/goldenpath/blueprint"
	"github.com/goldenpath-dev/goldenpath/decision"
)

// Plan is what a render would write: every file with its path, mode, level,
// size, hash and renderer, in the manifest the render would record. A Plan
// holds no file contents.
type Plan struct {
	// Manifest is the manifest the render writes into the project.
	Manifest *Manifest

	blueprint *blueprint.Blueprint
	params    *blueprint.Params
	eval      *decision.Evaluation
}

// MarshalJSON writes the plan's JSON form, the one gp render --json
// prints: {"manifest": ..., "decisions": ...}, where manifest is the
// manifest the render records (docs/manifest.md) and decisions the
// evaluation of the decisions in force (Plan.Evaluation), left out when there
// was none. Fields are only ever added to this form.
func (p Plan) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Manifest  *Manifest            `json:"manifest"`
		Decisions *decision.Evaluation `json:"decisions,omitempty"`
	}{p.Manifest, p.eval})
}

// Blueprint returns the blueprint the plan renders.
func (p *Plan) Blueprint() *blueprint.Blueprint { return p.blueprint }

// Params returns the parameters the plan renders with.
func (p *Plan) Params() *blueprint.Params { return p.params }

// Plan renders bp with params without writing anything and returns what
// would be written.
func (e *Engine) Plan(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params) (*Plan, error) {
	return e.plan(ctx, bp, params, discard{})
}

func (e *Engine) plan(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params, s sink) (*Plan, error) {
	return e.planWith(ctx, bp, params, s, nil)
}

func (e *Engine) planWith(ctx context.Context, bp *blueprint.Blueprint, params *blueprint.Params, s sink, opts *PlanOptions) (*Plan, error) {
	e.init()
	if bp == nil || params == nil {
		return nil, fmt.Errorf("render: nil blueprint or parameters")
	}
	if opts == nil {
		opts = &PlanOptions{}
	}
	var inForce []partDecisions
	var capture *captureSink
	if e.decisions != nil && !opts.noDecisions {
		var want func(string) bool
		inForce, want = e.decisionsInForce(params)
		capture = &captureSink{next: s, want: want, files: map[string][]byte{}}
		s = capture
	}
	conc := e.conc
	if opts.sequential {
		conc = 1
	}
	files, dirs, err := e.runN(ctx, bp, params, s, conc)
	if err != nil {
		return nil, err
	}
	pj, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	m := &Manifest{
		Schema:    ManifestSchema,
		Generator: e.generator,
		Blueprint: BlueprintRef{
			Name:      bp.Name,
			Version:   bp.Version,
			Source:    bp.Source,
			Revision:  bp.Revision,
			Digest:    bp.Digest,
			Tags:      bp.Tags,
			Decisions: bp.Decisions,
		},
		Parameters: pj,
		Decisions:  []DecisionRef{},
		Files:      files,
		Dirs:       dirs,
	}
	seen := map[string]bool{}
	for _, part := range params.Parts() {
		if part.Name != "" {
			b := part.Blueprint
			ipj, err := json.Marshal(part.Params)
			if err != nil {
				return nil, err
			}
			m.Includes = append(m.Includes, IncludeRef{Name: part.Name, Dir: part.Dir, Parameters: ipj, Blueprint: BlueprintRef{
				Name: b.Name, Version: b.Version, Source: b.Source, Revision: b.Revision, Digest: b.Digest,
				Tags: b.Tags, Decisions: b.Decisions,
			}})
		}
		for _, id := range part.Blueprint.Decisions {
			if !seen[id] {
				seen[id] = true
				m.Decisions = append(m.Decisions, DecisionRef{ID: id})
			}
		}
	}
	plan := &Plan{Manifest: m, blueprint: bp, params: params}
	if capture != nil {
		if plan.eval, err = e.evaluate(ctx, bp, inForce, m, capture.files, opts); err != nil {
			return nil, err
		}
		if err := plan.eval.Err(); err != nil {
			return nil, err
		}
	}
	e.log.DebugContext(ctx, "planned", "blueprint", bp.Name, "version", bp.Version, "files", len(files))
	return plan, nil
}

// Levels counts the plan's files per responsibility level.
func (p *Plan) Levels() map[blueprint.Level]int {
	out := map[blueprint.Level]int{}
	for _, f := range p.Manifest.Files {
		out[f.Level]++
	}
	return out
}

// sameFiles reports the first difference between two sorted file lists.
func sameFiles(want, got []File) error {
	if len(want) != len(got) {
		return fmt.Errorf("planned %d files, rendered %d", len(want), len(got))
	}
	for i := range want {
		if want[i] != got[i] {
			return fmt.Errorf("%s: rendered content differs from the plan (renderer %s is not deterministic, or the inputs changed)", got[i].Path, got[i].Renderer)
		}
	}
	return nil
}

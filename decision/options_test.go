package decision_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/decision"
)

// TestOptionsOverrideTheDefaults changes each default of Options: a status
// word added and one redefined, skip patterns, the ID scheme.
func TestOptionsOverrideTheDefaults(t *testing.T) {
	fsys := fstest.MapFS{
		"0001-a.md":      {Data: []byte("# 1. A\n\n## Status\n\nParked\n")},
		"0002-b.md":      {Data: []byte("# 2. B\n\n## Status\n\nDone\n")},
		"3-c.md":         {Data: []byte("# C\n\n## Status\n\nIm Einsatz\n\nRelates to ADR-1\n")},
		"drafts/0004.md": {Data: []byte("# D\n\n## Status\n\nAccepted\n")},
		"README.md":      {Data: []byte("# 5. The readme is a record here\n\n## Status\n\nAccepted\n")},
	}
	ctx := context.Background()

	reg, err := decision.LoadFS(ctx, fsys, "", nil)
	require.NoError(t, err)
	a, _ := reg.Get("ADR-0001")
	assert.Equal(t, decision.Unknown, a.Status, "parked is not in the default table")
	b, _ := reg.Get("ADR-2")
	assert.Equal(t, decision.Accepted, b.Status, "done is accepted by default")
	assert.Equal(t, 4, reg.Len(), "README.md is skipped by default")

	reg, err = decision.LoadFS(ctx, fsys, "", &decision.Options{
		Statuses: map[string]decision.Status{"parked": decision.Proposed, "done": decision.Deprecated, "Im  Einsatz": decision.Accepted},
		Skip:     []string{"drafts/*"},
		IDPrefix: "DR",
		IDDigits: 3,
	})
	require.NoError(t, err)
	var got []string
	for _, d := range reg.List(decision.Filter{}) {
		got = append(got, d.ID+" "+string(d.Status)+" "+d.StatusText)
	}
	assert.Equal(t, []string{"DR-001 proposed Parked", "DR-002 deprecated Done", "DR-003 accepted Im Einsatz", "DR-005 accepted Accepted"}, got)
	c, ok := reg.Get("ADR 3")
	require.True(t, ok, "an ADR citation finds the record under the scheme's prefix")
	assert.Equal(t, []string{"DR-001"}, c.Linked(decision.Relates))
	var notes []string
	for _, p := range reg.Problems() {
		if p.Note {
			notes = append(notes, p.String())
		}
	}
	assert.Equal(t, []string{`drafts/0004.md:1:1: note: skipped: not a record by the pattern "drafts/*"`}, notes)

	// Settings that cannot mean anything are refused, not ignored.
	_, err = decision.LoadFS(ctx, fsys, "", &decision.Options{Skip: []string{"["}})
	assert.ErrorContains(t, err, `skip pattern "["`)
	_, err = decision.LoadFS(ctx, fsys, "", &decision.Options{Statuses: map[string]decision.Status{"parked": "parked"}})
	assert.ErrorContains(t, err, `Options.Statuses["parked"]: "parked" is not a status`)
	_, err = decision.LoadFS(ctx, fsys, "", &decision.Options{IDPrefix: "ADR-"})
	assert.ErrorContains(t, err, `Options.IDPrefix "ADR-"`)
	_, err = decision.ParseWith("0001-a.md", fsys["0001-a.md"].Data, &decision.Options{IDDigits: 12})
	assert.ErrorContains(t, err, "Options.IDDigits 12")
}

// TestNothingLoadsIsAnError loads folders where no record loads: an error
// at the folder (its path and no line, in text and in JSON), with the
// registry and every skipped file as a note.
func TestNothingLoadsIsAnError(t *testing.T) {
	fsys := fstest.MapFS{
		"adr/README.md":          {Data: []byte("# Decisions\n")},
		"adr/template.md":        {Data: []byte("# {title}\n")},
		"adr/notes/ideas.md":     {Data: []byte("no title\n")},
		"adr/_old/0001-gone.md":  {Data: []byte("# 1. Gone\n")},
		"adr/.github/0002-ci.md": {Data: []byte("# 2. CI\n")},
	}
	reg, err := decision.LoadFS(context.Background(), fsys, "", nil)
	var le *decision.LoadError
	require.True(t, errors.As(err, &le), "error %v", err)
	assert.Equal(t, "no decision records in .: 3 Markdown files, none a record (lint lists why)", le.Problems[0].Message)
	assert.Equal(t, decision.Position{Filename: "."}, le.Problems[0].Pos)
	js, err := json.Marshal(le.Problems[0])
	require.NoError(t, err)
	assert.JSONEq(t, `{"pos": {"file": "."}, "kind": "layout", "message": "no decision records in .: 3 Markdown files, none a record (lint lists why)"}`, string(js))
	require.NotNil(t, reg)
	assert.Equal(t, 0, reg.Len())
	var got []string
	for _, p := range reg.Lint(context.Background(), nil) {
		got = append(got, p.String())
	}
	assert.Equal(t, []string{
		".: no decision records in .: 3 Markdown files, none a record (lint lists why)",
		`adr/README.md:1:1: note: skipped: not a record by the pattern "readme.md"`,
		"adr/notes/ideas.md:1:1: note: skipped: not a decision record (no title and no id)",
		`adr/template.md:1:1: note: skipped: not a record by the pattern "template.md"`,
	}, got)
}

// TestSiteGeneratorFrontMatter loads records with the front matter of
// site generators: their keys are not warned about, and their page IDs
// are not decision IDs.
func TestSiteGeneratorFrontMatter(t *testing.T) {
	d, err := decision.Parse("docs/adr/adr-021-use-grpc.md", []byte(`---
id: adrs-adr021
title: "ADR 012: Use gRPC"
parent: Decisions
nav_order: 21
sidebar_label: ADR021
sidebar_position: 21
description: Why gRPC
layout: default
tags: [api]
slug: /adr/grpc
---

## Status

Accepted
`))
	require.NoError(t, err)
	assert.Equal(t, "ADR-0021", d.ID)
	assert.Equal(t, "Use gRPC", d.Title)
	assert.Equal(t, []string{"api"}, d.Tags)
	var got []string
	for _, p := range d.Problems() {
		got = append(got, p.String())
	}
	assert.Equal(t, []string{"docs/adr/adr-021-use-grpc.md:3:1: ADR-0021: warning: the title says 12, the file name 21: the file's number is the ID"}, got)
}

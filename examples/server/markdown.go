package main

import (
	"bytes"
	"html/template"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// markdown renders the Markdown of decision records as HTML: CommonMark with
// GitHub's tables, strikethrough and autolinks. Raw HTML in a record is
// left out (goldmark's default), so a record cannot put markup or scripts on
// the page.
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

// sectionView is one section of a decision record, rendered.
type sectionView struct {
	Level int
	Title string
	HTML  template.HTML
	// Rules reports that ```cue rule blocks were taken out of the
	// section: the page shows each rule once, in its Rules table.
	Rules bool
}

// renderSection renders a section's Markdown body, leaving out its fenced
// cue blocks (the decision's rules).
func renderSection(level int, title, body string) sectionView {
	src := []byte(body)
	doc := markdown.Parser().Parse(text.NewReader(src))
	sv := sectionView{Level: level, Title: title}
	var drop []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if cb, ok := n.(*ast.FencedCodeBlock); ok && entering && string(cb.Language(src)) == "cue" {
			drop = append(drop, n)
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	for _, n := range drop {
		n.Parent().RemoveChild(n.Parent(), n)
		sv.Rules = true
	}
	var buf bytes.Buffer
	if err := markdown.Renderer().Render(&buf, src, doc); err != nil {
		// Rendering into a buffer fails only on a bug; show the text.
		buf.Reset()
		template.HTMLEscape(&buf, src)
	}
	sv.HTML = template.HTML(buf.String()) // goldmark escapes text and leaves raw HTML out
	return sv
}

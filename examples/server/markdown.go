package main

import (
	"bytes"
	"html/template"
	"io"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown renders the Markdown of decision records as HTML: CommonMark with
// GitHub's tables, strikethrough and autolinks, and fenced code highlighted
// by language. Raw HTML in a record is left out (goldmark's default), so a
// record cannot put markup or scripts on the page.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
	goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(codeRenderer{}, 100))),
)

// codeStyle is the chroma style of code blocks; static/code.css holds its
// classes (TestCodeCSS keeps the file in step with it).
const codeStyle = "github"

// codeFormatter writes highlighted code with CSS classes, never inline
// styles: the pages' Content-Security-Policy allows only the site's own
// stylesheets.
var codeFormatter = chromahtml.New(chromahtml.WithClasses(true))

// codeRenderer renders fenced and indented code blocks highlighted: tokens
// in <span class="…"> inside <pre class="chroma"><code>, the language's
// lexer chosen by the fence's info string (cue, yaml, json, go, sh…), plain
// text for an unknown or missing one.
type codeRenderer struct{}

func (codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, renderCode)
	reg.Register(ast.KindCodeBlock, renderCode)
}

func renderCode(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	var code bytes.Buffer
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		code.Write(seg.Value(src))
	}
	lang := ""
	if fc, ok := n.(*ast.FencedCodeBlock); ok {
		lang = string(fc.Language(src))
	}
	return ast.WalkSkipChildren, highlight(w, lang, code.String())
}

// highlight writes code in the language lang as HTML with chroma's classes.
func highlight(w io.Writer, lang, code string) error {
	lexer := lexers.Fallback
	if lang != "" {
		if l := lexers.Get(lang); l != nil {
			lexer = l
		}
	}
	it, err := chroma.Coalesce(lexer).Tokenise(nil, code)
	if err != nil {
		it, _ = lexers.Fallback.Tokenise(nil, code)
	}
	return codeFormatter.Format(w, styles.Get(codeStyle), it)
}

// highlightHTML is highlight for the pages' templates: {{code "cue" .}}.
func highlightHTML(lang, code string) template.HTML {
	var b bytes.Buffer
	if err := highlight(&b, lang, code); err != nil {
		b.Reset()
		b.WriteString("<pre>")
		template.HTMLEscape(&b, []byte(code))
		b.WriteString("</pre>")
	}
	return template.HTML(b.String()) // chroma escapes the code's text
}

// writeCodeCSS writes the stylesheet of the code blocks' classes.
func writeCodeCSS(w io.Writer) error {
	return codeFormatter.WriteCSS(w, styles.Get(codeStyle))
}

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

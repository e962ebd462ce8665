package main

import (
	"fmt"
	"html/template"
	"strings"
	"unicode/utf8"
)

// barChart is a chart of horizontal bars, each stacked from segments, that
// the server draws as inline SVG: no script, no style sheet needed (colours
// are presentation attributes), every text escaped. Each segment carries a
// <title>, which browsers show on hover and screen readers read; the chart
// has a <title> and a <desc> naming it.
type barChart struct {
	// ID is the chart's element id, unique in the page; its title and
	// description get ID-title and ID-desc.
	ID string
	// Title names the chart; Desc says what it shows, in a sentence.
	Title, Desc string
	// Legend explains the colours, drawn above the bars; none when empty.
	Legend []legendItem
	// Share draws each bar across the whole width: its segments are
	// shares of its total. Otherwise a bar's length is its total, and the
	// longest bar (or Max) fills the width.
	Share bool
	// Max is the total of a full bar when Share is false; 0 means the
	// largest total.
	Max  float64
	Bars []bar
}

// legendItem is one colour of a chart's legend.
type legendItem struct {
	Label, Color string
}

// bar is one bar of a chart.
type bar struct {
	// Label is written left of the bar, shortened to labelRunes; Title is
	// the full label, shown on hover ("" means Label).
	Label, Title string
	// Href, if set, links the label: a path of this server ("/…") or a
	// fragment of the page ("#…"); anything else is not linked.
	Href string
	// Note is written right of the bar: "12 checks".
	Note     string
	Segments []segment
}

// segment is one part of a bar. Segments of value 0 are not drawn.
type segment struct {
	Value float64
	Color string
	// Title describes the segment: "ADR-0012: 2 of 5 checks fail (40%)".
	Title string
	// Text is written inside the segment when it fits: a version.
	Text string
}

// The geometry of a chart, in SVG user units (pixels at 100%).
const (
	chartWidth   = 720
	labelWidth   = 200 // the label column, right-aligned at labelWidth-8
	noteWidth    = 110 // the note column, after the bars
	barAreaX     = labelWidth
	barAreaWidth = chartWidth - labelWidth - noteWidth
	rowHeight    = 24
	barHeight    = 16
	legendHeight = 22
	charWidth    = 7.2 // an estimate of the width of one character at 12px
	labelRunes   = 26
)

// SVG returns the chart as an <svg> element, for html/template.
func (c *barChart) SVG() template.HTML {
	var b strings.Builder
	top := 0.0
	if len(c.Legend) > 0 {
		top = float64(legendRows(c.Legend)) * legendHeight
	}
	height := top + float64(len(c.Bars))*rowHeight + 6
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" viewBox="0 0 %d %s" width="100%%" preserveAspectRatio="xMinYMin meet" aria-labelledby="%s-title" aria-describedby="%s-desc" font-family="system-ui, sans-serif" font-size="12">`,
		esc(c.ID), chartWidth, num(height), esc(c.ID), esc(c.ID))
	fmt.Fprintf(&b, "\n<title id=\"%s-title\">%s</title>\n<desc id=\"%s-desc\">%s</desc>\n", esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Desc))
	c.writeLegend(&b)

	longest := c.Max
	if !c.Share && longest <= 0 {
		for _, br := range c.Bars {
			longest = max(longest, br.total())
		}
	}
	for i, br := range c.Bars {
		y := top + float64(i)*rowHeight + 2
		b.WriteString(`<g class="bar">`)
		full := br.Title
		if full == "" {
			full = br.Label
		}
		label := fmt.Sprintf(`<text x="%d" y="%s" text-anchor="end" fill="#1d2330"><title>%s</title>%s</text>`,
			labelWidth-8, num(y+barHeight-4), esc(full), esc(shorten(br.Label, labelRunes)))
		if href := localHref(br.Href); href != "" {
			label = fmt.Sprintf(`<a href="%s">%s</a>`, esc(href), label)
		}
		b.WriteString(label)
		total := br.total()
		scale := 0.0
		switch {
		case c.Share && total > 0:
			scale = barAreaWidth / total
		case !c.Share && longest > 0:
			scale = barAreaWidth / longest
		}
		x := float64(barAreaX)
		for _, sg := range br.Segments {
			if sg.Value <= 0 {
				continue
			}
			w := sg.Value * scale
			fmt.Fprintf(&b, `<rect class="seg" x="%s" y="%s" width="%s" height="%d" fill="%s"><title>%s</title></rect>`,
				num(x), num(y), num(w), barHeight, esc(sg.Color), esc(sg.Title))
			if sg.Text != "" && float64(utf8.RuneCountInString(sg.Text))*charWidth+6 <= w {
				fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" fill="#fff" aria-hidden="true">%s</text>`,
					num(x+w/2), num(y+barHeight-4), esc(sg.Text))
			}
			x += w
		}
		if br.Note != "" {
			fmt.Fprintf(&b, `<text x="%s" y="%s" fill="#5b6478">%s</text>`, num(x+6), num(y+barHeight-4), esc(br.Note))
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// writeLegend writes the legend: a swatch and a label per item, wrapped
// onto as many rows as the width needs.
func (c *barChart) writeLegend(b *strings.Builder) {
	if len(c.Legend) == 0 {
		return
	}
	b.WriteString(`<g class="legend">`)
	x, row := float64(barAreaX), 0
	for _, it := range c.Legend {
		w := legendItemWidth(it)
		if x+w > chartWidth && x > barAreaX {
			x, row = barAreaX, row+1
		}
		y := float64(row)*legendHeight + 4
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="12" height="12" fill="%s"></rect><text x="%s" y="%s" fill="#1d2330">%s</text>`,
			num(x), num(y), esc(it.Color), num(x+16), num(y+11), esc(it.Label))
		x += w
	}
	b.WriteString("</g>\n")
}

func legendItemWidth(it legendItem) float64 {
	return 16 + float64(utf8.RuneCountInString(it.Label))*charWidth + 14
}

// legendRows returns how many rows the legend takes.
func legendRows(items []legendItem) int {
	x, rows := float64(barAreaX), 1
	for _, it := range items {
		w := legendItemWidth(it)
		if x+w > chartWidth && x > barAreaX {
			x, rows = barAreaX, rows+1
		}
		x += w
	}
	return rows
}

func (br bar) total() float64 {
	t := 0.0
	for _, sg := range br.Segments {
		if sg.Value > 0 {
			t += sg.Value
		}
	}
	return t
}

// esc escapes text for an element's content or a quoted attribute.
func esc(s string) string { return template.HTMLEscapeString(s) }

// num formats a coordinate with at most two decimals.
func num(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// localHref returns href if it is a path of this server or a fragment of
// the page, and "" otherwise: a chart never links elsewhere.
func localHref(href string) string {
	switch {
	case strings.HasPrefix(href, "#"):
		return href
	case strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "//") && !strings.ContainsAny(href, "\\\x00"):
		return href
	}
	return ""
}

// shorten cuts s to n runes, ending it with "…" when it was longer.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// shortenLeft cuts s to n runes, starting it with "…" when it was longer:
// for paths, whose end says most.
func shortenLeft(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return "…" + string(r[len(r)-n+1:])
}

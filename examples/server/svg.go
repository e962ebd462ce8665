package main

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
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
	// Label is written whole left of the bar: the label column grows to
	// the longest label, up to maxLabelWidth, and a longer label wraps
	// onto more lines (after a "/", a space or a "-", else anywhere).
	// Title, if set, is a fuller description, shown on hover ("" means
	// Label).
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

// The geometry of a chart, in SVG user units (pixels at 100%). The chart
// scales to its box (width 100%), text with it, so what fits in user
// units fits at any width.
const (
	chartWidth    = 720
	minLabelWidth = 60  // the narrowest label column
	maxLabelWidth = 340 // the widest; longer labels wrap
	labelGap      = 8   // between a label's end and its bar
	minNoteWidth  = 40  // the narrowest note column, after the bars
	maxNoteWidth  = 160 // the widest
	noteGap       = 6   // between a bar's end and its note
	rowHeight     = 24  // a row of one line
	lineHeight    = 14  // each further line of a wrapped label
	barHeight     = 16
	legendHeight  = 22
	fontSize      = 12
)

// chartLayout is where a chart's parts go, computed from its text.
type chartLayout struct {
	// LabelWidth is the label column's width: labels end labelGap left of
	// it, and the bars start at it.
	LabelWidth float64
	// BarWidth is the width a full bar takes.
	BarWidth float64
	// Top is where the first row starts, below the legend.
	Top float64
	// Lines holds each bar's label, wrapped; RowY the top of each row.
	Lines [][]string
	RowY  []float64
	// Height is the chart's height.
	Height float64
}

// layout computes where the chart's parts go. The label column is as wide
// as the longest label needs, between minLabelWidth and maxLabelWidth;
// labels longer than that wrap, and their rows grow a line each. Widths
// are whole units. The note
// column is as wide as the longest note needs.
func (c *barChart) layout() chartLayout {
	longest, note := 0.0, 0.0
	for _, br := range c.Bars {
		longest = max(longest, textWidth(br.Label))
		note = max(note, textWidth(br.Note))
	}
	l := chartLayout{LabelWidth: min(max(math.Ceil(longest+labelGap+2), minLabelWidth), maxLabelWidth)}
	noteWidth := min(max(math.Ceil(note+noteGap+4), minNoteWidth), maxNoteWidth)
	l.BarWidth = chartWidth - l.LabelWidth - noteWidth
	if len(c.Legend) > 0 {
		l.Top = float64(legendRows(c.Legend, l.LabelWidth)) * legendHeight
	}
	y := l.Top
	for _, br := range c.Bars {
		lines := wrapLabel(br.Label, l.LabelWidth-labelGap)
		l.Lines = append(l.Lines, lines)
		l.RowY = append(l.RowY, y)
		y += rowHeight + float64(len(lines)-1)*lineHeight
	}
	l.Height = y + 6
	return l
}

// SVG returns the chart as an <svg> element, for html/template.
func (c *barChart) SVG() template.HTML {
	var b strings.Builder
	l := c.layout()
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" viewBox="0 0 %d %s" width="100%%" preserveAspectRatio="xMinYMin meet" aria-labelledby="%s-title" aria-describedby="%s-desc" font-family="system-ui, sans-serif" font-size="%d">`,
		esc(c.ID), chartWidth, num(l.Height), esc(c.ID), esc(c.ID), fontSize)
	fmt.Fprintf(&b, "\n<title id=\"%s-title\">%s</title>\n<desc id=\"%s-desc\">%s</desc>\n", esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Desc))
	c.writeLegend(&b, l.LabelWidth)

	longest := c.Max
	if !c.Share && longest <= 0 {
		for _, br := range c.Bars {
			longest = max(longest, br.total())
		}
	}
	for i, br := range c.Bars {
		y := l.RowY[i] + 2
		b.WriteString(`<g class="bar">`)
		full := br.Title
		if full == "" {
			full = br.Label
		}
		var label strings.Builder
		fmt.Fprintf(&label, `<text class="label" x="%s" y="%s" text-anchor="end" fill="#1d2330"><title>%s</title>`,
			num(l.LabelWidth-labelGap), num(y+barHeight-4), esc(full))
		for j, line := range l.Lines[i] {
			dy := "0"
			if j > 0 {
				dy = strconv.Itoa(lineHeight)
			}
			fmt.Fprintf(&label, `<tspan x="%s" dy="%s">%s</tspan>`, num(l.LabelWidth-labelGap), dy, esc(line))
		}
		label.WriteString(`</text>`)
		if href := localHref(br.Href); href != "" {
			fmt.Fprintf(&b, `<a href="%s">%s</a>`, esc(href), label.String())
		} else {
			b.WriteString(label.String())
		}
		total := br.total()
		scale := 0.0
		switch {
		case c.Share && total > 0:
			scale = l.BarWidth / total
		case !c.Share && longest > 0:
			scale = l.BarWidth / longest
		}
		x := l.LabelWidth
		for _, sg := range br.Segments {
			if sg.Value <= 0 {
				continue
			}
			w := sg.Value * scale
			fmt.Fprintf(&b, `<rect class="seg" x="%s" y="%s" width="%s" height="%d" fill="%s"><title>%s</title></rect>`,
				num(x), num(y), num(w), barHeight, esc(sg.Color), esc(sg.Title))
			if sg.Text != "" && textWidth(sg.Text)+6 <= w {
				fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" fill="#fff" aria-hidden="true">%s</text>`,
					num(x+w/2), num(y+barHeight-4), esc(sg.Text))
			}
			x += w
		}
		if br.Note != "" {
			fmt.Fprintf(&b, `<text class="note" x="%s" y="%s" fill="#5b6478">%s</text>`, num(x+noteGap), num(y+barHeight-4), esc(br.Note))
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// textWidth estimates how wide s is drawn at fontSize in a sans-serif
// font, erring wide: narrow letters and punctuation at 0.4 em, most
// letters and digits at 0.65, capitals at 0.8, m, w and anything outside
// ASCII (CJK is 1 em) at 1.
func textWidth(s string) float64 {
	em := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("ijlI.,:;|!'` ()[]{}/\\tfr", r):
			em += 0.4
		case strings.ContainsRune("mwMW", r) || r > 0x7e:
			em += 1
		case r >= 'A' && r <= 'Z':
			em += 0.8
		default:
			em += 0.65
		}
	}
	return em * fontSize
}

// wrapLabel breaks s into lines no wider than room (by textWidth): after a
// "/", a space or a "-" where it can, anywhere inside a part that is
// itself too wide. The lines joined give s back whole.
func wrapLabel(s string, room float64) []string {
	if textWidth(s) <= room {
		return []string{s}
	}
	// The parts, each ending at a break opportunity.
	var parts []string
	last := 0
	for i, r := range s {
		if r == '/' || r == ' ' || r == '-' {
			parts = append(parts, s[last:i+1])
			last = i + 1
		}
	}
	if last < len(s) {
		parts = append(parts, s[last:])
	}
	var lines []string
	line := ""
	for _, p := range parts {
		if textWidth(line+p) <= room {
			line += p
			continue
		}
		if line != "" {
			lines = append(lines, line)
			line = ""
		}
		// A part too wide for a line of its own is cut by runes.
		for textWidth(p) > room {
			n, w := 0, 0.0
			for i, r := range p {
				w += textWidth(string(r))
				if w > room && i > 0 {
					break
				}
				n = i + utf8.RuneLen(r)
			}
			lines = append(lines, p[:n])
			p = p[n:]
		}
		line = p
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// writeLegend writes the legend from x start, above the bars: a swatch and
// a label per item, wrapped onto as many rows as the width needs.
func (c *barChart) writeLegend(b *strings.Builder, start float64) {
	if len(c.Legend) == 0 {
		return
	}
	b.WriteString(`<g class="legend">`)
	x, row := start, 0
	for _, it := range c.Legend {
		w := legendItemWidth(it)
		if x+w > chartWidth && x > start {
			x, row = start, row+1
		}
		y := float64(row)*legendHeight + 4
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="12" height="12" fill="%s"></rect><text x="%s" y="%s" fill="#1d2330">%s</text>`,
			num(x), num(y), esc(it.Color), num(x+16), num(y+11), esc(it.Label))
		x += w
	}
	b.WriteString("</g>\n")
}

func legendItemWidth(it legendItem) float64 {
	return 16 + textWidth(it.Label) + 14
}

// legendRows returns how many rows the legend takes from x start.
func legendRows(items []legendItem, start float64) int {
	x, rows := start, 1
	for _, it := range items {
		w := legendItemWidth(it)
		if x+w > chartWidth && x > start {
			x, rows = start, rows+1
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

package main

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// svgNode is an element of a parsed chart.
type svgNode struct {
	Name  string
	Attr  map[string]string
	Text  string // the element's own character data
	Title string // the text of its <title> child, if any
}

// parseSVG parses a chart as XML, failing on anything not well-formed, and
// returns its elements in document order.
func parseSVG(t *testing.T, svg string) []*svgNode {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	var (
		out   []*svgNode
		stack []*svgNode
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &svgNode{Name: tok.Name.Local, Attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.Attr[a.Name.Local] = a.Value
			}
			out = append(out, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			top.Text += string(tok)
			if top.Name == "title" && len(stack) > 1 {
				stack[len(stack)-2].Title += string(tok)
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed elements in the chart:\n%s", svg)
	}
	return out
}

func nodes(ns []*svgNode, name, class string) []*svgNode {
	var out []*svgNode
	for _, n := range ns {
		if n.Name == name && (class == "" || n.Attr["class"] == class) {
			out = append(out, n)
		}
	}
	return out
}

func attrFloat(t *testing.T, n *svgNode, name string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(n.Attr[name], 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, n.Attr[name], err)
	}
	return f
}

func TestBarChartShares(t *testing.T) {
	c := &barChart{
		ID: "c", Title: "Compliance", Desc: "shares", Share: true,
		Legend: []legendItem{{"pass", "#0f0"}, {"fail", "#f00"}},
		Bars: []bar{
			{Label: "ADR-1", Href: "/decisions/ADR-1", Note: "3 checks", Segments: []segment{{Value: 1, Color: "#0f0", Title: "1 pass"}, {Value: 0, Color: "#ff0", Title: "none"}, {Value: 2, Color: "#f00", Title: "2 fail"}}},
			{Label: "ADR-2", Note: "1 check", Segments: []segment{{Value: 1, Color: "#0f0", Title: "1 pass"}}},
		},
	}
	ns := parseSVG(t, string(c.SVG()))
	l := c.layout()
	barAreaX, barAreaWidth := l.LabelWidth, l.BarWidth
	root := ns[0]
	if root.Name != "svg" || root.Attr["id"] != "c" || root.Attr["aria-labelledby"] != "c-title" || root.Attr["aria-describedby"] != "c-desc" {
		t.Errorf("root %+v", root)
	}
	if root.Title != "Compliance" {
		t.Errorf("chart title %q", root.Title)
	}
	if got := len(nodes(ns, "g", "bar")); got != 2 {
		t.Errorf("%d bars, want 2", got)
	}
	segs := nodes(ns, "rect", "seg")
	if len(segs) != 3 {
		t.Fatalf("%d segments, want 3 (the empty one is not drawn)", len(segs))
	}
	// Each bar spans the bar area: 1/3 and 2/3 of it, then all of it.
	for i, want := range []struct{ x, w float64 }{
		{barAreaX, barAreaWidth / 3.0}, {barAreaX + barAreaWidth/3.0, barAreaWidth * 2 / 3.0}, {barAreaX, barAreaWidth},
	} {
		x, w := attrFloat(t, segs[i], "x"), attrFloat(t, segs[i], "width")
		if math.Abs(x-want.x) > 0.01 || math.Abs(w-want.w) > 0.01 {
			t.Errorf("segment %d at %v, width %v; want %v, %v", i, x, w, want.x, want.w)
		}
	}
	if segs[0].Title != "1 pass" || segs[2].Title != "1 pass" || segs[1].Title != "2 fail" || segs[1].Attr["fill"] != "#f00" {
		t.Errorf("segments %+v %+v %+v", segs[0], segs[1], segs[2])
	}
	if as := nodes(ns, "a", ""); len(as) != 1 || as[0].Attr["href"] != "/decisions/ADR-1" {
		t.Errorf("links %+v, want one to /decisions/ADR-1", as)
	}
	legend := nodes(ns, "g", "legend")
	if len(legend) != 1 {
		t.Fatal("no legend")
	}
	var texts []string
	for _, n := range ns {
		if s := strings.TrimSpace(n.Text); s != "" && (n.Name == "text" || n.Name == "tspan") {
			texts = append(texts, s)
		}
	}
	if got := strings.Join(texts, "|"); got != "pass|fail|ADR-1|3 checks|ADR-2|1 check" {
		t.Errorf("texts %s", got)
	}
	if titles := nodes(ns, "title", ""); len(titles) != 1+2+3 {
		t.Errorf("%d titles, want 6: the chart's, one per label, one per segment", len(titles))
	}
}

func TestBarChartLengths(t *testing.T) {
	c := &barChart{ID: "d", Title: "Desire paths", Bars: []bar{
		{Label: "a", Segments: []segment{{Value: 4, Color: "#00f", Title: "4"}}},
		{Label: "b", Segments: []segment{{Value: 3, Color: "#00f", Title: "3", Text: "3"}}},
	}}
	ns := parseSVG(t, string(c.SVG()))
	barAreaWidth := c.layout().BarWidth
	segs := nodes(ns, "rect", "seg")
	if w := attrFloat(t, segs[0], "width"); w != barAreaWidth {
		t.Errorf("the longest bar is %v wide, want %v", w, barAreaWidth)
	}
	if w := attrFloat(t, segs[1], "width"); math.Abs(w-barAreaWidth*0.75) > 0.01 {
		t.Errorf("the bar of 3 is %v wide, want %v", w, barAreaWidth*0.75)
	}
	if len(nodes(ns, "g", "legend")) != 0 {
		t.Error("a legend without items")
	}
	if len(nodes(ns, "text", "")) != 3 {
		t.Error("the text inside the bar of 3 is not drawn")
	}
	c.Max = 8
	segs = nodes(parseSVG(t, string(c.SVG())), "rect", "seg")
	if w := attrFloat(t, segs[0], "width"); w != barAreaWidth/2 {
		t.Errorf("with Max 8, a bar of 4 is %v wide, want %v", w, barAreaWidth/2)
	}
	// A bar of nothing draws no segment and divides by nothing.
	c = &barChart{ID: "e", Share: true, Bars: []bar{{Label: "none", Segments: []segment{{Value: 0}}}}}
	if segs := nodes(parseSVG(t, string(c.SVG())), "rect", "seg"); len(segs) != 0 {
		t.Errorf("%d segments for a bar of nothing", len(segs))
	}
}

// TestBarChartEscapes: labels, titles and colours come from posted signals;
// none may break out of the SVG, and links stay on the server.
func TestBarChartEscapes(t *testing.T) {
	evil := `<script>alert("x")</script>&`
	c := &barChart{
		ID: `c"><script>`, Title: evil, Desc: evil,
		Legend: []legendItem{{evil, `red"/><script>`}},
		Bars: []bar{
			{Label: evil, Href: "javascript:alert(1)", Note: evil, Segments: []segment{{Value: 1, Color: `#f00" onload="x`, Title: evil, Text: "x"}}},
			{Label: "b", Href: "//evil.example.com/x", Segments: []segment{{Value: 1, Color: "#0f0", Title: "t"}}},
			{Label: "c", Href: "https://evil.example.com/", Segments: []segment{{Value: 1, Color: "#0f0", Title: "t"}}},
			{Label: "d", Href: `/a"b`, Segments: []segment{{Value: 1, Color: "#0f0", Title: "t"}}},
		},
	}
	svg := string(c.SVG())
	if strings.Contains(svg, "<script") || strings.Contains(svg, `" onload=`) || strings.Contains(svg, "javascript:") || strings.Contains(svg, "evil.example.com") {
		t.Errorf("the chart lets markup or a foreign link through:\n%s", svg)
	}
	ns := parseSVG(t, svg)
	if ns[0].Title != evil {
		t.Errorf("the title reads %q, want %q", ns[0].Title, evil)
	}
	if segs := nodes(ns, "rect", "seg"); segs[0].Title != evil || segs[0].Attr["fill"] != `#f00" onload="x` {
		t.Errorf("segment %+v", segs[0])
	}
	if as := nodes(ns, "a", ""); len(as) != 1 || as[0].Attr["href"] != `/a"b` {
		t.Errorf("links %+v, want only /a\"b, escaped", as)
	}
}

func TestBarChartLegendWraps(t *testing.T) {
	var items []legendItem
	for i := range 12 {
		items = append(items, legendItem{"a rather long legend item " + strconv.Itoa(i), "#000"})
	}
	rows := legendRows(items, minLabelWidth)
	if rows < 3 {
		t.Fatalf("%d legend rows for 12 long items", rows)
	}
	c := &barChart{ID: "l", Legend: items, Bars: []bar{{Label: "x", Segments: []segment{{Value: 1, Color: "#000"}}}}}
	ns := parseSVG(t, string(c.SVG()))
	for _, n := range nodes(ns, "text", "") {
		if n.Attr["x"] == "" {
			continue
		}
		if x := attrFloat(t, n, "x"); x > chartWidth {
			t.Errorf("legend text at x=%v, beyond the width", x)
		}
	}
	seg := nodes(ns, "rect", "seg")[0]
	if y := attrFloat(t, seg, "y"); y < float64(rows)*legendHeight {
		t.Errorf("the bar at y=%v overlaps the legend's %d rows", y, rows)
	}
	vb := strings.Fields(ns[0].Attr["viewBox"])
	if h, err := strconv.ParseFloat(vb[len(vb)-1], 64); err != nil || h < float64(rows)*legendHeight+rowHeight {
		t.Errorf("the chart is %v high (%v), less than its legend and its bar", h, err)
	}
}

// TestBarChartLabelColumn: the label column grows to the longest label,
// so a desire path's file is written whole, and the bars start after it.
func TestBarChartLabelColumn(t *testing.T) {
	short := &barChart{ID: "s", Bars: []bar{{Label: "a", Segments: []segment{{Value: 1, Color: "#000"}}}}}
	if l := short.layout(); l.LabelWidth != minLabelWidth || len(l.Lines[0]) != 1 {
		t.Errorf("a one-letter label takes a column of %v in %d lines, want %v in one", l.LabelWidth, len(l.Lines[0]), float64(minLabelWidth))
	}
	const path = "go-service: deploy/k8s/deployment.yaml.tmpl"
	c := &barChart{ID: "d", Bars: []bar{
		{Label: path, Title: path + ", edit 1234", Href: "#dp-1", Note: "3 projects", Segments: []segment{{Value: 3, Color: "#00f", Title: "3"}}},
		{Label: "short", Note: "2 projects", Segments: []segment{{Value: 2, Color: "#00f", Title: "2"}}},
	}}
	l := c.layout()
	if l.LabelWidth-labelGap < textWidth(path) || l.LabelWidth > maxLabelWidth {
		t.Errorf("the label column is %v wide for a label of %v", l.LabelWidth, textWidth(path))
	}
	ns := parseSVG(t, string(c.SVG()))
	labels := nodes(ns, "text", "label")
	if len(labels) != 2 {
		t.Fatalf("%d labels, want 2", len(labels))
	}
	if x := attrFloat(t, labels[0], "x"); x != l.LabelWidth-labelGap || labels[0].Attr["text-anchor"] != "end" {
		t.Errorf("the label ends at %v (%s), want %v", x, labels[0].Attr["text-anchor"], l.LabelWidth-labelGap)
	}
	if labels[0].Title != path+", edit 1234" {
		t.Errorf("the label's title is %q", labels[0].Title)
	}
	tspans := nodes(ns, "tspan", "")
	if len(tspans) != 2 || tspans[0].Text != path || tspans[1].Text != "short" {
		var got []string
		for _, n := range tspans {
			got = append(got, n.Text)
		}
		t.Errorf("the labels read %q, want %q and %q whole", got, path, "short")
	}
	if strings.Contains(string(c.SVG()), "…") {
		t.Error("a label is cut")
	}
	for _, sg := range nodes(ns, "rect", "seg") {
		if x := attrFloat(t, sg, "x"); x != l.LabelWidth {
			t.Errorf("a bar starts at %v, not after the label column at %v", x, l.LabelWidth)
		}
	}
	// The notes fit right of the longest bar.
	for _, n := range nodes(ns, "text", "note") {
		if end := attrFloat(t, n, "x") + textWidth(n.Text); end > chartWidth {
			t.Errorf("the note %q ends at %v, beyond the chart's %d", n.Text, end, chartWidth)
		}
	}
}

// TestBarChartLabelWraps: a label longer than the widest column wraps onto
// lines that each fit it, its row grows, and the rows below move down.
func TestBarChartLabelWraps(t *testing.T) {
	long := "a-very-long-blueprint-name: deploy/overlays/production/eu-west-1/k8s/horizontal-pod-autoscaler.yaml.tmpl"
	c := &barChart{ID: "w", Legend: []legendItem{{"shared", "#00f"}}, Bars: []bar{
		{Label: long, Note: "4 projects", Segments: []segment{{Value: 4, Color: "#00f", Title: "4"}}},
		{Label: "b", Note: "1 project", Segments: []segment{{Value: 1, Color: "#00f", Title: "1"}}},
	}}
	l := c.layout()
	if l.LabelWidth != maxLabelWidth {
		t.Errorf("the label column is %v wide, want the widest, %v", l.LabelWidth, float64(maxLabelWidth))
	}
	lines := l.Lines[0]
	if len(lines) < 2 || strings.Join(lines, "") != long {
		t.Fatalf("the long label wraps into %q", lines)
	}
	ns := parseSVG(t, string(c.SVG()))
	tspans := nodes(ns, "tspan", "")
	if len(tspans) != len(lines)+1 {
		t.Fatalf("%d lines drawn, want %d", len(tspans), len(lines)+1)
	}
	for i, line := range lines {
		if w := textWidth(line); w > l.LabelWidth-labelGap {
			t.Errorf("line %q is %v wide, more than the column's %v", line, w, l.LabelWidth-labelGap)
		}
		if tspans[i].Text != line || attrFloat(t, tspans[i], "x") != l.LabelWidth-labelGap {
			t.Errorf("line %d drawn as %+v", i, tspans[i])
		}
		if want := map[bool]float64{true: 0, false: lineHeight}[i == 0]; attrFloat(t, tspans[i], "dy") != want {
			t.Errorf("line %d moves down %s, want %v", i, tspans[i].Attr["dy"], want)
		}
	}
	// The second row starts below the first label's last line.
	labels := nodes(ns, "text", "label")
	lastLine := attrFloat(t, labels[0], "y") + float64(len(lines)-1)*lineHeight
	segs := nodes(ns, "rect", "seg")
	if y := attrFloat(t, segs[1], "y"); y <= lastLine {
		t.Errorf("the second bar at y=%v overlaps the first label, whose last line is at %v", y, lastLine)
	}
	if y := attrFloat(t, labels[1], "y"); y-lastLine < lineHeight {
		t.Errorf("the second label at y=%v is less than a line below %v", y, lastLine)
	}
	vb := strings.Fields(ns[0].Attr["viewBox"])
	if h, _ := strconv.ParseFloat(vb[3], 64); h != l.Height || h < attrFloat(t, labels[1], "y")+4 {
		t.Errorf("the chart is %v high, its layout %v, its last label at %v", h, l.Height, attrFloat(t, labels[1], "y"))
	}
}

func TestWrapLabel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		room float64
		want []string
	}{
		{"short", 100, []string{"short"}},
		{"", 100, []string{""}},
		{"go-service: deploy/k8s/deployment.yaml.tmpl", 150, []string{"go-service: deploy/", "k8s/", "deployment.yaml.tmpl"}},
		{"go-service: deploy/k8s/deployment.yaml.tmpl", 200, []string{"go-service: deploy/k8s/", "deployment.yaml.tmpl"}},
		{"deploy/k8s/deployment.yaml.tmpl", 60, []string{"deploy/", "k8s/", "deploym", "ent.yaml", ".tmpl"}},
		{"ééééé", 24, []string{"éé", "éé", "é"}},
		{"日本語", 5, []string{"日", "本", "語"}},
	} {
		got := wrapLabel(tc.in, tc.room)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrapLabel(%q, %v) = %q, want %q", tc.in, tc.room, got, tc.want)
		}
		if strings.Join(got, "") != tc.in {
			t.Errorf("wrapLabel(%q) loses text: %q", tc.in, got)
		}
	}
	if a, b := textWidth("MMMM"), textWidth("iiii"); a <= b || textWidth("") != 0 {
		t.Errorf("textWidth: MMMM %v, iiii %v", a, b)
	}
	for f, want := range map[float64]string{0: "0", 200: "200", 136.6666: "136.67", 0.5: "0.5"} {
		if got := num(f); got != want {
			t.Errorf("num(%v) = %s, want %s", f, got, want)
		}
	}
}

// BenchmarkBarChartSVG draws a chart of 50 bars with desire-path labels,
// a fifth of them long enough to wrap.
func BenchmarkBarChartSVG(b *testing.B) {
	c := &barChart{ID: "bench", Title: "Desire paths", Legend: []legendItem{{"in a shared file", "#00f"}, {"in a managed file", "#f0f"}}}
	for i := range 50 {
		label := "go-service: deploy/k8s/deployment-" + strconv.Itoa(i) + ".yaml.tmpl"
		if i%5 == 0 {
			label = "go-service: deploy/overlays/production/eu-west-1/k8s/horizontal-pod-autoscaler-" + strconv.Itoa(i) + ".yaml.tmpl"
		}
		c.Bars = append(c.Bars, bar{Label: label, Href: "#dp", Note: "3 projects", Segments: []segment{{Value: float64(i + 1), Color: "#00f", Title: label}}})
	}
	for b.Loop() {
		_ = c.SVG()
	}
}

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
	for _, n := range nodes(ns, "text", "") {
		texts = append(texts, strings.TrimSpace(n.Text))
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
	rows := legendRows(items)
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

func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		in          string
		n           int
		right, left string
	}{
		{"short", 17, "short", "short"},
		{"deploy/k8s/deployment.yaml.tmpl", 17, "deploy/k8s/deplo…", "…oyment.yaml.tmpl"},
		{"éééééé", 4, "ééé…", "…ééé"},
	} {
		if got := shorten(tc.in, tc.n); got != tc.right {
			t.Errorf("shorten(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.right)
		}
		if got := shortenLeft(tc.in, tc.n); got != tc.left {
			t.Errorf("shortenLeft(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.left)
		}
	}
	for f, want := range map[float64]string{0: "0", 200: "200", 136.6666: "136.67", 0.5: "0.5"} {
		if got := num(f); got != want {
			t.Errorf("num(%v) = %s, want %s", f, got, want)
		}
	}
}

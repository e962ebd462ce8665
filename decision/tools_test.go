package decision_test

import (
	"context"
	"github.com/goldenpath-dev/goldenpath/internal/systempart"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/decision"
)

// needTool returns the path of a tool the test runs, skipping the test when
// it is missing outside CI and failing it in CI ($CI set), where .ci/run
// installs it.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	return systempart.Tool(t, name, install+" (.ci/run does)")
}

// adr runs adr-tools in dir.
func adr(t *testing.T, bin, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	// No editor: adr new only writes the file.
	cmd.Env = append(os.Environ(), "EDITOR=", "VISUAL=", "ADR_TEMPLATE=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "adr %s: %s", strings.Join(args, " "), out)
}

// TestADRToolsOutputLoads runs adr-tools itself — adr init, adr new, adr
// new -s twice (a record superseded, and its successor superseded in
// turn) and adr new -l (an amendment) — and loads the folder it wrote:
// every record loads, the statuses and links are those adr-tools wrote,
// and lint has nothing to say. The same folder in the spelling of
// adr-tools 3.0.0 as released ("Superceded by", "Supercedes") loads
// identically.
func TestADRToolsOutputLoads(t *testing.T) {
	bin := needTool(t, "adr", "install Debian's adr-tools package (apt-get install adr-tools)")
	dir := t.TempDir()
	adr(t, bin, dir, "init", "doc/adr")
	adr(t, bin, dir, "new", "Use", "PostgreSQL", "for", "orders")
	adr(t, bin, dir, "new", "-s", "2", "Use", "CockroachDB", "for", "orders")
	adr(t, bin, dir, "new", "-s", "3", "Use", "Spanner", "for", "orders")
	adr(t, bin, dir, "new", "-l", "4:Amends:Amended by", "Keep", "backups", "for", "30", "days")
	folder := filepath.Join(dir, "doc", "adr")

	check := func(t *testing.T, folder string) *decision.Registry {
		reg, err := decision.LoadDir(context.Background(), folder, nil)
		require.NoError(t, err)
		require.Equal(t, 5, reg.Len())
		want := []struct {
			id, title string
			status    decision.Status
			links     map[decision.LinkKind][]string
		}{
			{"ADR-0001", "Record architecture decisions", decision.Accepted, nil},
			{"ADR-0002", "Use PostgreSQL for orders", decision.Superseded, map[decision.LinkKind][]string{decision.SupersededBy: {"ADR-0003"}}},
			{"ADR-0003", "Use CockroachDB for orders", decision.Superseded, map[decision.LinkKind][]string{decision.Supersedes: {"ADR-0002"}, decision.SupersededBy: {"ADR-0004"}}},
			{"ADR-0004", "Use Spanner for orders", decision.Accepted, map[decision.LinkKind][]string{decision.Supersedes: {"ADR-0003"}, decision.AmendedBy: {"ADR-0005"}}},
			{"ADR-0005", "Keep backups for 30 days", decision.Accepted, map[decision.LinkKind][]string{decision.Amends: {"ADR-0004"}}},
		}
		for _, w := range want {
			d, ok := reg.Get(w.id)
			require.True(t, ok, w.id)
			assert.Equal(t, w.title, d.Title, w.id)
			assert.Equal(t, w.status, d.Status, w.id)
			assert.Equal(t, decision.ADRTools, d.Format, w.id)
			assert.WithinDuration(t, time.Now(), d.Decided, 48*time.Hour, "%s: the date adr-tools wrote", w.id)
			got := map[decision.LinkKind][]string{}
			for _, l := range d.Links {
				assert.False(t, l.Inferred, "%s: %s %s is inferred: adr-tools writes both sides", w.id, l.Kind, l.Target)
				got[l.Kind] = append(got[l.Kind], l.Target)
			}
			if w.links == nil {
				w.links = map[decision.LinkKind][]string{}
			}
			assert.Equal(t, w.links, got, w.id)
		}
		assert.Equal(t, []string{"ADR-0002", "ADR-0003", "ADR-0004"}, ids(reg.History("ADR-0003")))
		cur, ok := reg.Current("ADR-0002")
		require.True(t, ok)
		assert.Equal(t, "ADR-0004", cur.ID)
		assert.Empty(t, reg.Lint(context.Background(), nil), "lint on adr-tools' own output")
		return reg
	}
	debian := check(t, folder)

	// adr-tools' own reading of the links — the edges of adr generate
	// graph — are links of the registry.
	graph := exec.Command(bin, "generate", "graph")
	graph.Dir = dir
	out, err := graph.Output()
	require.NoError(t, err)
	edges := regexp.MustCompile(`_(\d+) -> _(\d+) \[label="([^"]+)"`).FindAllStringSubmatch(string(out), -1)
	require.Len(t, edges, 3, "%s", out)
	kinds := map[string]decision.LinkKind{"Supersedes": decision.Supersedes, "Amends": decision.Amends}
	for _, e := range edges {
		from, _ := debian.Get("ADR-" + e[1])
		require.NotNil(t, from, e[0])
		to, _ := debian.Get("ADR-" + e[2])
		require.NotNil(t, to, e[0])
		assert.Contains(t, from.Linked(kinds[e[3]]), to.ID, "adr-tools: %s", e[0])
	}

	// adr-tools 3.0.0 as released spells its keyword "Supercede".
	released := t.TempDir()
	entries, err := os.ReadDir(folder)
	require.NoError(t, err)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(folder, e.Name()))
		require.NoError(t, err)
		s := strings.NewReplacer("Superseded by", "Superceded by", "Supersedes", "Supercedes").Replace(string(data))
		require.NoError(t, os.WriteFile(filepath.Join(released, e.Name()), []byte(s), 0o644))
	}
	d3, _ := os.ReadFile(filepath.Join(released, "0003-use-cockroachdb-for-orders.md"))
	require.Contains(t, string(d3), "Supercedes [2. Use PostgreSQL for orders]")
	rel := check(t, released)
	for _, d := range debian.List(decision.Filter{}) {
		r, _ := rel.Get(d.ID)
		assert.Equal(t, d.Linked(decision.Supersedes), r.Linked(decision.Supersedes), d.ID)
		assert.Equal(t, d.Linked(decision.SupersededBy), r.Linked(decision.SupersededBy), d.ID)
	}
}

// npmPackage returns the directory of a package decision/testdata/npm
// installs, skipping the test when it is not installed outside CI and
// failing it in CI, where .ci/run runs npm ci there.
func npmPackage(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join("testdata", "npm", "node_modules", filepath.FromSlash(name))
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
		return dir
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("npm package %s is not installed: run npm ci in decision/testdata/npm (.ci/run does)", name)
	}
	t.Skipf("npm package %s is not installed: run npm ci in decision/testdata/npm to run this test", name)
	return ""
}

// fromTemplate writes a record made from the template file src into dir as
// name, replacing each old string by its new one, and fails when a
// replacement finds nothing: the template changed.
func fromTemplate(t *testing.T, src, dir, name string, replace ...string) {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	s := string(data)
	for i := 0; i < len(replace); i += 2 {
		require.Contains(t, s, replace[i], "%s: the template has no %q", src, replace[i])
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644))
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dst, data, 0o644))
}

// problemStrings returns the problems as strings, with the folder's path
// made relative.
func problemStrings(probs []decision.Problem, dir string) []string {
	var out []string
	for _, p := range probs {
		out = append(out, strings.TrimPrefix(p.String(), filepath.ToSlash(dir)+"/"))
	}
	return out
}

// TestMADRTemplates writes a folder as MADR 4's documentation describes:
// the template folder copied into docs/decisions (its README, its four
// templates and its first record, 0000-use-markdown-…), then records made
// by copying a template to NNNN-title-with-dashes.md and filling it in.
// The templates and the README are skipped with notes; the records load
// with their statuses, IDs and links.
func TestMADRTemplates(t *testing.T) {
	madr := filepath.Join(npmPackage(t, "madr"), "template")
	dir := t.TempDir()
	entries, err := os.ReadDir(madr)
	require.NoError(t, err)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".md") {
			copyFile(t, filepath.Join(madr, e.Name()), filepath.Join(dir, e.Name()))
		}
	}
	full := filepath.Join(madr, "adr-template.md")
	fromTemplate(t, full, dir, "0001-use-postgresql-for-orders.md",
		`status: "{proposed | rejected | accepted | deprecated | … | superseded by ADR-0123"`, `status: "superseded by ADR-0003"`,
		"date: {YYYY-MM-DD when the decision was last updated}", "date: 2024-03-05",
		"decision-makers: {list everyone involved in the decision}", "decision-makers: ana, ben",
		"# {short title, representative of solved problem and found solution}", "# Use PostgreSQL for orders")
	fromTemplate(t, filepath.Join(madr, "adr-template-minimal.md"), dir, "0002-publish-order-events.md",
		"# {short title, representative of solved problem and found solution}", "# Publish order events")
	fromTemplate(t, full, dir, "0003-use-cockroachdb-for-orders.md",
		`status: "{proposed | rejected | accepted | deprecated | … | superseded by ADR-0123"`, `status: accepted`,
		"date: {YYYY-MM-DD when the decision was last updated}", "date: 2024-09-17",
		"decision-makers: {list everyone involved in the decision}", "decision-makers: ana",
		"# {short title, representative of solved problem and found solution}", "# Use CockroachDB for orders",
		"## More Information\n\n{", "## More Information\n\nSupersedes [ADR-0001](0001-use-postgresql-for-orders.md)\n\n{")
	fromTemplate(t, filepath.Join(madr, "adr-template-bare.md"), dir, "0004-keep-order-events-for-a-year.md",
		"status:", "status: proposed",
		"date: ", "date: 2024-11-02",
		"# <!-- short title, representative of solved problem and found solution -->", "# Keep order events for a year",
		"## More Information\n", "## More Information\n\nAmends [ADR-0002](0002-publish-order-events.md)\n")

	reg, err := decision.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	want := []struct {
		id, title string
		status    decision.Status
	}{
		{"ADR-0000", "Use Markdown Architectural Decision Records", decision.Unknown},
		{"ADR-0001", "Use PostgreSQL for orders", decision.Superseded},
		{"ADR-0002", "Publish order events", decision.Unknown},
		{"ADR-0003", "Use CockroachDB for orders", decision.Accepted},
		{"ADR-0004", "Keep order events for a year", decision.Proposed},
	}
	require.Equal(t, len(want), reg.Len())
	for _, w := range want {
		d, ok := reg.Get(w.id)
		require.True(t, ok, w.id)
		assert.Equal(t, w.title, d.Title, w.id)
		assert.Equal(t, w.status, d.Status, w.id)
	}
	d1, _ := reg.Get("ADR-0001")
	assert.Equal(t, "superseded by ADR-0003", d1.StatusText)
	assert.Equal(t, []string{"ADR-0003"}, d1.Linked(decision.SupersededBy))
	assert.Equal(t, []string{"ana", "ben"}, d1.Deciders)
	d3, _ := reg.Get("ADR-0003")
	assert.Equal(t, []string{"ADR-0001"}, d3.Linked(decision.Supersedes))
	d4, _ := reg.Get("ADR-0004")
	assert.Equal(t, []string{"ADR-0002"}, d4.Linked(decision.Amends))

	assert.Equal(t, []string{
		"0000-use-markdown-architectural-decision-records.md:1:1: ADR-0000: warning: no status: the status is unknown (write one in a Status section or a status field)",
		"0002-publish-order-events.md:1:1: ADR-0002: warning: no status: the status is unknown (write one in a Status section or a status field)",
		"0004-keep-order-events-for-a-year.md:46:1: ADR-0004: warning: amends ADR-0002, but ADR-0002 does not say amended by ADR-0004 (taken as if it did)",
		`README.md:1:1: note: skipped: not a record by the pattern "readme.md"`,
		`adr-template-bare-minimal.md:1:1: note: skipped: not a record by the pattern "adr-template*.md"`,
		`adr-template-bare.md:1:1: note: skipped: not a record by the pattern "adr-template*.md"`,
		`adr-template-minimal.md:1:1: note: skipped: not a record by the pattern "adr-template*.md"`,
		`adr-template.md:1:1: note: skipped: not a record by the pattern "*-template.md"`,
	}, problemStrings(reg.Lint(context.Background(), nil), dir))
}

// log4brains runs log4brains' own adr commands (testdata/npm/log4brains.cjs)
// in dir and returns their output.
func log4brains(t *testing.T, node, dir string, args ...string) string {
	t.Helper()
	driver, err := filepath.Abs(filepath.Join("testdata", "npm", "log4brains.cjs"))
	require.NoError(t, err)
	cmd := exec.Command(node, append([]string{driver}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "EDITOR=true", "VISUAL=true", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "log4brains %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// TestLog4brainsTemplates makes a folder with log4brains itself, as its
// documentation describes: the files log4brains init copies (the template,
// the index and the README, beside .log4brains.yml), the two records init
// creates with "adr new --from", then records made by "adr new" from the
// template and filled in. log4brains names them YYYYMMDD-slug.md, all on
// one day here: each record's ID is its slug, never its date, so none
// collide. The registry agrees with log4brains' own "adr list" on every
// record's slug and status, except the unfilled template's status, which
// log4brains takes as draft and the registry as unknown, with a warning.
func TestLog4brainsTemplates(t *testing.T) {
	assets, err := filepath.Abs(filepath.Join(npmPackage(t, "@log4brains/init"), "assets"))
	require.NoError(t, err)
	npmPackage(t, "@log4brains/cli")
	node := needTool(t, "node", "install Node.js (apt-get install nodejs)")
	root := t.TempDir()
	dir := filepath.Join(root, "docs", "adr")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, ".log4brains.yml"), []byte("project:\n  name: orders\n  tz: Etc/UTC\n  adrFolder: ./docs/adr\n"), 0o644))
	for _, f := range []string{"template.md", "index.md", "README.md"} {
		copyFile(t, filepath.Join(assets, f), filepath.Join(dir, f))
	}
	slug := func(out string) string { return strings.TrimSpace(out) }
	// What init does: two records from its assets, then their
	// placeholders replaced.
	l4b := slug(log4brains(t, node, root, "adr", "new", "--quiet", "--from", filepath.Join(assets, "use-log4brains-to-manage-the-adrs.md"), "Use Log4brains to manage the ADRs"))
	madr := slug(log4brains(t, node, root, "adr", "new", "--quiet", "--from", filepath.Join(assets, "use-markdown-architectural-decision-records.md"), "Use Markdown Architectural Decision Records"))
	fill := func(name string, replace ...string) {
		t.Helper()
		fromTemplate(t, filepath.Join(dir, name+".md"), dir, name+".md", replace...)
	}
	fill(l4b, "{DATE_YESTERDAY}", "2024-03-10")
	fill(madr, "{DATE_YESTERDAY}", "2024-03-10", "{LOG4BRAINS_ADR_SLUG}", l4b)

	// What a team does: adr new, then the record filled in.
	const statusLine = "- Status: [draft | proposed | rejected | accepted | deprecated | … | superseded by [xxx](yyyymmdd-xxx.md)] <!-- optional -->"
	const dateLine = "- Date: [YYYY-MM-DD when the decision was last updated] <!-- optional. To customize the ordering without relying on Git creation dates and filenames -->"
	rabbit := slug(log4brains(t, node, root, "adr", "new", "--quiet", "Use RabbitMQ for events"))
	kafka := slug(log4brains(t, node, root, "adr", "new", "--quiet", "Use Kafka for events"))
	keep := slug(log4brains(t, node, root, "adr", "new", "--quiet", "Keep events for a year"))
	unfilled := slug(log4brains(t, node, root, "adr", "new", "--quiet", "Partition events by tenant"))
	fill(rabbit, statusLine, "- Status: superseded by ["+kafka+"]("+kafka+".md)", dateLine, "- Date: 2024-04-02")
	fill(kafka, statusLine, "- Status: accepted", dateLine, "- Date: September 19, 2024",
		"- [Link type](link to adr)", "- Supersedes [Use RabbitMQ for events]("+rabbit+".md)")
	fill(keep, statusLine, "- Status: proposed", "- [Link type](link to adr)", "- Refines [Use Kafka for events]("+kafka+".md)")

	reg, err := decision.LoadDir(context.Background(), dir, nil)
	require.NoError(t, err)
	require.Equal(t, 6, reg.Len())
	for _, id := range []string{l4b, madr, rabbit, kafka, keep, unfilled} {
		_, ok := reg.Get(id)
		assert.True(t, ok, "record %s: the slug is the ID", id)
	}

	// log4brains' own reading: "slug,STATUS,package,title" per record.
	l4bStatus := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(log4brains(t, node, root, "adr", "list", "--raw")), "\n") {
		f := strings.SplitN(line, ",", 4)
		require.Len(t, f, 4, "adr list --raw: %q", line)
		l4bStatus[f[0]] = strings.ToLower(f[1])
		d, ok := reg.Get(f[0])
		if assert.True(t, ok, "log4brains lists %s", f[0]) {
			assert.Equal(t, f[3], d.Title, f[0])
		}
	}
	require.Len(t, l4bStatus, 6)
	for _, d := range reg.List(decision.Filter{}) {
		want := l4bStatus[d.ID]
		switch {
		case d.ID == unfilled:
			assert.Equal(t, "draft", want)
			assert.Equal(t, decision.Unknown, d.Status, "an unfilled status is unknown")
		case want == "draft":
			assert.Equal(t, decision.Proposed, d.Status, d.ID)
		default:
			assert.Equal(t, want, string(d.Status), d.ID)
		}
	}

	r, _ := reg.Get(rabbit)
	assert.Equal(t, []string{kafka}, r.Linked(decision.SupersededBy))
	k, _ := reg.Get(kafka)
	assert.Equal(t, date("2024-09-19"), k.Decided)
	assert.Equal(t, []string{rabbit}, k.Linked(decision.Supersedes))
	assert.Equal(t, []string{rabbit, kafka}, ids(reg.History(kafka)))
	m, _ := reg.Get(madr)
	assert.Equal(t, []string{l4b}, m.Linked(decision.Relates))
	assert.Equal(t, date("2024-03-10"), m.Decided)

	var errs, notes []string
	for _, p := range reg.Lint(context.Background(), nil) {
		switch {
		case p.Note:
			notes = append(notes, strings.TrimPrefix(p.String(), filepath.ToSlash(dir)+"/"))
		case !p.Warning:
			errs = append(errs, p.String())
		}
	}
	assert.Empty(t, errs)
	assert.Equal(t, []string{
		`README.md:1:1: note: skipped: not a record by the pattern "readme.md"`,
		`index.md:1:1: note: skipped: not a record by the pattern "index.md"`,
		`template.md:1:1: note: skipped: not a record by the pattern "template.md"`,
	}, notes)
}

// TestMarkdownIsReadByADRTools writes a record with Decision.Markdown into
// a folder adr-tools made, and lets adr-tools work on it: adr generate toc
// reads its title, adr new -s supersedes it (editing its Status section),
// and the folder loads with the links both sides wrote.
func TestMarkdownIsReadByADRTools(t *testing.T) {
	bin := needTool(t, "adr", "install Debian's adr-tools package (apt-get install adr-tools)")
	d, err := decision.Parse("0002-use-postgresql-for-orders.md", []byte(`---
status: approved
date: 2025-01-02
owner: data-team
deciders: [ana, ben]
tags: [database]
relates: [ADR-0001]
---
# Use PostgreSQL for orders

## Context

Orders need transactions.

## Decision

We use PostgreSQL 16.

`+"```cue\nversion: {params: postgres: >=16, mode: \"warn\"}\n```\n"))
	require.NoError(t, err)
	md := d.Markdown()

	// Read back: the same record.
	back, err := decision.Parse("0002-use-postgresql-for-orders.md", md)
	require.NoError(t, err, "%s", md)
	assert.Equal(t, decision.ADRTools, back.Format)
	for _, f := range []struct{ got, want any }{
		{back.ID, d.ID}, {back.Title, d.Title}, {back.Status, d.Status}, {back.Decided, d.Decided},
		{back.Owner, d.Owner}, {back.Deciders, d.Deciders}, {back.Tags, d.Tags},
		{back.Linked(decision.Relates), d.Linked(decision.Relates)}, {len(back.Rules), len(d.Rules)},
	} {
		assert.Equal(t, f.want, f.got, "%s", md)
	}

	dir := t.TempDir()
	adr(t, bin, dir, "init", "doc/adr")
	folder := filepath.Join(dir, "doc", "adr")
	require.NoError(t, os.WriteFile(filepath.Join(folder, "0002-use-postgresql-for-orders.md"), md, 0o644))
	toc := exec.Command(bin, "generate", "toc")
	toc.Dir = dir
	out, err := toc.Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), "[2. Use PostgreSQL for orders](0002-use-postgresql-for-orders.md)")

	adr(t, bin, dir, "new", "-s", "2", "Use", "CockroachDB", "for", "orders")
	reg, err := decision.LoadDir(context.Background(), folder, nil)
	require.NoError(t, err)
	old, _ := reg.Get("ADR-0002")
	assert.Equal(t, decision.Superseded, old.Status)
	assert.Equal(t, []string{"ADR-0003"}, old.Linked(decision.SupersededBy))
	assert.Len(t, old.Rules, 1)
	cur, ok := reg.Current("ADR-0002")
	require.True(t, ok)
	assert.Equal(t, "ADR-0003", cur.ID)
	for _, p := range reg.Lint(context.Background(), nil) {
		assert.True(t, p.Warning, "%s", p)
	}
}

package report_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goldenpath-dev/goldenpath/feedback"
	"github.com/goldenpath-dev/goldenpath/feedback/report"
)

// scanDone ends a scan of p as scan.Project does: one scan signal, and
// every signal of the scan (made the same day) stamped with one time.
func (f *aggFleet) scanDone(p string) feedback.Signal {
	s := f.rec.New(feedback.SourceScan, f.subject(p))
	v := 0.0
	s.Value, s.Unit = &v, "signals"
	y, m, d := s.Time.Date()
	for i := range f.sigs {
		o := &f.sigs[i]
		if o.Subject.Project != p || o.Source == feedback.SourceRating || (o.Source == feedback.SourceUpgrade && o.Labels["change"] != "unresolved") {
			continue
		}
		if oy, om, od := o.Time.Date(); oy == y && om == m && od == d {
			o.Time = s.Time
		}
	}
	return f.add(s)
}

// upgradeTo records an upgrade of one file of p to version to.
func (f *aggFleet) upgradeTo(p, file, to string, conflict bool) feedback.Signal {
	s := f.upgrade(p, file, conflict)
	s.Labels["from"], s.Labels["to"] = "2.0.0", to
	f.sigs[len(f.sigs)-1] = s
	return s
}

// TestAbsorption follows a desire path through a release: five projects
// make one edit on 2.0.0; four upgrade to 2.1.0, whose template holds the
// edit, one of them with a conflict; their drift is gone but for another
// edit one of them keeps. The desire path is followed, not absorbed, until
// the fifth project upgrades too; then it is absorbed, with the days from
// its first signal, and is no longer a desire path.
func TestAbsorption(t *testing.T) {
	const file, key, other = "deploy/k8s/deployment.yaml.tmpl", "+ prometheus.io/job: {{.name}}", "+ # ours"
	day := func(n int) time.Time { return time.Date(2026, 11, n, 9, 0, 0, 0, time.UTC) }
	f := newAggFleet()
	projects := []string{"p01", "p02", "p03", "p04", "p05", "p06"}
	f.scan(day(1))
	for _, p := range projects {
		f.versions[p] = "2.0.0"
		if p != "p06" {
			f.drift(p, file, "shared", key, "@@ -3 +3,2 @@\n+ prometheus.io/job: "+p+"\n")
		}
		if p == "p01" {
			f.drift(p, file, "shared", other, "@@ -9 +9,2 @@\n+ # ours\n")
		}
		f.scanDone(p)
	}
	f.scan(day(3))
	for _, p := range projects[:4] {
		f.upgradeTo(p, file, "2.1.0", p == "p04")
		f.versions[p] = "2.1.0"
	}
	f.scan(day(4))
	for _, p := range projects {
		if p == "p01" {
			f.drift(p, file, "shared", other, "@@ -10 +10,2 @@\n+ # ours\n")
		}
		if p == "p05" {
			f.drift(p, file, "shared", key, "@@ -3 +3,2 @@\n+ prometheus.io/job: p05\n")
		}
		f.scanDone(p)
	}
	opts := &report.AggregateOptions{Now: func() time.Time { return day(10) }}
	r := aggRun(t, f, opts)
	require.Len(t, r.Absorptions, 1, "%+v", r.Absorptions)
	ab := r.Absorptions[0]
	assert.Equal(t, "svc", ab.Blueprint)
	assert.Equal(t, file, ab.File)
	assert.Equal(t, key, ab.Key)
	assert.Equal(t, 5, ab.Carried)
	assert.Equal(t, []string{"p01", "p02", "p03", "p04", "p05"}, ab.Projects)
	assert.Equal(t, 4, ab.Upgraded)
	assert.Equal(t, []string{"2.1.0"}, ab.Versions)
	assert.Equal(t, 3, ab.Clean, "p04's upgrade conflicted")
	assert.Equal(t, 4, ab.Gone)
	assert.Equal(t, 1, ab.FileDrift, "p01 keeps its own edit of the file")
	assert.Equal(t, []string{"p05"}, ab.Carrying)
	assert.Equal(t, 1, ab.StillCarried)
	assert.False(t, ab.Absorbed)
	assert.Equal(t, day(1), ab.First.Truncate(time.Second))
	assert.True(t, ab.AbsorbedAt.IsZero())
	assert.Len(t, ab.Signals, 5)
	var md strings.Builder
	require.NoError(t, r.Markdown(&md, nil))
	assert.Contains(t, md.String(), "| svc | deploy/k8s/deployment.yaml.tmpl | `"+ab.HunkID+"` | 5 | 4 (2.1.0) | 3 | 4 | 1 | no: still in p05 |")

	// The last one upgrades: absorbed, six days after the first signal.
	f.scan(day(7))
	f.upgradeTo("p05", file, "2.1.0", false)
	f.versions["p05"] = "2.1.0"
	f.scanDone("p05")
	r = aggRun(t, f, opts)
	require.Len(t, r.Absorptions, 1)
	ab = r.Absorptions[0]
	assert.Equal(t, 5, ab.Upgraded)
	assert.Equal(t, 4, ab.Clean)
	assert.Equal(t, 5, ab.Gone)
	assert.Empty(t, ab.Carrying)
	assert.True(t, ab.Absorbed)
	assert.Equal(t, day(7), ab.AbsorbedAt.Truncate(time.Second))
	assert.InDelta(t, 6.0, ab.Days, 0.01)
	for _, dp := range r.DesirePaths {
		assert.NotEqual(t, key, dp.Key, "an absorbed edit is no desire path")
	}
	md.Reset()
	require.NoError(t, r.Markdown(&md, nil))
	assert.Contains(t, md.String(), "| 5 | 5 (2.1.0) | 4 | 5 | 1 | yes, 6 days after the first signal (2026-11-07) |")

	// The same signals in any order make the same absorption.
	rev := newAggFleet()
	for i := len(f.sigs) - 1; i >= 0; i-- {
		rev.sigs = append(rev.sigs, f.sigs[i])
	}
	assert.Equal(t, r.Absorptions, aggRun(t, rev, opts).Absorptions)
}

// TestAbsorptionNotInTemplate: projects that upgraded to a version whose
// template lacks their edit keep it (the merge keeps it as drift): the
// desire path is followed, nothing is gone, and it is still a desire path.
// A project left in an unresolved conflict is not clean.
func TestAbsorptionNotInTemplate(t *testing.T) {
	const file, key = "Makefile.tmpl", "+lint: vet"
	day := func(n int) time.Time { return time.Date(2026, 11, n, 9, 0, 0, 0, time.UTC) }
	f := newAggFleet()
	f.scan(day(1))
	for _, p := range []string{"p01", "p02", "p03"} {
		f.versions[p] = "2.0.0"
		f.drift(p, file, "shared", key, "@@ -1 +1,2 @@\n+lint: vet\n")
		f.scanDone(p)
	}
	f.scan(day(2))
	for _, p := range []string{"p01", "p02", "p03"} {
		f.versions[p] = "2.1.0"
		f.upgradeTo(p, file, "2.1.0", false)
		f.drift(p, file, "shared", key, "@@ -1 +1,2 @@\n+lint: vet\n")
		if p == "p03" {
			s := f.rec.New(feedback.SourceUpgrade, f.subject(p))
			s.File, s.Result = "go.mod.tmpl", feedback.ResultWarn
			s.Labels = map[string]string{"change": "unresolved", "upgrade": "2.1.0"}
			f.add(s)
		}
		f.scanDone(p)
	}
	r := aggRun(t, f, &report.AggregateOptions{Now: func() time.Time { return day(5) }})
	require.Len(t, r.Absorptions, 1)
	ab := r.Absorptions[0]
	assert.Equal(t, 3, ab.Upgraded)
	assert.Equal(t, 2, ab.Clean, "p03 is in an unresolved conflict")
	assert.Equal(t, 0, ab.Gone)
	assert.Equal(t, []string{"p01", "p02", "p03"}, ab.Carrying)
	assert.Equal(t, 3, ab.StillCarried)
	assert.False(t, ab.Absorbed)
	require.Len(t, r.DesirePaths, 1)
	assert.Equal(t, key, r.DesirePaths[0].Key)
}

// TestAbsorptionOverwritten: an upgrade that overwrites an edited managed
// file removes the edit without absorbing it.
func TestAbsorptionOverwritten(t *testing.T) {
	const file, key = "Dockerfile.tmpl", "-USER nonroot +USER root"
	day := func(n int) time.Time { return time.Date(2026, 11, n, 9, 0, 0, 0, time.UTC) }
	f := newAggFleet()
	f.scan(day(1))
	for _, p := range []string{"p01", "p02", "p03"} {
		f.versions[p] = "2.0.0"
		f.drift(p, file, "managed", key, "@@ -9 +9 @@\n-USER nonroot\n+USER root\n")
		f.scanDone(p)
	}
	f.scan(day(2))
	for _, p := range []string{"p01", "p02", "p03"} {
		f.versions[p] = "2.1.0"
		s := f.upgradeTo(p, file, "2.1.0", false)
		s.Result, s.Labels["change"], s.Labels["level"] = feedback.ResultWarn, "overwritten", "managed"
		f.sigs[len(f.sigs)-1] = s
		f.scanDone(p)
	}
	r := aggRun(t, f, &report.AggregateOptions{Now: func() time.Time { return day(5) }})
	require.Len(t, r.Absorptions, 1)
	ab := r.Absorptions[0]
	assert.Equal(t, 3, ab.Upgraded)
	assert.Equal(t, 3, ab.Overwritten)
	assert.Equal(t, 0, ab.Gone)
	assert.False(t, ab.Absorbed, "overwritten is not absorbed")
	var md strings.Builder
	require.NoError(t, r.Markdown(&md, nil))
	assert.Contains(t, md.String(), "| 0 | 0 | no: the upgrade overwrote it in 3 projects |")
}

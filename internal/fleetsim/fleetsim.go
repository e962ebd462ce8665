// Package fleetsim makes the simulated fleet the feedback benchmarks
// aggregate — of the report package and of the PostgreSQL store, two
// modules — so that both measure the same signals. It is test support:
// nothing in the library imports it.
package fleetsim

import (
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/goldenpath-dev/goldenpath/decision"
	"github.com/goldenpath-dev/goldenpath/feedback"
)

// Fleet is a simulated fleet whose signals are made on the fly, never
// held: projects scanned weekly, 50 signals a scan — 40 rule checks (10
// decisions of 4 rules; 85 % pass, 7 % fail, 3 % warn, 5 % exempt), 2
// exceptions or metrics, 5 drift signals (a managed file in one project of
// ten, shared hunks from a pool of 50 common edits or the project's own), a
// lag, an upgrade (10 % conflicts) and a rating.
type Fleet struct {
	projects  []string
	subjects  [][5]feedback.Subject // per project and version
	decisions []string
	rules     []string
	files     []string
	hunks     []string
	keys      []string
	labels    []map[string]string // shared drift of each common key
	managed   map[string]string
	lagLabels []map[string]string
	upLabels  map[string]string
	raters    []map[string]string
	metric    map[string]string
	exception map[string]string
	values    []*float64
}

// Base is the time of the first scan, a Monday.
var Base = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) // a Monday

// New makes a fleet of the given number of projects.
func New(projects int) *Fleet {
	f := &Fleet{
		managed:   map[string]string{"level": "managed", "change": "changed"},
		upLabels:  map[string]string{"from": "1.3.0", "to": "1.4.0"},
		metric:    map[string]string{"name": "time-to-first-render"},
		exception: map[string]string{"status": "active", "expires": "2027-06-30", "requestedBy": "dev", "approvedBy": "cto"},
	}
	bps := []string{"go-service", "tf-module", "preview-env"}
	for p := range projects {
		name := "project-" + strconv.Itoa(p)
		f.projects = append(f.projects, name)
		var subs [5]feedback.Subject
		for v := range subs {
			subs[v] = feedback.Subject{Project: name, Dir: "/srv/fleet/" + name, Owner: "team-" + strconv.Itoa(p%40),
				Blueprint: bps[p%3], Version: "1." + strconv.Itoa(v) + ".0"}
		}
		f.subjects = append(f.subjects, subs)
	}
	for d := range 10 {
		f.decisions = append(f.decisions, fmt.Sprintf("ADR-%04d", 10+d))
	}
	f.rules = []string{"limits", "requests", "owner", "tls"}
	for i := range 10 {
		f.files = append(f.files, fmt.Sprintf("deploy/k8s/file-%d.yaml", i))
	}
	for k := range 50 {
		key := fmt.Sprintf("+ replicas: %d", k)
		f.keys = append(f.keys, key)
		f.hunks = append(f.hunks, fmt.Sprintf("@@ -%d,3 +%d,4 @@\n spec:\n-  replicas: 2\n+  replicas: %d\n", k, k, k))
		f.labels = append(f.labels, map[string]string{"level": "shared", "change": "changed", "hunk.key": key, "hunk.id": fmt.Sprintf("%016x", k)})
	}
	for d := range 3 {
		f.lagLabels = append(f.lagLabels, map[string]string{"latest": "1.4.0", "days": strconv.Itoa(30 * d)})
	}
	for r := range 300 {
		f.raters = append(f.raters, map[string]string{"by": "dev-" + strconv.Itoa(r)})
	}
	for v := range 6 {
		x := float64(v)
		f.values = append(f.values, &x)
	}
	return f
}

// mix scrambles i into a well spread number.
func mix(i int) uint64 {
	x := uint64(i)*0x9e3779b97f4a7c15 + 0x632be59bd9b4e5b9
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	return x ^ x>>29
}

// signals yields n signals: scan after scan of every project.
// Signals yields n signals of the fleet, made as they are read: weekly
// scans of every project in turn, 50 signals each.
func (f *Fleet) Signals(n int) iter.Seq2[feedback.Signal, error] {
	return func(yield func(feedback.Signal, error) bool) {
		idb := make([]byte, 0, 32)
		for i := range n {
			k := i % 50
			p := (i / 50) % len(f.projects)
			scan := i / (50 * len(f.projects))
			h := mix(i)
			t := Base.Add(time.Duration(scan)*7*24*time.Hour + time.Duration(p)*time.Second + time.Duration(k)*time.Millisecond)
			idb = strconv.AppendInt(append(idb[:0], "sig-"...), int64(i), 36)
			s := feedback.Signal{ID: string(idb), Time: t, Subject: f.subjects[p][min(scan, 4)]}
			switch {
			case k < 40:
				s.Source = feedback.SourceRule
				s.Decision, s.Rule = f.decisions[k/4], f.rules[k%4]
				s.Mode, s.Severity = decision.Warn, decision.Medium
				switch r := h % 100; {
				case r < 85:
					s.Result = feedback.ResultPass
				case r < 92:
					s.Result = feedback.ResultFail
				case r < 95:
					s.Result = feedback.ResultWarn
				default:
					s.Result = feedback.ResultExempt
				}
				if s.Result != feedback.ResultPass {
					s.Evidence = feedback.Evidence{Message: "every container must set limits", Path: f.files[k%10], Line: 12}
				}
			case k < 42 && p%10 == 0:
				s.Source = feedback.SourceException
				s.Decision, s.Rule, s.Result = f.decisions[0], f.rules[k-40], feedback.ResultExempt
				s.Evidence.Message = "the legacy ingress cannot take limits"
				s.Labels = f.exception
			case k < 42:
				s.Source = feedback.SourceMetric
				s.Value, s.Unit, s.Labels = f.values[h%6], "s", f.metric
			case k < 47:
				s.Source = feedback.SourceDrift
				file := f.files[(p+k)%10]
				s.File = file
				switch {
				case k == 42 && p%10 == 1:
					s.Result, s.Labels = feedback.ResultFail, f.managed
				case h%10 < 7:
					c := int(mix(p*5+k) % 50)
					s.Labels = f.labels[c]
					s.Evidence = feedback.Evidence{Path: file, Hunk: f.hunks[c], Line: c}
				default:
					key := "+ project " + strconv.Itoa(p) + " line " + strconv.Itoa(k)
					s.Labels = map[string]string{"level": "shared", "change": "changed", "hunk.key": key}
					s.Evidence = feedback.Evidence{Path: file, Hunk: "@@ -1 +1 @@\n" + key + "\n", Line: 1}
				}
			case k == 47:
				s.Source = feedback.SourceLag
				s.Value, s.Unit, s.Labels = f.values[4-min(scan, 4)], "versions", f.lagLabels[p%3]
			case k == 48:
				s.Source = feedback.SourceUpgrade
				s.File, s.Result, s.Labels = f.files[p%10], feedback.ResultPass, f.upLabels
				if h%10 == 0 {
					s.Result = feedback.ResultFail
					s.Evidence.Hunk = "@@ -3 +3 @@\n<<<<<<< ours\n"
				}
			default:
				s.Source = feedback.SourceRating
				s.Subject = feedback.Subject{Blueprint: s.Subject.Blueprint}
				s.Decision = f.decisions[p%10]
				s.Value, s.Unit, s.Labels = f.values[1+h%5], "score", f.raters[p%300]
			}
			if !yield(s, nil) {
				return
			}
		}
	}
}

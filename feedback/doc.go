// Package feedback turns what happens downstream of a golden path into
// evidence that a decision or a blueprint should change.
//
// # Signals
//
// A [Signal] is one observation about one subject, usually a project rendered
// from a blueprint: a managed file edited by its team (drift), the result of a
// decision's rule, an exception in force, an upgrade conflict, a project left
// several versions behind (lag), a rating given by a person, or a measured
// value. It names the decision, rule or blueprint file it concerns, carries a
// [Result] or a measured value, the evidence (a message, a diff hunk, a link)
// and the time it was made. A [Recorder] stamps signals with a sortable
// random ID and the time; both are injectable, so tests are deterministic.
//
// Signals have one JSON form, versioned line by line ("v": 1, or 2 for the
// scan source that version 2 added), which
// [Signal.MarshalJSON], [Signal.UnmarshalJSON] and [DecodeSignal] read and
// write; docs/signals.md documents every field and the versioning policy.
//
// # Stores
//
// A [Store] keeps signals: [Store.Append] is durable when it returns, and
// [Store.Query] streams the signals matching a [Filter] without holding them
// all in memory. [NewMemoryStore] keeps them in memory, for tests and short
// programs. [OpenFileStore] is the embedded default: one JSON Lines file,
// portable and greppable, safe for many goroutines and many processes, which
// repairs a line torn by a crash and never loses a signal whose Append
// returned. Every store keeps one signal per ID, so a retried Append is
// safe. Package feedback/storetest checks a Store against this contract;
// module feedback/pgstore is a Store in PostgreSQL, for signals that many
// servers and fleet workers share.
//
// # Ratings and measures
//
// [Rate] and [Metric] record what people say and what is measured.
//
// # The other packages
//
// Package feedback/scan observes rendered projects and turns upgrades into
// signals; it is the only part of the feedback loop that needs the
// renderer. Package feedback/report aggregates signals into a report and
// renders it as JSON and Markdown. A program that only keeps signals, such
// as a server receiving them or a database store, imports feedback alone.
package feedback
